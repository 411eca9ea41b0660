"""Telegram side of the hand-off: who is a counsellor, relaying, and the counsellors' buttons."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.app.counsellor_desk import StaffReply
from bot.app.person_handoff import Incoming
from bot.domain.actions import CloseCase, SendTo, TakeCase, decode
from bot.domain.cases import Status, is_emergency
from bot.domain.dialogue_types import Reply
from bot.domain.language import staff_language
from bot.domain.notices import Relay
from bot.tg.handlers import deliver, perevir
from bot.wiring import Perevir

log = logging.getLogger(__name__)
CASE_HELP_COMMANDS = ("/start", "/help")
"""Answered with what is going on in the case; other commands go to the bot's own handlers."""
MEMBERS = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


def message_kind(message: Message) -> str:
    """What kind of message it is, as relaying needs to know."""
    for kind in (
        "text",
        "photo",
        "video",
        "document",
        "audio",
        "voice",
        "animation",
        "sticker",
        "location",
        "contact",
        "video_note",
        "venue",
        "poll",
    ):
        if getattr(message, kind, None):
            return kind
    return "other"


def incoming(message: Message, edited: bool) -> Incoming:
    """The relay view of a Telegram message."""
    kind = message_kind(message)
    text = message.text or message.caption or ""
    where = message.location
    location = (where.latitude, where.longitude) if where is not None else None
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    return Incoming(message.message_id, kind, text, edited, reply_to, location)


async def is_counsellor(context: ContextTypes.DEFAULT_TYPE, svc: Perevir, user_id: int) -> bool:
    """Listed in PEREVIR_COUNSELLORS; with no list, a member of the counsellors' group
    (getChatMember, remembered a few minutes for every worker)."""
    if svc.group_chat_id is None:
        return False
    if svc.counsellor_names:
        return user_id in svc.counsellor_names
    key = svc.pseudonym(user_id)
    cached = await svc.memory.membership(key)
    if cached is not None:
        return cached
    try:
        member = await context.bot.get_chat_member(svc.group_chat_id, user_id)
        allowed = member.status in MEMBERS
    except (BadRequest, Forbidden):
        allowed = False  # Telegram's definite answer: not in the group
    except TelegramError as exc:
        # 5xx, timeouts, 429: no answer, so no refusal is remembered either
        log.warning("membership check failed (%s)", type(exc).__name__)
        return False
    await svc.memory.note_membership(key, allowed)
    return allowed


def _wake_outbox(context: ContextTypes.DEFAULT_TYPE) -> None:
    sender = context.bot_data.get("outbox")
    if sender is not None:
        sender.wake()


async def route(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Before anything else: counsellors' messages, and a person's messages during a case."""
    svc = perevir(context)
    message = update.message or update.edited_message
    user, chat = update.effective_user, update.effective_chat
    if not svc.handoff_enabled or message is None or user is None or chat is None:
        return
    if chat.type != chat.PRIVATE:
        if chat.id != svc.group_chat_id:
            log.info("ignored a message from an unknown group")
        raise ApplicationHandlerStop
    edited = update.edited_message is not None
    if await is_counsellor(context, svc, user.id):
        await _counsellor_message(update, context, svc, message, edited)
        raise ApplicationHandlerStop
    key = svc.pseudonym(user.id)
    case = await svc.cases.open_for_user(key)
    if case is None or case.status not in (Status.WAITING, Status.ASSIGNED):
        return
    text = message.text or ""
    if text.startswith("/") and not edited:
        command = text.split(maxsplit=1)[0].split("@", 1)[0]
        if command in CASE_HELP_COMMANDS:
            lang = await svc.conversation.language(key) or case.language
            replies = await svc.person.during_case(key, lang)
            if replies:
                await deliver(context, chat.id, replies, f"r{update.update_id}", owner=key)
                raise ApplicationHandlerStop
        return  # /end, /forget, /language...: the bot's own handlers answer
    await svc.person.relay(case, update.update_id, incoming(message, edited))
    if case.status is Status.WAITING and is_emergency(message.text or message.caption or ""):
        outcome = svc.dialogue.emergency(case.language)
        await deliver(context, chat.id, outcome.replies[:1], f"r{update.update_id}", owner=key)
    _wake_outbox(context)
    raise ApplicationHandlerStop


async def _staff_reply(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: StaffReply | str | None, key: str
) -> None:
    if not reply:
        return
    if isinstance(reply, str):
        reply = StaffReply(reply)
    await deliver(
        context, chat_id, [Reply(reply.text, reply.buttons)], key, relay=Relay.STAFF_REPLY
    )


async def _counsellor_message(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    svc: Perevir,
    message: Message,
    edited: bool,
) -> None:
    user = update.effective_user
    assert user is not None
    desk = svc.desk
    lang = await desk.seen(user.id, user.language_code)
    text = message.text or ""
    command, _, arg = text.partition(" ")
    command = command.split("@", 1)[0]
    reply: StaffReply | str | None
    if edited or not command.startswith("/"):
        reply = await desk.relay(user.id, update.update_id, incoming(message, edited), lang)
    elif command == "/cases":
        reply = await desk.list_cases(user.id, lang)
    elif command == "/case":
        reply = await desk.select(user.id, arg.strip(), lang)
    elif command == "/transfer":
        reply = await desk.transfer(user.id, arg.strip(), lang)
    elif command == "/close":
        reply = await desk.close_prompt(user.id, arg.strip(), lang)
    else:  # /start, /help and anything else: their requests
        reply = await desk.list_cases(user.id, lang)
    await _staff_reply(context, message.chat_id, reply, f"s{update.update_id}")
    _wake_outbox(context)


async def counsellor_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Take" in the group, the outcome buttons of /close, and "which request?" (the callback
    data matching `actions.STAFF_PATTERN`); whose case it is, the hand-off checks (`owns_case`)."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    svc = perevir(context)
    desk = svc.desk
    lang = staff_language(user.language_code)
    if not await is_counsellor(context, svc, user.id):
        log.warning("refused a counsellor action from someone who is not a counsellor")
        await query.answer(svc.dialogue.text(lang, "counsellor.not_allowed"), show_alert=True)
        return
    chat_id = query.message.chat.id if query.message is not None else user.id
    match decode(query.data):
        case TakeCase(case_id):
            answer = await desk.take(case_id, user.id, lang)
            await query.answer(answer, show_alert=True)
        case CloseCase(case_id, outcome):
            await query.answer()
            done = await desk.close(user.id, case_id, outcome, lang)
            await _staff_reply(context, chat_id, done, f"b{update.update_id}")
        case SendTo(case_id, message_id):
            await query.answer()
            sent = await desk.send_to(user.id, case_id, message_id, lang)
            await _staff_reply(context, chat_id, sent, f"b{update.update_id}")
        case _:  # malformed or stale: nothing to do
            await query.answer()
    _wake_outbox(context)
