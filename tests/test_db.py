"""Storage on SQLite and PostgreSQL: migrations, the durable inbox, languages, erasure."""

from __future__ import annotations

import asyncio

from sqlalchemy import create_engine, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.database import make_async_engine, make_sessionmaker, migrate, sync_url
from bot.db.models import Base
from bot.db.repository import Repository
from bot.privacy import pseudonym


async def _repository(url: str) -> tuple[Repository, AsyncEngine]:
    migrate(url)
    engine = make_async_engine(url)
    return Repository(make_sessionmaker(engine), engine), engine


def test_migrations_create_exactly_the_models_tables(database_url: str) -> None:
    migrate(database_url)
    migrate(database_url)  # a second run is a no-op
    engine = create_engine(sync_url(database_url))
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set(Base.metadata.tables)


async def test_an_update_is_recorded_once(database_url: str) -> None:
    repo, engine = await _repository(database_url)
    assert await repo.record_update(10, '{"update_id": 10}') is True
    assert await repo.record_update(10, '{"update_id": 10}') is False
    assert await repo.pending_updates() == [(10, '{"update_id": 10}')]
    await repo.finish_update(10)
    assert await repo.pending_updates() == []
    await engine.dispose()


async def test_concurrent_deliveries_of_one_update_are_recorded_once(database_url: str) -> None:
    repo, engine = await _repository(database_url)
    results = await asyncio.gather(*(repo.record_update(77, "{}") for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]
    await engine.dispose()


async def test_the_language_choice_persists(database_url: str) -> None:
    repo, engine = await _repository(database_url)
    user = pseudonym(b"k" * 32, 123456)
    assert await repo.language(user) is None
    await repo.set_language(user, "en")
    await repo.set_language(user, "uk")
    assert await repo.language(user) == "uk"
    await engine.dispose()


async def test_forget_erases_the_user_and_their_votes(database_url: str) -> None:
    repo, engine = await _repository(database_url)
    user = pseudonym(b"k" * 32, 42)
    await repo.set_language(user, "en")
    await repo.add_feedback(user, "passport-safekeeping", True, "en")
    await repo.forget(user)
    assert await repo.language(user) is None
    assert await repo.feedback_counts() == {}
    await engine.dispose()


def test_pseudonyms_are_keyed_and_stable() -> None:
    assert pseudonym(b"a" * 32, 1) == pseudonym(b"a" * 32, 1)
    assert pseudonym(b"a" * 32, 1) != pseudonym(b"b" * 32, 1)
    assert pseudonym(b"a" * 32, 1) != "1" and len(pseudonym(b"a" * 32, 1)) == 64
