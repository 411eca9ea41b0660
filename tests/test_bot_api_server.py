"""The local Bot API server, exercised by the real python-telegram-bot over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import re
import time
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager

import httpx
import pytest
from telegram import (
    Bot,
    ChatMemberAdministrator,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageId,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from tests.support.bot_api import BOT_ID, BotApiServer, Upload

TOKEN = "123456:TEST-TOKEN"
USER = 501


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    """A running server that knows one user."""
    async with BotApiServer() as api:
        api.user(USER, "Olena", "uk")
        yield api


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    """A real, initialized PTB Bot pointed at the server."""
    async with Bot(TOKEN, base_url=server.base_url, base_file_url=server.base_file_url) as api:
        yield api


def rejected(reason: str) -> AbstractContextManager[pytest.ExceptionInfo[BadRequest]]:
    """Expect a BadRequest mentioning ``reason`` (PTB strips "Bad Request: " and re-capitalizes)."""
    return pytest.raises(BadRequest, match=f"(?i){re.escape(reason)}")


def keyboard(*data: str) -> InlineKeyboardMarkup:
    """One row of inline buttons with the given callback data."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


async def test_initialize_and_get_me(server: BotApiServer, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (BOT_ID, True, "perevir_test_bot")
    assert me.can_join_groups is True and me.supports_inline_queries is False
    assert [call.method for call in server.calls("GETME")] == ["getMe", "getMe"]
    assert server.tokens_seen == {TOKEN}


async def test_other_tokens_are_unauthorized_when_a_token_is_set() -> None:
    async with BotApiServer(token=TOKEN) as server:
        with pytest.raises(InvalidToken):
            async with Bot("42:WRONG", base_url=server.base_url):
                pass
        async with Bot(TOKEN, base_url=server.base_url) as bot:
            assert bot.username == "perevir_test_bot"


async def test_wire_formats_and_error_shapes(server: BotApiServer) -> None:
    async with httpx.AsyncClient(base_url=f"{server.base_url}{TOKEN}/") as client:
        assert (await client.get("GETME")).json()["result"]["is_bot"] is True
        markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
        sent = await client.post(
            "sendMessage", json={"chat_id": USER, "text": "hi", "reply_markup": markup}
        )
        message = sent.json()["result"]
        assert message["reply_markup"] == markup and abs(message["date"] - time.time()) < 5
        form = await client.post("sendmessage", data={"chat_id": str(USER), "text": "x" * 4097})
        assert form.status_code == 400
        assert form.json() == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: message is too long",
        }
        missing = await client.post("noSuchMethod")
        assert missing.status_code == 404
        assert missing.json()["description"] == "Not Found: method not found"
    assert server.calls("sendMessage")[-1].params == {"chat_id": USER, "text": "x" * 4097}


async def test_long_polling_with_offset(server: BotApiServer, bot: Bot) -> None:
    update = server.send_text(USER, "hello")
    first = await bot.get_updates(timeout=0)
    assert [u.update_id for u in first] == [update["update_id"]]
    assert first[0].message and first[0].message.text == "hello"
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update["update_id"]]
    assert await bot.get_updates(offset=update["update_id"] + 1, timeout=0) == ()
    assert server.pending_updates() == 0

    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - started < 1.9

    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await server.wait_for(lambda: server.polls_waiting)
    server.send_text(USER, "wake up")
    [woken] = await asyncio.wait_for(poll, 1)
    assert woken.message and woken.message.text == "wake up"


async def test_inject_raw_redelivers_a_confirmed_update(server: BotApiServer, bot: Bot) -> None:
    update = server.send_text(USER, "once")
    next_offset = update["update_id"] + 1
    await bot.get_updates(timeout=0)
    assert await bot.get_updates(offset=next_offset, timeout=0) == ()
    server.inject_raw(update)
    [duplicate] = await bot.get_updates(offset=next_offset, timeout=0)
    assert duplicate.update_id == update["update_id"]
    assert await bot.get_updates(offset=next_offset, timeout=0) == ()


