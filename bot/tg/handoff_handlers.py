"""Telegram side of the hand-off: who is a counsellor, relaying, and the counsellors' buttons."""

from __future__ import annotations

import logging
import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.domain.cases import CaseOutcome, Status, is_emergency
from bot.handoff import Handoff, Incoming
from bot.services import Services
from bot.tg.handlers import services
from bot.tg.render import send_replies

log = logging.getLogger(__name__)
MEMBERSHIP_TTL = 300.0
USER_COMMANDS_DURING_CASE = ("/end", "/forget")
MEMBERS = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


def ui_language(telegram_code: str | None) -> str:
    """The bot's language for someone with no saved choice (counsellors): English or Ukrainian."""
    return "en" if (telegram_code or "").startswith("en") else "uk"


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
    if kind == "location" and message.location is not None:
        text = f"📍 {message.location.latitude:.5f}, {message.location.longitude:.5f}"
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    return Incoming(message.message_id, kind, text, edited, reply_to)


async def is_counsellor(context: ContextTypes.DEFAULT_TYPE, svc: Services, user_id: int) -> bool:
    """Listed in PEREVIR_COUNSELLORS; with no list, a member of the counsellors' group
    (getChatMember, cached 5 min)."""
    handoff = svc.handoff
    if handoff is None or handoff.group_chat_id is None:
        return False
    if handoff.counsellors:
        return user_id in handoff.counsellors
    cache: dict[int, tuple[float, bool]] = context.bot_data.setdefault("members", {})
    cached = cache.get(user_id)
    if cached and time.monotonic() - cached[0] < MEMBERSHIP_TTL:
        return cached[1]
    try:
        member = await context.bot.get_chat_member(handoff.group_chat_id, user_id)
        allowed = member.status in MEMBERS
    except TelegramError:
        allowed = False
    cache[user_id] = (time.monotonic(), allowed)
    return allowed


def _wake_outbox(context: ContextTypes.DEFAULT_TYPE) -> None:
    sender = context.bot_data.get("outbox")
    if sender is not None:
        sender.wake()


async def route(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Before anything else: counsellors' messages, and a person's messages during a case."""
    svc = services(context)
    handoff = svc.handoff
    message = update.message or update.edited_message
    user, chat = update.effective_user, update.effective_chat
    if handoff is None or not handoff.enabled or message is None or user is None or chat is None:
        return
    if chat.type != chat.PRIVATE:
        if chat.id != handoff.group_chat_id:
            log.info("ignored a message from an unknown group")
        raise ApplicationHandlerStop
    edited = update.edited_message is not None
    if await is_counsellor(context, svc, user.id):
        await _counsellor_message(update, context, handoff, message, edited)
        raise ApplicationHandlerStop
    record = await handoff.repo.open_for_user(svc.pseudonym(user.id))
    if record is None or record.status not in (Status.WAITING.value, Status.ASSIGNED.value):
        return
    text = message.text or ""
    if text.split(maxsplit=1)[:1] and text.split()[0] in USER_COMMANDS_DURING_CASE:
        return
    await handoff.relay_from_user(record, update.update_id, incoming(message, edited))
    _wake_outbox(context)
    if record.status == Status.WAITING.value and is_emergency(
        message.text or message.caption or ""
    ):
        outcome = svc.brain.dialogue.emergency(record.language)
        await send_replies(context.bot, chat.id, outcome.replies[:1])
    raise ApplicationHandlerStop


async def _counsellor_message(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    handoff: Handoff,
    message: Message,
    edited: bool,
) -> None:
    user = update.effective_user
    assert user is not None
    text = message.text or ""
    lang = ui_language(user.language_code)
    command, _, arg = text.partition(" ")
    reply: str | None
    keyboard = None
    if command == "/cases":
        reply = await handoff.list_cases(user.id, lang)
    elif command == "/case":
        reply = await handoff.select(user.id, arg.strip())
    elif command == "/transfer":
        reply = await handoff.transfer(user.id, arg.strip())
    elif command == "/close":
        reply, buttons = await handoff.close_prompt(user.id, arg.strip())
        if buttons:
            keyboard = InlineKeyboardMarkup(
                [[InlineKeyboardButton(b.label, callback_data=b.action)] for b in buttons]
            )
    elif command in ("/start", "/help"):
        reply = await handoff.list_cases(user.id, lang)
    else:
        reply = await handoff.relay_from_counsellor(
            user.id, update.update_id, incoming(message, edited)
        )
        _wake_outbox(context)
    if reply:
        await context.bot.send_message(
            message.chat_id, reply, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )


async def counsellor_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ "Take" in the group, and the outcome buttons of /close."""
    query = update.callback_query
    user = update.effective_user
    if query is None or user is None:
        return
    svc = services(context)
    handoff = svc.handoff
    if handoff is None or not await is_counsellor(context, svc, user.id):
        log.warning("refused a counsellor action from someone who is not a counsellor")
        await query.answer(
            svc.brain.dialogue.text(ui_language(user.language_code), "counsellor.not_allowed"),
            show_alert=True,
        )
        return
    verb, _, rest = (query.data or "").partition(":")
    if verb == "take" and rest.isdigit():
        answer = await handoff.take(int(rest), user.id)
        await query.answer(answer, show_alert=True)
    elif verb == "close":
        case_id, _, outcome = rest.partition(":")
        if case_id.isdigit() and outcome in {o.value for o in CaseOutcome}:
            answer = await handoff.close(user.id, int(case_id), CaseOutcome(outcome))
            await query.answer()
            if query.message is not None:
                await context.bot.send_message(query.message.chat.id, answer)
    _wake_outbox(context)
