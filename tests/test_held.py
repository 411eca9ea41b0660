"""What a person may still share is held in the database, sealed, for any worker, until expiry."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.memory import SHARE_WINDOW, Memory
from bot.db.database import make_async_engine, make_sessionmaker, migrate
from bot.db.held_repo import HeldRepository
from bot.domain.cases import SharedAdvert, SharedFlag
from bot.privacy import Sealer, held_key

PERSON = "a" * 64
KEY = held_key(b"test secret")


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


ENGINES: list[AsyncEngine] = []


def _held(url: str, key: bytes = KEY) -> HeldRepository:
    engine = make_async_engine(url)
    ENGINES.append(engine)
    return HeldRepository(make_sessionmaker(engine), Sealer(key))


@pytest.fixture(autouse=True)
async def _close_engines() -> AsyncIterator[None]:
    yield
    while ENGINES:
        await ENGINES.pop().dispose()


async def test_a_question_held_by_one_worker_is_shared_by_another_once(database_url: str) -> None:
    migrate(database_url)
    clock = Clock()
    first = Memory(held=_held(database_url), clock=clock)
    second = Memory(held=_held(database_url), clock=clock)  # another process
    await first.hold_question(PERSON, 7, "can they keep my passport?")
    held = await second.take_question(PERSON)
    assert held is not None and (held.miss_id, held.text) == (7, "can they keep my passport?")
    assert await first.take_question(PERSON) is None  # taken once


async def test_an_advert_awaiting_consent_is_read_by_any_worker_until_it_expires(
    database_url: str,
) -> None:
    migrate(database_url)
    clock = Clock()
    advert = SharedAdvert("high", "Паспорт залишаєте у координатора", (SharedFlag("x", ("y",)),))
    await Memory(held=_held(database_url), clock=clock).hold_advert(PERSON, advert)
    other = Memory(held=_held(database_url), clock=clock)
    assert await other.advert(PERSON) == advert
    clock.now += SHARE_WINDOW + dt.timedelta(seconds=1)
    assert await other.advert(PERSON) is None


async def test_what_is_held_is_stored_sealed_and_opens_only_with_its_key(
    database_url: str,
) -> None:
    migrate(database_url)
    clock = Clock()
    await Memory(held=_held(database_url), clock=clock).hold_question(PERSON, 1, "мій паспорт")
    engine = make_async_engine(database_url)
    async with engine.connect() as connection:
        stored = (await connection.execute(text("SELECT sealed FROM held_items"))).scalar_one()
    await engine.dispose()
    assert "паспорт" not in stored and stored.startswith("v1:")
    stranger = Memory(held=_held(database_url, held_key(b"another secret")), clock=clock)
    assert await stranger.take_question(PERSON) is None  # cannot open: treated as expired


async def test_forget_and_expiry_erase_what_is_held(database_url: str) -> None:
    migrate(database_url)
    clock = Clock()
    store = _held(database_url)
    memory = Memory(held=store, clock=clock)
    await memory.hold_question(PERSON, 1, "q")
    await memory.hold_advert(PERSON, SharedAdvert("high", "t"))
    await memory.forget(PERSON)
    assert await memory.advert(PERSON) is None
    assert await memory.take_question(PERSON) is None
    await memory.hold_question(PERSON, 2, "q2")
    assert await store.purge_held(clock.now + SHARE_WINDOW) == 1
    assert await store.purge_held(clock.now + SHARE_WINDOW) == 0