async def test_send_message_with_html_and_inline_keyboard(server: BotApiServer, bot: Bot) -> None:
    message = await bot.send_message(
        USER,
        "<b>Hi</b> &amp; <a href='https://example.org'>link</a>",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard("yes", "no"),
        protect_content=True,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    assert message.text == "Hi & link" and message.has_protected_content
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 2),
        ("text_link", 5, 4),
    ]
    assert message.entities[1].url == "https://example.org"
    assert message.reply_markup == keyboard("yes", "no")
    assert message.from_user and message.from_user.id == BOT_ID
    params = server.calls("sendMessage")[-1].params
    assert params["reply_markup"] == keyboard("yes", "no").to_dict()
    assert params["link_preview_options"] == {"is_disabled": True}
    assert params["protect_content"] is True and params["chat_id"] == USER
    [seen] = await server.wait_for_message(USER, contains="Hi")
    assert seen["message_id"] == message.message_id

    question = server.send_text(USER, "a question")["message"]
    answer = await bot.send_message(USER, "an answer", reply_to_message_id=question["message_id"])
    assert answer.reply_to_message and answer.reply_to_message.text == "a question"
    assert (question["message_id"], answer.message_id) == (
        message.message_id + 1,
        message.message_id + 2,
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<b>open", "can't find end tag corresponding to start tag b"),
        ("1 < 2", "unclosed start tag"),
        ("AT&T", 'character "&" must be escaped'),
        ("<div>x</div>", 'unsupported start tag "div" at byte offset 0'),
        ("<b>x</i>", "unmatched end tag"),
        ("<span>x</span>", 'must have class "tg-spoiler"'),
    ],
)
async def test_bad_html_is_rejected(bot: Bot, text: str, reason: str) -> None:
    with pytest.raises(BadRequest) as error:
        await bot.send_message(USER, text, parse_mode=ParseMode.HTML)
    message = error.value.message.lower()
    assert message.startswith("can't parse entities: ") and reason in message


async def test_text_and_button_limits(server: BotApiServer, bot: Bot) -> None:
    with rejected("message text is empty"):
        await bot.send_message(USER, "<b></b>", parse_mode=ParseMode.HTML)
    with rejected("button_data_invalid"):
        await bot.send_message(USER, "too much", reply_markup=keyboard("x" * 65))
    with rejected("chat not found"):
        await bot.send_message(404, "nobody")
    ok = "<tg-spoiler>a</tg-spoiler><blockquote>b</blockquote><pre>c</pre><s>d</s>"
    message = await bot.send_message(USER, ok + "&lt;&#33;", parse_mode=ParseMode.HTML)
    assert message.text == "abcd<!"
    assert [e.type for e in message.entities] == ["spoiler", "blockquote", "pre", "strikethrough"]
    assert server.messages(USER) == [server.calls("sendMessage")[-1].result]


