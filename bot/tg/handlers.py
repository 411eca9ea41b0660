"""Thin handlers: read the update, ask the engine, store its events, send its replies."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Document, Message, PhotoSize, Update
from telegram.ext import ContextTypes

from bot.app.conversation import erases
from bot.app.ports import StorageFailure
from bot.domain.advert import find_link
from bot.domain.cases import is_emergency
from bot.domain.dialogue import Dialogue, Outcome, SetState
from bot.domain.dialogue_types import Reply
from bot.domain.language import ui_language
from bot.domain.notices import Relay, replies_to
from bot.logsafe import described
from bot.ocr import MAX_BYTES, MAX_PIXELS, OcrError
from bot.offload import TooSlow
from bot.tg.render import send_directly
from bot.web.fetch import FetchError
from bot.wiring import Perevir

log = logging.getLogger(__name__)

Decide = Callable[[Dialogue, str | None, str | None, Perevir], Outcome]
Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def perevir(context: ContextTypes.DEFAULT_TYPE) -> Perevir:
    """The assembled bot the handlers work with."""
    assembled: Perevir = context.application.bot_data["perevir"]
    return assembled


async def deliver(
    context: ContextTypes.DEFAULT_TYPE,
    chat_id: int,
    replies: list[Reply],
    key: str,
    *,
    owner: str | None = None,
    relay: Relay = Relay.REPLY,
) -> None:
    """Write replies to the outbox, which sends them in order; `key` (from the update) makes
    a replayed update enqueue nothing twice. With storage down they are sent directly."""
    if not replies:
        return
    try:
        await perevir(context).cases.enqueue(
            replies_to(chat_id, replies, key, owner=owner, relay=relay)
        )
    except StorageFailure as exc:
        log.warning("outbox unavailable (%s); replying directly", type(exc).__name__)
        await send_directly(context.bot, chat_id, replies)
        return
    sender = context.application.bot_data.get("outbox")
    if sender is not None:
        sender.wake()


async def _respond(update: Update, context: ContextTypes.DEFAULT_TYPE, decide: Decide) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    svc = perevir(context)
    key = svc.pseudonym(user.id)
    language, state = await svc.conversation.user_state(key)
    dialogue = svc.dialogue
    try:
        outcome = await svc.cpu.run(lambda: decide(dialogue, language, state, svc))
    except TooSlow:
        log.warning("a message took longer than %.0f s to work on; dropped", svc.cpu.budget)
        outcome = Outcome(
            [dialogue.error(ui_language(language), "errors.too_slow")], [SetState(None)]
        )
    follow_up = await svc.conversation.record(key, outcome, language, chat.id)
    replies, update_key = outcome.replies + follow_up, f"r{update.update_id}"
    if erases(outcome):  # the confirmation leaves nothing behind once sent
        await deliver(context, chat.id, replies, update_key, relay=Relay.ERASURE)
    else:
        await deliver(context, chat.id, replies, update_key, owner=key)


def command(name: str) -> Handler:
    """A handler for one of the engine's commands."""

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _respond(
            update, context, lambda d, lang, state, svc: d.command(name, lang, svc.retention_days)
        )

    handle.__doc__ = f"/{name}"
    return handle


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not know."""
    await _respond(
        update, context, lambda d, lang, state, svc: d.command("", lang, svc.retention_days)
    )


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Free text: an advert (forwarded, pasted, asked for, or a link) or a question."""
    message = update.effective_message
    text = (message.text or "") if message else ""
    user_id = update.effective_user.id if update.effective_user else 0
    forwarded = message is not None and message.forward_origin is not None
    link = None if is_emergency(text) else find_link(text)  # danger is answered first
    if link is not None:
        await _check_link(update, context, link)
        return
    await _respond(
        update,
        context,
        lambda d, lang, state, svc: d.message(
            text, lang, state, forwarded, noted=svc.memory.language_noted(svc.pseudonym(user_id))
        ),
    )


async def _check_link(update: Update, context: ContextTypes.DEFAULT_TYPE, link: str) -> None:
    try:
        page = await perevir(context).fetch_link(link)
    except FetchError as exc:
        error = exc
        await _respond(
            update,
            context,
            lambda d, lang, state, svc: d.link_failed(error.reason, error.status, lang),
        )
        return
    await _respond(update, context, lambda d, lang, state, svc: d.advert(page.text, lang, "link"))


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button press."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    data = query.data or ""
    shown = query.message.date if query.message is not None else None
    asked_ago = dt.datetime.now(dt.UTC) - shown if shown is not None else None
    await _respond(
        update,
        context,
        lambda d, lang, state, svc: d.action(data, lang, svc.retention_days, asked_ago),
    )


async def picture(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo or an image file: its text is read off the event loop, in memory, and checked
    like a pasted advert (with the caption, if any); a kind request for the text otherwise."""
    message = update.effective_message
    if message is None:
        return
    caption = message.caption or ""
    if is_emergency(caption):  # danger is answered first, as in a text
        user_id = update.effective_user.id if update.effective_user else 0
        await _respond(
            update,
            context,
            lambda d, lang, state, svc: d.message(
                caption, lang, state, noted=svc.memory.language_noted(svc.pseudonym(user_id))
            ),
        )
        return
    source = picture_source(message)
    if isinstance(source, str):  # refused from what Telegram says of it, before downloading
        await _picture_failed(update, context, source)
        return
    svc = perevir(context)
    data = bytes(await (await source.get_file()).download_as_bytearray())
    try:
        result = await svc.pictures.run(lambda: svc.reader.read(data))
    except OcrError as exc:
        await _picture_failed(update, context, exc.failure.value)
        return
    except TooSlow:
        log.warning("a picture took longer than %.0f s to read; dropped", svc.pictures.budget)
        await _picture_failed(update, context, "too_slow")
        return
    text = f"{result.text}\n\n{caption}" if caption else result.text
    await _respond(
        update, context, lambda d, lang, state, svc: d.picture(text, result.first_line, lang)
    )


def picture_source(message: Message) -> PhotoSize | Document | str:
    """The photo size to read (the largest that fits the limits) or the image file; or why
    none can be read ("too_large", "too_many_pixels")."""
    if message.photo:
        small = [p for p in message.photo if p.width * p.height <= MAX_PIXELS]
        fits = [p for p in small if (p.file_size or 0) <= MAX_BYTES]
        if fits:
            return max(fits, key=lambda p: p.width * p.height)
        return "too_large" if small else "too_many_pixels"
    document = message.document
    if document is None:
        return "not_image"
    if (document.file_size or 0) > MAX_BYTES:
        return "too_large"
    return document


async def _picture_failed(update: Update, context: ContextTypes.DEFAULT_TYPE, failure: str) -> None:
    await _respond(update, context, lambda d, lang, state, svc: d.picture_failed(failure, lang))


def unsupported(kind: str) -> Handler:
    """A handler for what the bot cannot read (stickers, media, edits)."""

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await _respond(update, context, lambda d, lang, state, svc: d.unsupported(kind, lang))

    handle.__doc__ = f"unsupported: {kind}"
    return handle


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure without user data and tell the user kindly."""
    error = context.error
    log.error("handler failed: %s", described(error) if error else "unknown")
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    svc = perevir(context)
    language = None
    if update.effective_user is not None:
        language = await svc.conversation.language(svc.pseudonym(update.effective_user.id))
    reply = svc.dialogue.error(ui_language(language), "errors.internal")
    try:
        await deliver(context, update.effective_chat.id, [reply], f"e{update.update_id}")
    except Exception as exc:  # the error path must never raise
        log.error("could not send the error reply: %s", type(exc).__name__)
