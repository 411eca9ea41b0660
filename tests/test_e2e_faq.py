"""The real bot over real HTTP: a job-seeker's conversation from /start to an answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.db.models import Feedback
from bot.wiring import Perevir
from tests.e2e_support import (
    answer_to,
    buttons,
    choose_english,
    has_hotlines,
    has_text,
    is_text,
    running_bot,
    settled,
    text_of,
)
from tests.support.bot_api import BotApiServer

pytestmark = pytest.mark.e2e
USER = 5550001


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as srv:
        srv.user(USER, "Olena", "uk")
        yield srv


async def test_start_language_question_answer_and_vote(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_text(USER, "my boss wants to keep my passport, is that ok?")
        [answer] = await server.wait_for_message(USER)
        assert answer_to(answer) == "passport-safekeeping"
        assert has_text(answer["text"], "faq.sources")
        assert [b for b in buttons(answer) if b.startswith("fb:")]
        server.press_button(USER, answer["message_id"], buttons(answer)[0])
        await server.wait_for_message(USER, contains=text_of("feedback.thanks"))
    async with perevir.people.sessions() as session:
        votes = (await session.execute(select(Feedback))).scalars().all()
    assert [(v.helpful, v.language) for v in votes] == [(True, "en")]


async def test_the_menu_offers_the_four_paths(server: BotApiServer, perevir: Perevir) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        menu = server.messages(USER)[-1]
        assert buttons(menu) == ["menu:ask", "menu:check", "menu:counsellor", "menu:hotlines"]
        server.press_button(USER, menu["message_id"], "menu:hotlines")
        [hotlines] = await server.wait_for_message(USER)
        assert has_text(hotlines["text"], "hotlines.title") and has_hotlines(hotlines["text"])


async def test_language_switch_persists_across_a_restart(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_command(USER, "/language")
        [choice] = await server.wait_for_message(USER)
        server.press_button(USER, choice["message_id"], "lang:uk")
        await server.wait_for_message(USER, count=3, contains=text_of("language.set", "uk"))
    async with running_bot(server, perevir):
        server.send_command(USER, "/help")
        await server.wait_for_message(USER, count=2, contains=text_of("help.text", "uk"))


async def test_unknown_command_sticker_and_gibberish_get_kind_replies(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_command(USER, "/weather")
        await server.wait_for_message(USER, contains=text_of("errors.unknown_command"))
        server.send_sticker(USER)
        await server.wait_for_message(USER, contains=text_of("errors.sticker"))
        server.send_voice(USER)
        await server.wait_for_message(USER, contains=text_of("errors.media"))
        server.send_text(USER, "qwzx plorf")
        [miss] = await server.wait_for_message(USER)
        assert has_text(miss["text"], "faq.miss") or has_text(miss["text"], "faq.suggest")


async def test_an_unanswered_question_is_counted_and_shared_only_with_consent(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_text(USER, "where can I buy a cheap bicycle in Berlin")
        [miss] = await server.wait_for_message(USER)
        assert "share:miss" in buttons(miss)
        server.send_text(USER, "where is a good place to buy a used car in Krakow")
        [second] = await server.wait_for_message(USER)
        server.press_button(USER, second["message_id"], "share:miss")
        await server.wait_for_message(USER, contains=text_of("faq.shared"))
    gaps = await perevir.people.gaps()
    shared = [text for _, _, _, texts in gaps for text in texts]
    assert sum(count for _, _, count, _ in gaps) == 2
    assert shared == ["where is a good place to buy a used car in Krakow"]


async def test_an_edited_message_and_a_huge_message_are_answered(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        sent = server.send_text(USER, "hello")
        greeting, _menu = await server.wait_for_message(USER, count=2)
        assert has_text(greeting["text"], "smalltalk.greeting")
        server.edit_text(USER, sent["message"]["message_id"], "hello again")
        await server.wait_for_message(USER, contains=text_of("errors.edited"))
        story = "I came to Poland in spring to work on a farm. " * 60
        server.send_text(USER, story + "Can my employer keep my passport?")  # 2,900 characters
        [answered] = await server.wait_for_message(USER)
        assert not has_text(answered["text"], "errors.too_long")
        server.send_text(USER, "passport " * 500)  # longer than Telegram allows
        [too_long] = await server.wait_for_message(USER)
        assert has_text(too_long["text"], "errors.too_long")


async def test_end_without_a_conversation_just_shows_the_menu(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_command(USER, "/end")
        [menu] = await server.wait_for_message(USER)
        assert is_text(menu["text"], "menu.title")


async def test_a_duplicate_update_is_answered_once(server: BotApiServer, perevir: Perevir) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        update = server.send_text(USER, "can I work on a tourist visa")
        await server.wait_for_message(USER)
        server.inject_raw(update)
        await settled(server, perevir)  # fetched, confirmed, and nothing left to send
        server.assert_no_new_message(USER)


async def test_an_update_left_pending_by_a_crash_is_answered_after_restart(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
    # The process died right after recording this update, before answering it.
    crashed = {
        "update_id": 990001,
        "message": {
            "message_id": 4242,
            "date": 1_790_000_000,
            "chat": {"id": USER, "type": "private"},
            "from": {"id": USER, "is_bot": False, "first_name": "Olena"},
            "text": "is it normal to pay an agency for a job abroad",
        },
    }
    await perevir.people.record_update(990001, json.dumps(crashed))
    async with running_bot(server, perevir):
        [answer] = await server.wait_for_message(USER)
        assert answer_to(answer) == "agency-fees"
    assert await perevir.people.pending_updates() == []


async def test_telegram_errors_are_retried_until_the_reply_arrives(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.fail_next("sendMessage", code=502, times=2)
        server.send_command(USER, "/hotlines")
        [hotlines] = await server.wait_for_message(USER, timeout=10)
        assert has_hotlines(hotlines["text"])
        server.fail_next("sendMessage", code=429, retry_after=1)
        server.send_command(USER, "/privacy")
        [privacy] = await server.wait_for_message(USER, timeout=10)
        assert has_text(privacy["text"], "privacy.note")


async def test_a_user_who_blocked_the_bot_does_not_break_it(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.block(USER)
        server.send_command(USER, "/help")
        # /help answers with two messages; both are refused while blocked.
        await server.wait_for(lambda: sum(1 for c in server.calls("sendMessage") if c.error) == 2)
        server.unblock(USER)
        server.send_command(USER, "/hotlines")
        [hotlines] = await server.wait_for_message(USER)
        assert has_hotlines(hotlines["text"])


async def test_an_emergency_with_a_link_gets_the_emergency_numbers_not_a_link_check(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_text(USER, "they won't let me leave, help http://127.0.0.1/job")
        [reply] = await server.wait_for_message(USER)
        assert has_text(reply["text"], "handoff.emergency") and has_hotlines(reply["text"])


async def test_an_update_is_confirmed_to_telegram_only_after_it_is_in_the_inbox(
    server: BotApiServer, perevir: Perevir, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = asyncio.Event()
    record = perevir.people.record_updates

    async def slow_commit(updates: list[tuple[int, str]]) -> int:
        await commit.wait()  # the database is slow to commit this batch
        return await record(updates)

    async with running_bot(server, perevir):
        await choose_english(server, USER)
        monkeypatch.setattr(perevir.people, "record_updates", slow_commit)
        sent = server.send_text(USER, "can I work on a tourist visa")
        await server.wait_for(
            lambda: any(
                u["update_id"] == sent["update_id"]
                for call in server.calls("getUpdates")
                for u in call.result or []
            )
        )  # the bot has fetched it...
        assert server.pending_updates() == 1  # ...but not confirmed it: it is not committed yet
        commit.set()
        await server.wait_for_message(USER)
        await server.wait_for(lambda: server.pending_updates() == 0)
