"""CPU-heavy work runs off the event loop within a budget: a slow message delays only its chat."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import pytest

from bot.domain.dialogue import Outcome
from bot.offload import CpuWorker
from bot.wiring import Perevir
from tests.e2e_support import answer_to, choose_english, has_text, running_bot
from tests.support.bot_api import BotApiServer

pytestmark = pytest.mark.e2e
SLOW_USER = 5_550_301
OTHER = 5_550_302
STUCK = "a message the engine gets stuck on"


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as srv:
        srv.user(SLOW_USER, "Oksana", "en")
        srv.user(OTHER, "Taras", "en")
        yield srv


async def test_work_past_its_budget_is_answered_kindly_and_others_go_on(
    server: BotApiServer, perevir: Perevir, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialogue = perevir.knowledge.dialogue
    real_message = dialogue.message
    release = threading.Event()
    started = threading.Event()

    def stuck_on_one_text(
        text: str, lang: str | None, state: str | None, forwarded: bool, *, noted: bool = False
    ) -> Outcome:
        if text == STUCK:
            started.set()
            release.wait(timeout=30)  # the engine blocks its thread, not the loop
        return real_message(text, lang, state, forwarded, noted=noted)

    monkeypatch.setattr(dialogue, "message", stuck_on_one_text)
    real_message("can i work in poland visa free", "en", None, False)  # warm, not timed
    perevir.cpu = CpuWorker(budget=0.5)
    try:
        async with running_bot(server, perevir):
            await choose_english(server, SLOW_USER)
            await choose_english(server, OTHER)
            server.send_text(SLOW_USER, STUCK)
            [sorry] = await server.wait_for_message(SLOW_USER, timeout=10)
            assert has_text(sorry["text"], "errors.too_slow")
            assert started.is_set() and not release.is_set()
            server.send_text(OTHER, "can i work in poland visa free")
            [answer] = await server.wait_for_message(OTHER, timeout=10)
            assert answer_to(answer) == "visa-free-work"
            assert not release.is_set()  # answered while the stuck work still held its thread
    finally:
        release.set()