async def test_edit_and_answer_callback_query(server: BotApiServer, bot: Bot) -> None:
    sent = await bot.send_message(USER, "step 1", reply_markup=keyboard("next"))
    pressed = server.press_button(USER, sent.message_id, "next")["callback_query"]
    assert pressed["chat_instance"] and pressed["message"]["text"] == "step 1"
    [update] = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query and query.data == "next" and isinstance(query.message, Message)
    assert query.message.text == "step 1" and query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="ok") is True
    with rejected("query is too old"):
        await bot.answer_callback_query(query.id)

    edited = await bot.edit_message_text("step 2", chat_id=USER, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.text == "step 2" and edited.edit_date
    assert edited.reply_markup is None  # like Telegram: an edit without reply_markup drops it
    with rejected("message is not modified"):
        await bot.edit_message_text("step 2", chat_id=USER, message_id=sent.message_id)
    with rejected("message to edit not found"):
        await bot.edit_message_text("lost", chat_id=USER, message_id=999)
    with_markup = await bot.edit_message_reply_markup(
        USER, sent.message_id, reply_markup=keyboard("b")
    )
    assert isinstance(with_markup, Message) and with_markup.reply_markup == keyboard("b")
    assert await bot.edit_message_text("inline", inline_message_id="abc") is True
    assert [m["text"] for m in server.messages(USER)] == ["step 2"]
    with pytest.raises(ValueError, match="no button 'next'"):
        server.press_button(USER, sent.message_id, "next")


async def test_delete_message_and_the_48_hour_rule(server: BotApiServer, bot: Bot) -> None:
    first = await bot.send_message(USER, "first")
    second = await bot.send_message(USER, "second")
    assert await bot.delete_message(USER, first.message_id) is True
    with rejected("message to delete not found"):
        await bot.delete_message(USER, first.message_id)
    server.clock.advance(48 * 3600 + 1)
    with rejected("message can't be deleted"):
        await bot.delete_message(USER, second.message_id)
    later = await bot.send_message(USER, "later")
    assert abs(later.date.timestamp() - (time.time() + 48 * 3600 + 1)) < 5
    assert await bot.delete_messages(USER, [second.message_id, later.message_id]) is True
    assert [m["text"] for m in server.messages(USER)] == ["second"]


async def test_copy_and_forward_message(server: BotApiServer, bot: Bot) -> None:
    server.group(-100123, "Moderators")
    incoming = server.send_text(USER, "Job in Poland, 3000 EUR")["message"]
    copied = await bot.copy_message(-100123, from_chat_id=USER, message_id=incoming["message_id"])
    assert isinstance(copied, MessageId) and copied.message_id == 1
    forwarded = await bot.forward_message(-100123, USER, incoming["message_id"])
    origin = forwarded.forward_origin
    assert origin and origin.type == "user" and origin.sender_user.id == USER  # type: ignore[attr-defined]
    assert forwarded.chat.type == "supergroup" and forwarded.message_id == 2
    assert [m["text"] for m in server.messages(-100123)] == ["Job in Poland, 3000 EUR"] * 2
    with rejected("message to copy not found"):
        await bot.copy_message(-100123, USER, 999)


async def test_send_photo_with_caption_and_download(server: BotApiServer, bot: Bot) -> None:
    message = await bot.send_photo(USER, b"\x89PNG fake", caption="<i>look</i>", parse_mode="HTML")
    assert message.caption == "look" and message.caption_entities[0].type == "italic"
    upload = server.calls("sendPhoto")[-1].params["photo"]
    assert isinstance(upload, Upload) and upload.content == b"\x89PNG fake"
    photo_file = await bot.get_file(message.photo[-1].file_id)
    assert await photo_file.download_as_bytearray() == bytearray(b"\x89PNG fake")
    resent = await bot.send_photo(USER, message.photo[-1].file_id)
    assert resent.photo[-1].file_id == message.photo[-1].file_id and resent.caption is None

    document = server.send_document(USER, content=b"%PDF contract")["message"]["document"]
    contract = await bot.get_file(document["file_id"])
    assert await contract.download_as_bytearray() == bytearray(b"%PDF contract")
    with rejected("wrong file identifier"):
        await bot.send_document(USER, "no-such-file-id")


async def test_faults(server: BotApiServer, bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # RetryAfter.retry_after as a timedelta
    other = 502
    server.user(other)
    server.fail_next("sendMessage", code=429, retry_after=7)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(USER, "x")
    assert flood.value.retry_after == dtm.timedelta(seconds=7)

    server.fail_next("sendmessage", code=500)
    with pytest.raises(NetworkError, match="Internal Server Error") as crash:
        await bot.send_message(USER, "x")
    assert type(crash.value) is NetworkError

    server.fail_next("sendMessage", code=502, chat_id=other)
    await bot.send_message(USER, "unaffected")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(other, "x")

    server.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "x")
    with pytest.raises(Forbidden):
        await bot.send_chat_action(USER, "typing")
    server.unblock(USER)
    assert await bot.send_chat_action(USER, "typing") is True

    server.delay("sendMessage", 0.5)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "slow", read_timeout=0.1)
    server.delay("sendMessage", 0)
    assert [c.error.code for c in server.calls("sendMessage") if c.error] == [429, 500, 502, 403]


