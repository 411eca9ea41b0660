"""Webhook mode over real HTTP: the local Bot API server POSTs to the ingress (uvicorn), which
commits each update before answering 200; workers handle the inbox (two of them on PostgreSQL)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from bot.knowledge import Knowledge
from bot.tg.app import (
    PerevirApp,
    bare_application,
    build_application,
    set_webhook,
    start_worker,
    stop,
)
from bot.tg.webhook import SECRET_HEADER, webhook_app
from bot.wiring import Perevir
from tests.e2e_support import TOKEN, answer_to, choose_english, make_bot
from tests.support.bot_api import BotApiServer

pytestmark = pytest.mark.e2e
SECRET = "s3cret_for-tests"
QUESTIONS = (
    ("my boss wants to keep my passport, is that ok?", "passport-safekeeping"),
    ("the agency asks me to pay 300 euro for the job, should i pay", "agency-fees"),
)


@asynccontextmanager
async def ingress(perevir: Perevir) -> AsyncIterator[str]:
    """The ingress on a free local port; its webhook URL."""
    app = webhook_app(perevir.people, SECRET)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", access_log=False)
    )
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the ingress did not start"
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/telegram"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def worker(
    server: BotApiServer, perevir: Perevir, name: str, url: str
) -> AsyncIterator[PerevirApp]:
    """A worker of webhook mode on the bot's database."""
    app = build_application(TOKEN, server.base_url, perevir)
    await start_worker(app, name, url)
    try:
        yield app
    finally:
        await stop(app)


async def _webhook(server: BotApiServer, url: str) -> None:
    assert await set_webhook(bare_application(TOKEN, server.base_url), url, SECRET)
    assert server.webhook == {"url": url, "secret_token": SECRET}


def _database(tmp_path: Path, database_url: str) -> str:
    return database_url if "postgresql" in database_url else f"sqlite:///{tmp_path / 'bot.db'}"


async def test_a_question_posted_to_the_webhook_is_answered_once(
    knowledge: Knowledge, tmp_path: Path, database_url: str
) -> None:
    url = _database(tmp_path, database_url)
    perevir = make_bot(knowledge, tmp_path, url)
    async with BotApiServer() as server:
        server.user(101, "Olena", "en")
        async with ingress(perevir) as hook, worker(server, perevir, "w1", url):
            await _webhook(server, hook)
            await choose_english(server, 101)
            server.send_text(101, QUESTIONS[0][0])
            [answer] = await server.wait_for_message(101, timeout=10)
            assert answer_to(answer) == QUESTIONS[0][1]
            await server.wait_for(lambda: server.pending_updates() == 0)
        assert set(server.webhook_posts) == {200}
        assert not server.calls("getUpdates")  # webhook mode never polls
    await perevir.people.close()


async def test_the_ingress_refuses_a_post_without_the_secret_and_keeps_nothing(
    perevir: Perevir, caplog: pytest.LogCaptureFixture
) -> None:
    update = {
        "update_id": 5,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": "private words",
            "chat": {"id": 9, "type": "private"},
        },
    }
    caplog.set_level(logging.INFO)
    async with ingress(perevir) as hook, httpx.AsyncClient() as client:
        wrong = await client.post(hook, json=update, headers={SECRET_HEADER: "guess"})
        missing = await client.post(hook, json=update)
        right = await client.post(hook, json=update, headers={SECRET_HEADER: SECRET})
        again = await client.post(hook, json=update, headers={SECRET_HEADER: SECRET})
        health = await client.get(hook.replace("/telegram", "/healthz"))
        ready = await client.get(hook.replace("/telegram", "/readyz"))
        scraped = await client.get(hook.replace("/telegram", "/metrics"))
    assert (wrong.status_code, missing.status_code) == (403, 403)
    assert (right.status_code, again.status_code) == (200, 200)  # a redelivery is recorded once
    assert [uid for uid, _ in await perevir.people.pending_updates()] == [5]
    assert (health.status_code, ready.status_code) == (200, 200)
    assert "perevir_updates_received_total" in scraped.text
    assert "private words" not in caplog.text and "guess" not in caplog.text


async def test_while_the_inbox_is_down_telegram_is_told_to_retry_and_nothing_is_lost(
    knowledge: Knowledge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    perevir = make_bot(knowledge, tmp_path, url)
    record = perevir.people.record_updates
    failures = {"left": 3}

    async def flaky(updates: Any) -> int:
        if failures["left"]:
            failures["left"] -= 1
            from bot.db.errors import StorageError

            raise StorageError("database is locked")
        return await record(updates)

    async with BotApiServer() as server:
        server.user(102, "Taras", "en")
        async with ingress(perevir) as hook, worker(server, perevir, "w1", url):
            await _webhook(server, hook)
            monkeypatch.setattr(perevir.people, "record_updates", flaky)
            server.send_command(102, "/start")
            [choice] = await server.wait_for_message(102, timeout=10)
            assert choice["text"]
            await server.wait_for(lambda: server.pending_updates() == 0)
            assert server.webhook_posts.count(503) == 3 and server.webhook_posts[-1] == 200
            assert len(server.messages(102)) == 1  # handled exactly once
    await perevir.people.close()


@pytest.mark.postgres
async def test_two_workers_share_the_people_and_answer_each_in_order(
    knowledge: Knowledge, tmp_path: Path, postgres_url: str | None
) -> None:
    if not postgres_url:
        pytest.skip("PEREVIR_TEST_POSTGRES_URL is not set")
    from tests.support import postgres

    postgres.reset(postgres_url)
    first = make_bot(knowledge, tmp_path / "a", postgres_url)
    second = make_bot(knowledge, tmp_path / "b", postgres_url)
    people = [201 + n for n in range(8)]
    async with BotApiServer() as server:
        for person in people:
            server.user(person, "P", "en")
        async with (
            ingress(first) as hook,
            worker(server, first, "w1", postgres_url) as one,
            worker(server, second, "w2", postgres_url) as two,
        ):
            await _webhook(server, hook)
            await asyncio.gather(*(choose_english(server, p) for p in people))
            before = {p: len(server.messages(p)) for p in people}
            for question, _ in QUESTIONS:
                for person in people:
                    server.send_text(person, question)
            for person in people:
                await server.wait_for_message(person, count=2, timeout=20)
            await server.wait_for(lambda: server.pending_updates() == 0)
            for person in people:
                answers = [answer_to(m) for m in server.messages(person)[-2:]]
                assert answers == [topic for _, topic in QUESTIONS]  # once each, in order
                assert len(server.messages(person)) == before[person] + 2  # none sent twice
            assert all(w.bot_data["dispatcher"].handled > 0 for w in (one, two))  # both worked
    await first.people.close()
    await second.people.close()
