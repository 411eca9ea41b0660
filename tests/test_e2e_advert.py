"""The job-offer checker in the real bot over HTTP: pasted, forwarded, and linked adverts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.db.models import AdvertCheck
from bot.wiring import Perevir
from tests.e2e_support import choose_english, filled, has_text, risk_level, running_bot, text_of
from tests.support.bot_api import BotApiServer

pytestmark = pytest.mark.e2e
USER = 5550002
ADVERT = (
    "Urgent!!! Girls 18-25 for hostess work in a Dubai club, 5000 USD/month, no experience. "
    "Ticket paid by us, you return it from wages. Passport stays with the manager <for "
    "registration>. Write only in WhatsApp & don't tell anyone."
)


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as srv:
        srv.user(USER, "Iryna", "en")
        yield srv


async def test_check_a_job_offer_from_the_menu(server: BotApiServer, perevir: Perevir) -> None:
    async with running_bot(server, perevir):
        menu = await choose_english(server, USER)
        server.press_button(USER, menu["message_id"], "menu:check")
        await server.wait_for_message(USER, contains=text_of("risk.prompt"))
        server.send_text(USER, ADVERT)
        [card] = await server.wait_for_message(USER)
    text = card["text"]
    assert risk_level(text) == "high"
    # the sign is named and the advert's words are quoted (the server refuses unescaped HTML)
    lure = filled(text, "risk.flag_line", name=text_of("flags.sexual_lure.name"))
    assert lure is not None and "hostess" in lure["evidence"].lower()
    buttons = [b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["risk:details", "handoff:advert"]  # every sign, and a counsellor
    async with perevir.people.sessions() as session:
        checks = (await session.execute(select(AdvertCheck))).scalars().all()
    assert [(c.level, c.source) for c in checks] == [("high", "text")]
    assert "sexual_lure" in checks[0].flags


async def test_a_forwarded_recruiter_message_gets_a_risk_card(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.forward_text(
            USER,
            "Hi! Farm job in Poland, 15 PLN/h, we keep passports for "
            "registration, pay 100 EUR for the bus, leave tomorrow",
            "Recruiter",
        )
        [card] = await server.wait_for_message(USER)
    assert risk_level(card["text"]) is not None


async def test_a_short_text_gets_a_request_for_the_whole_advert(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        menu = await choose_english(server, USER)
        server.press_button(USER, menu["message_id"], "menu:check")
        await server.wait_for_message(USER)
        server.send_text(USER, "job in Dubai")
        await server.wait_for_message(USER, contains=text_of("risk.too_short"))


async def test_a_link_to_a_private_address_is_refused_and_text_is_asked_for(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_text(USER, "http://127.0.0.1/admin")
        [reply] = await server.wait_for_message(USER)
    assert has_text(reply["text"], "link.refused.private")
    assert has_text(reply["text"], "link.paste_instead")


async def test_a_slow_link_delays_only_its_own_chat(server: BotApiServer, perevir: Perevir) -> None:
    from bot.web.fetch import FetchedPage

    release = asyncio.Event()

    async def slow_site(url: str) -> FetchedPage:
        await release.wait()  # a site (or DNS) that takes its time
        return FetchedPage(
            url,
            "Warehouse packers wanted in Poland. Work on a tourist visa, no contract needed. "
            "The coordinator keeps your passport for registration. Pay 3000 EUR a month, "
            "travel costs deducted from the first wages. Leave this week, places are limited.",
        )

    perevir.fetch_link = slow_site
    others = list(range(USER + 1, USER + 21))
    for other in others:
        server.user(other, f"User {other}", "en")
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_text(USER, "https://jobs.example/offer/1")
        for other in others:
            server.send_text(other, "can I work in Poland without a visa")
        for other in others:
            [answer] = await server.wait_for_message(other, count=1, timeout=15)
            assert answer["text"]
        assert not release.is_set()  # all twenty answered while the link was still loading
        release.set()
        [card] = await server.wait_for_message(USER)
        assert risk_level(card["text"]) is not None  # the card of the page that loaded last
        kept = filled(card["text"], "risk.flag_line", name=text_of("flags.document_retention.name"))
        assert kept is not None and "passport" in kept["evidence"].lower()