async def test_injected_updates_parse_as_ptb_updates(server: BotApiServer, bot: Bot) -> None:
    server.group(-300, "Group")
    server.send_command(USER, "/start", args="ref-1")
    server.send_sticker(USER)
    server.send_photo(USER, caption="pic")
    server.send_voice(USER)
    server.send_video(USER, caption="clip")
    server.send_location(USER, 50.45, 30.52)
    original = server.send_text(USER, "original")["message"]
    server.edit_text(USER, original["message_id"], "edited")
    server.forward_text(USER, "Easy money abroad!", "Recruiter")
    server.send_text(USER, "in a group", chat_id=-300)
    updates = await bot.get_updates(timeout=0)
    messages = [u.message for u in updates if u.message]
    start = messages[0]
    assert start.text == "/start ref-1" and start.entities[0].type == "bot_command"
    assert filters.COMMAND.check_update(updates[0])
    assert messages[1].sticker and messages[2].photo and messages[2].caption == "pic"
    assert messages[3].voice and messages[4].video and messages[5].location
    assert messages[5].location.latitude == 50.45
    assert updates[7].edited_message and updates[7].edited_message.text == "edited"
    forward = messages[7].forward_origin
    assert forward and forward.type == "hidden_user" and forward.sender_user_name == "Recruiter"  # type: ignore[attr-defined]
    assert messages[8].chat.type == "group" and messages[8].message_id == 1
    assert [m.message_id for m in messages[:8]] == list(range(1, 9))
    assert abs(start.date.timestamp() - time.time()) < 5


async def test_chats_members_commands(server: BotApiServer, bot: Bot) -> None:
    server.group(-100500, "Group")
    chat = await bot.get_chat(USER)
    assert (chat.type, chat.first_name) == ("private", "Olena")
    assert (await bot.get_chat_member(-100500, USER)).status == "member"
    assert (await bot.get_chat_member(-100500, 999)).status == "left"
    server.set_member(-100500, USER, "administrator")
    assert isinstance(await bot.get_chat_member(-100500, USER), ChatMemberAdministrator)
    assert await bot.set_my_commands([("start", "Почати"), ("help", "Допомога")]) is True
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert await bot.delete_my_commands() is True and await bot.get_my_commands() == ()
    with rejected("bot_command_invalid"):
        await bot.set_my_commands([("Start!", "bad")])
    assert await bot.set_my_description("Перевірка вакансій", language_code="uk") is True
    assert server.descriptions == {"uk": "Перевірка вакансій"}
    assert await bot.get_webhook_info() and await bot.delete_webhook() is True
    assert await bot.leave_chat(-100500) is True and await bot.close() is True


async def test_wait_helpers(server: BotApiServer, bot: Bot) -> None:
    server.assert_no_new_message(USER)
    sending = asyncio.create_task(bot.send_message(USER, "one"))
    [one] = await server.wait_for_message(USER)
    assert one["text"] == "one"
    await sending
    await bot.send_message(USER, "two")
    await bot.send_message(USER, "three")
    assert [m["text"] for m in await server.wait_for_message(USER, count=2)] == ["two", "three"]
    with pytest.raises(AssertionError, match="wanted 1"):
        await server.wait_for_message(USER, timeout=0.05)
    await bot.send_message(USER, "four")
    with pytest.raises(AssertionError, match="unexpected messages"):
        server.assert_no_new_message(USER)
    with pytest.raises(AssertionError, match="no message contains"):
        await server.wait_for_message(USER, contains="five")
    assert await server.wait_for(lambda: len(server.sent) >= 4) is True
    with pytest.raises(AssertionError, match="condition not met"):
        await server.wait_for(lambda: False, timeout=0.05)


async def test_stop_releases_a_pending_long_poll() -> None:
    server = BotApiServer()
    await server.start()
    async with Bot(TOKEN, base_url=server.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await server.wait_for(lambda: server.polls_waiting)
        started = time.monotonic()
        await server.stop()
        assert time.monotonic() - started < 1
        assert await poll == ()


async def test_real_application_echoes_over_polling(server: BotApiServer) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message and update.effective_message.text
        await update.effective_message.reply_text(update.effective_message.text)

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        await app.start()
        assert app.updater
        await app.updater.start_polling(poll_interval=0, timeout=1)
        server.send_text(USER, "привіт")
        [reply] = await server.wait_for_message(USER, contains="привіт")
        assert reply["chat"]["id"] == USER
        await app.updater.stop()
        await app.stop()
    assert server.pending_updates() == 0
    assert server.calls("deleteWebhook")
