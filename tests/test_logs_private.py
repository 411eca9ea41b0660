"""Logs never hold user text, ids, names, pseudonyms or the token, even at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.dialogue import Outcome
from bot.knowledge import Knowledge
from bot.logsafe import described
from bot.tg.app import quiet_logs
from bot.web.fetch import FetchedPage
from bot.wiring import Perevir
from tests.e2e_support import (
    TOKEN,
    buttons,
    choose_english,
    forget_me,
    has_text,
    latest_saying,
    make_bot,
    risk_level,
    running_bot,
    settled,
)
from tests.e2e_support import latest_containing as _until
from tests.support.bot_api import BotApiServer

pytestmark = pytest.mark.e2e
PERSON, COUNSELLOR, GROUP = 5_550_777, 9_077, -100_9077
QUESTION = "can Ярина Квітчаста work in Poland without a visa"
ADVERT = (
    "Hostess job in the Zaporvik club in Dubai, 5000 USD, no experience, passport kept by the "
    "manager, ticket paid from wages, write only in WhatsApp"
)
CASE_TEXT = "I am at Hrushevskoho 99, flat 12"
REPLY = "Stay there, Counsellor Orysia calls you"
BREAKS = "this text 𗀀 breaks the engine"


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as srv:
        srv.user(PERSON, "Marichka", "en", username="marichka_zz")
        srv.user(COUNSELLOR, "Orysia", "en")
        srv.group(GROUP, "Counsellors")
        srv.set_member(GROUP, PERSON, "left")
        yield srv


@pytest.fixture
async def perevir(knowledge: Knowledge, tmp_path: Path) -> AsyncIterator[Perevir]:
    svc = make_bot(
        knowledge,
        tmp_path,
        PEREVIR_COUNSELLOR_CHAT_ID=str(GROUP),
        PEREVIR_COUNSELLORS=f"{COUNSELLOR}=Counsellor Orysia",
    )
    yield svc
    await svc.people.close()


def test_an_exception_is_described_by_type_and_place_only() -> None:
    try:
        {}["Ярина 𗀀"]
    except KeyError as exc:
        text = described(exc)
    assert text.startswith("KeyError at test_logs_private.py:")
    assert "Ярина" not in text and "𗀀" not in text


async def test_a_whole_conversation_at_debug_logs_nothing_of_the_person(
    server: BotApiServer,
    perevir: Perevir,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    quiet_logs()  # as `perevir run` does, then everything at DEBUG
    caplog.set_level(logging.DEBUG)
    real_message = perevir.knowledge.dialogue.message

    def breaking(
        text: str, lang: str | None, state: str | None, forwarded: bool, *, noted: bool = False
    ) -> Outcome:
        if text == BREAKS:
            raise KeyError(text)  # an error whose message is the user's text
        return real_message(text, lang, state, forwarded, noted=noted)

    async def page(url: str) -> FetchedPage:
        return FetchedPage(url, ADVERT)

    monkeypatch.setattr(perevir.knowledge.dialogue, "message", breaking)
    perevir.fetch_link = page
    async with running_bot(server, perevir):
        server.send_command(COUNSELLOR, "/start")
        await server.wait_for_message(COUNSELLOR)
        menu = await choose_english(server, PERSON)
        server.send_text(PERSON, QUESTION)
        await server.wait_for_message(PERSON)
        server.send_text(PERSON, ADVERT)
        [card] = await server.wait_for_message(PERSON)
        assert risk_level(card["text"]) is not None
        server.send_text(PERSON, "https://jobs.example/zaporvik")
        [card] = await server.wait_for_message(PERSON)
        assert risk_level(card["text"]) is not None
        server.send_text(PERSON, BREAKS)
        [broke] = await server.wait_for_message(PERSON)
        assert has_text(broke["text"], "errors.internal")
        server.press_button(PERSON, menu["message_id"], "menu:counsellor")
        [consent] = await server.wait_for_message(PERSON)
        assert has_text(consent["text"], "handoff.consent")
        server.press_button(PERSON, consent["message_id"], "ho:yes")
        [card] = await server.wait_for_message(GROUP)
        server.press_button(COUNSELLOR, card["message_id"], buttons(card)[0], chat_id=GROUP)
        await latest_saying(server, PERSON, "handoff.taken")
        server.send_text(PERSON, CASE_TEXT)
        await _until(server, COUNSELLOR, "Hrushevskoho")
        server.send_text(COUNSELLOR, REPLY)
        await _until(server, PERSON, "Orysia calls")
        await forget_me(server, PERSON)
        await settled(server, perevir)
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.stack_info or ''}" for r in caplog.records
    )
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG was really on
    assert "handler failed: KeyError at" in logged
    traces = [
        str(PERSON),
        str(COUNSELLOR),
        "Marichka",
        "marichka_zz",
        "Квітчаста",
        "Zaporvik",
        "zaporvik",
        "Hrushevskoho",
        "calls you",
        "𗀀",
        perevir.pseudonym(PERSON)[:12],
        TOKEN.split(":")[1],
    ]
    assert [t for t in traces if t in logged] == []
    assert not [r for r in caplog.records if r.exc_info]
