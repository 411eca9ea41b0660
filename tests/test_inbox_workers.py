"""Many workers share one inbox: each update handled once, each chat by one worker at a time
and in order, different chats in parallel; a dead worker's updates are taken over."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
from collections import defaultdict
from typing import Any, cast

from telegram import Bot, Update

from bot.db.database import make_async_engine, make_sessionmaker, migrate
from bot.db.repository import Incoming, Repository
from bot.tg.intake import MAX_ATTEMPTS, Dispatcher, Intake

NO_BOT = cast(Bot, None)  # updates are decoded without a bot: nothing here calls Telegram


def _update(update_id: int, chat: int) -> str:
    message = {
        "message_id": update_id,
        "date": 0,
        "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "T"},
        "text": f"m{update_id}",
    }
    return json.dumps({"update_id": update_id, "message": message})


async def _repository(url: str) -> Repository:
    engine = make_async_engine(url)
    return Repository(make_sessionmaker(engine), engine)


async def _until(condition: Any, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


class Journal:
    """What the workers did: each handling with its worker, and chats handled at once."""

    def __init__(self) -> None:
        self.handled: list[tuple[str, int, int]] = []
        self.active: set[int] = set()
        self.overlaps = 0

    def handler(self, worker: str) -> Any:
        async def handle(update: Update) -> None:
            chat = update.effective_chat
            assert chat is not None
            if chat.id in self.active:
                self.overlaps += 1
            self.active.add(chat.id)
            await asyncio.sleep(random.uniform(0, 0.004))  # work that takes a little time
            self.active.discard(chat.id)
            self.handled.append((worker, chat.id, update.update_id))

        return handle


def _dispatcher(repo: Repository, journal: Journal, name: str, **kw: Any) -> Dispatcher:
    intake = Intake(repo, lambda: None)
    return Dispatcher(NO_BOT, intake, journal.handler(name), idle_poll=0.05, worker=name, **kw)


async def test_three_workers_handle_each_update_once_and_each_chat_in_order(
    database_url: str,
) -> None:
    migrate(database_url)
    repos = [await _repository(database_url) for _ in range(3)]
    chats = [1000 + c for c in range(30)]
    updates = [Incoming(n, _update(n, chats[n % 30]), chats[n % 30]) for n in range(1, 301)]
    journal = Journal()
    workers = [_dispatcher(r, journal, f"w{i}") for i, r in enumerate(repos)]
    for worker in workers:
        worker.start()
    for start in range(0, len(updates), 25):  # arriving while the workers run
        await repos[0].record_updates(updates[start : start + 25])
    await _until(lambda: len(journal.handled) >= 300)
    for worker in workers:
        await worker.stop()
    assert sorted(u for _, _, u in journal.handled) == list(range(1, 301))  # each once
    by_chat: dict[int, list[int]] = defaultdict(list)
    for _, chat, update_id in journal.handled:
        by_chat[chat].append(update_id)
    assert all(ids == sorted(ids) for ids in by_chat.values())  # each chat in order
    assert journal.overlaps == 0  # never two workers on one chat
    assert await repos[0].pending_updates() == []
    if "postgresql" in database_url:  # SQLite serialises the claims; PostgreSQL shares them
        assert len({w for w, _, _ in journal.handled}) == 3
    for repo in repos:
        await repo.close()


async def test_a_dead_workers_updates_are_taken_over_when_its_lease_runs_out(
    database_url: str,
) -> None:
    migrate(database_url)
    repo = await _repository(database_url)
    await repo.record_updates([Incoming(n, _update(n, 7), 7) for n in (1, 2, 3)])
    lease = dt.timedelta(seconds=0.5)
    held = await repo.claim_updates(5, lease, worker="dead")  # claimed, then the worker died
    assert [c.update_id for c in held] == [1]  # only the head of the chat
    assert await repo.claim_updates(5, lease, worker="other") == []  # the chat is held
    journal = Journal()
    survivor = _dispatcher(repo, journal, "other", lease=lease)
    survivor.start()
    await _until(lambda: len(journal.handled) == 3)
    await survivor.stop()
    assert [u for _, _, u in journal.handled] == [1, 2, 3]
    await repo.close()


async def test_a_worker_restarted_under_its_name_takes_its_updates_back_at_once(
    database_url: str,
) -> None:
    migrate(database_url)
    repo = await _repository(database_url)
    await repo.record_updates([Incoming(1, _update(1, 9), 9)])
    await repo.claim_updates(5, dt.timedelta(hours=1), worker="w1")  # then killed
    journal = Journal()
    restarted = _dispatcher(repo, journal, "w1")
    restarted.start()
    await _until(lambda: len(journal.handled) == 1, timeout=10)
    await restarted.stop()
    await repo.close()


async def test_an_update_that_kept_killing_its_worker_is_given_up(database_url: str) -> None:
    migrate(database_url)
    repo = await _repository(database_url)
    await repo.record_updates([Incoming(1, _update(1, 5), 5), Incoming(2, _update(2, 5), 5)])
    for _ in range(MAX_ATTEMPTS):  # claimed by workers that each died while handling it
        await repo.claim_updates(1, dt.timedelta(hours=1), worker="w")
        await repo.release_leases("w")
    journal = Journal()
    worker = _dispatcher(repo, journal, "w")
    worker.start()
    await _until(lambda: len(journal.handled) == 1)
    await worker.stop()
    assert [u for _, _, u in journal.handled] == [2]  # the next one still goes
    assert await repo.pending_updates() == []
    await repo.close()
