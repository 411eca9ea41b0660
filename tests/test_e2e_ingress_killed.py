"""The real ingress process killed with SIGKILL in the middle of Telegram's POST: Telegram's
redelivery gives exactly one handling (issue 14)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from benchmarks.processes import Process, free_port, until_healthy
from bot.knowledge import Knowledge
from tests.e2e_support import TEST_KEY, answer_to, choose_english, make_bot, settled
from tests.support.bot_api import BotApiServer
from tests.support.environment import clean_environment
from tests.test_e2e_webhook import QUESTIONS, SECRET, _database, _webhook, worker

pytestmark = pytest.mark.e2e
PERSON = 303


def _ingress(tmp_path: Path, database_url: str, port: int) -> Process:
    env = clean_environment()
    env.update(
        PEREVIR_DATABASE_URL=database_url,
        PEREVIR_WEBHOOK_SECRET=SECRET,
        PEREVIR_PSEUDONYM_KEY=TEST_KEY,
        PEREVIR_DATA_DIR=str(tmp_path / "ingress"),
        PEREVIR_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return Process(["bot.cli", "ingress", "--port", str(port)], env, tmp_path, "ingress")


async def test_the_ingress_killed_mid_post_is_redelivered_to_and_the_update_handled_once(
    knowledge: Knowledge, tmp_path: Path, database_url: str
) -> None:
    url = _database(tmp_path, database_url)
    perevir = make_bot(knowledge, tmp_path, url)  # the schema, made by the migrations
    port = free_port()
    ingress = _ingress(tmp_path, url, port)
    ingress.start()
    try:
        await until_healthy(ingress, port)
        async with BotApiServer() as server, worker(server, perevir, "w1", url):
            server.user(PERSON, "Olena", "en")
            await _webhook(server, f"http://127.0.0.1:{port}/telegram")
            await choose_english(server, PERSON)
            before = len(server.messages(PERSON))
            assert ingress.popen is not None
            os.kill(ingress.popen.pid, signal.SIGSTOP)  # it takes the POST and never answers
            update = server.send_text(PERSON, QUESTIONS[0][0])
            uid = update["update_id"]
            await server.wait_for(lambda: uid in server.first_posted, timeout=10)
            ingress.kill()  # SIGKILL in the middle of the POST
            await server.wait_for(lambda: 0 in server.webhook_posts, timeout=15)
            ingress.start()
            await until_healthy(ingress, port)
            answers = await server.wait_for_message(PERSON, timeout=20)
            assert [answer_to(a) for a in answers] == [QUESTIONS[0][1]]

            # Killed once more after the commit and before its 200: Telegram sends it again.
            ingress.kill()
            ingress.start()
            await until_healthy(ingress, port)
            posts = len(server.webhook_posts)
            server.inject_raw(update)
            await server.wait_for(lambda: server.webhook_posts[posts:] == [200], timeout=15)
            await settled(server, perevir)
            assert len(server.messages(PERSON)) == before + 1  # handled exactly once
    finally:
        ingress.kill()
        await perevir.people.close()
