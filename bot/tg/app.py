"""Builds the python-telegram-bot Application with Perevir's handlers."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.db.errors import StorageError
from bot.db.models import utcnow
from bot.db.signals import InboxListener, Leadership
from bot.domain.actions import STAFF_PATTERN
from bot.reload import ContentWatcher
from bot.tg import handlers, handoff_handlers, metrics
from bot.tg.background import BackgroundLoop
from bot.tg.intake import Dispatcher, Intake, Poller
from bot.tg.outbox import OutboxSender
from bot.wiring import Perevir

PerevirApp = Application[Any, Any, Any, Any, Any, Any]
"""The Application as Perevir builds it (default context types)."""

COMMANDS = ("start", "language", "help", "privacy", "hotlines", "forget", "end")
MEDIA = (
    filters.PHOTO
    | filters.VIDEO
    | filters.VOICE
    | filters.AUDIO
    | filters.Document.ALL
    | filters.VIDEO_NOTE
    | filters.LOCATION
    | filters.CONTACT
    | filters.POLL
    | filters.ANIMATION
)


def file_url(base_url: str) -> str:
    """The file download URL that goes with a Bot API base URL ending in /bot."""
    root = base_url.rstrip("/")
    return (root[: -len("/bot")] if root.endswith("/bot") else root) + "/file/bot"


def build_application(
    token: str, base_url: str, perevir: Perevir, *, rate_limit: bool = True
) -> PerevirApp:
    """The Application, talking to the Bot API at base_url (Telegram's or a local server).

    It has no Updater: `start` polls with a `Poller` that confirms updates only after they are
    committed to the inbox. The rate limiter only spaces calls out (max_retries=0): a 429 goes
    back to the outbox, which delays that one chat.
    """
    builder: Any = (
        Application.builder().token(token).base_url(base_url).base_file_url(file_url(base_url))
    )
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=0))
    app: PerevirApp = builder.updater(None).build()
    app.bot_data["perevir"] = perevir
    private = filters.ChatType.PRIVATE
    app.add_handler(TypeHandler(Update, handoff_handlers.route), group=-1)
    app.add_handler(CallbackQueryHandler(handoff_handlers.counsellor_button, pattern=STAFF_PATTERN))
    for name in COMMANDS:
        app.add_handler(CommandHandler(name, handlers.command(name), filters=private))
    app.add_handler(
        MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, handlers.unsupported("edited"))
    )
    app.add_handler(MessageHandler(private & filters.COMMAND, handlers.unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT, handlers.text_message))
    app.add_handler(MessageHandler(private & filters.Sticker.ALL, handlers.unsupported("sticker")))
    pictures = filters.PHOTO | filters.Document.IMAGE
    app.add_handler(MessageHandler(private & pictures, handlers.picture))
    app.add_handler(MessageHandler(private & MEDIA, handlers.unsupported("media")))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_error_handler(handlers.on_error)
    return app


CONTENT_CHECK_SECONDS = 3.0
RETENTION_CHECK_SECONDS = 3600.0


def perevir_of(app: PerevirApp) -> Perevir:
    """The assembled bot the application was built with."""
    assembled: Perevir = app.bot_data["perevir"]
    return assembled


def schedule_retention(app: PerevirApp) -> None:
    """Purge old records every hour: case messages after the retention, handled updates."""

    async def purge(_context: ContextTypes.DEFAULT_TYPE) -> None:
        await perevir_of(app).privacy.purge_old()

    assert app.job_queue is not None
    app.job_queue.run_repeating(
        purge, interval=RETENTION_CHECK_SECONDS, first=5.0, name="retention"
    )


def watch_content(app: PerevirApp, watcher: ContentWatcher) -> None:
    """Check content/ for changes every few seconds while the bot runs."""

    async def tick(_context: object) -> None:
        await watcher.check()

    assert app.job_queue is not None
    app.job_queue.run_repeating(
        tick, interval=CONTENT_CHECK_SECONDS, first=CONTENT_CHECK_SECONDS, name="content-watch"
    )


async def start(app: PerevirApp, poll_timeout: float = 10.0) -> None:
    """Start the bot: the outbox sender, the inbox dispatcher (first what a crash left
    pending), then polling."""
    svc = perevir_of(app)
    await app.initialize()
    await app.start()
    sender = OutboxSender(app.bot, svc.cases, svc.desk.delivery_failed)
    dispatcher_box: list[Dispatcher] = []
    intake = Intake(svc.people, lambda: dispatcher_box[0].wake())
    dispatcher = Dispatcher(app.bot, intake, lambda update: _handle(app, update))
    dispatcher_box.append(dispatcher)
    poller = Poller(app.bot, intake, int(poll_timeout), ALLOWED_UPDATES)
    app.bot_data.update(outbox=sender, dispatcher=dispatcher, poller=poller)
    sender.start()
    dispatcher.start()
    schedule_retention(app)
    await app.bot.delete_webhook(drop_pending_updates=False)
    poller.start()


ALLOWED_UPDATES = list(Update.ALL_TYPES)
"""The updates the bot asks Telegram for (polling and webhook alike)."""
GAUGE_SECONDS = 5.0


async def start_worker(app: PerevirApp, name: str, database_url: str) -> None:
    """Start a worker of webhook mode: it handles what the inbox holds (claimed with the
    other workers, one chat at a time), woken by the ingress through the database; one worker
    at a time sends the outbox, the others stand by. No polling."""
    svc = perevir_of(app)
    await app.initialize()
    await app.start()
    sender = OutboxSender(
        app.bot, svc.cases, svc.desk.delivery_failed, leadership=Leadership(database_url)
    )
    dispatcher_box: list[Dispatcher] = []
    intake = Intake(svc.people, lambda: dispatcher_box[0].wake())
    dispatcher = Dispatcher(app.bot, intake, lambda update: _handle(app, update), worker=name)
    dispatcher_box.append(dispatcher)
    listener = InboxListener(database_url, dispatcher.wake)
    gauges = Gauges(svc)
    app.bot_data.update(outbox=sender, dispatcher=dispatcher, listener=listener, gauges=gauges)
    sender.start()
    dispatcher.start()
    listener.start()
    gauges.start()
    schedule_retention(app)


def bare_application(token: str, base_url: str) -> PerevirApp:
    """An Application without handlers, for one Bot API call from the command line."""
    return (
        Application.builder()
        .token(token)
        .base_url(base_url)
        .base_file_url(file_url(base_url))
        .updater(None)
        .build()
    )


async def set_webhook(app: PerevirApp, url: str, secret: str) -> bool:
    """Point Telegram at the ingress, with the secret it must send and the updates wanted."""
    await app.initialize()
    try:
        return bool(
            await app.bot.set_webhook(
                url, secret_token=secret, allowed_updates=ALLOWED_UPDATES, max_connections=40
            )
        )
    finally:
        await app.shutdown()


async def delete_webhook(app: PerevirApp) -> bool:
    """Stop webhook delivery (what is pending stays with Telegram for polling)."""
    await app.initialize()
    try:
        return bool(await app.bot.delete_webhook(drop_pending_updates=False))
    finally:
        await app.shutdown()


class Gauges(BackgroundLoop):
    """Keeps the backlog gauges of /metrics current (inbox, outbox, waiting cases)."""

    name = "gauges"

    def __init__(self, svc: Perevir) -> None:
        super().__init__()
        self.svc = svc

    async def _run(self) -> None:
        while not self.stopping:
            try:
                inbox = await self.svc.people.inbox_backlog()
                outbox, waiting, oldest = await self.svc.cases.backlog()
            except StorageError:
                await self._sleep(GAUGE_SECONDS)
                continue
            metrics.INBOX_BACKLOG.set(inbox)
            metrics.OUTBOX_BACKLOG.set(outbox)
            metrics.CASES_WAITING.set(waiting)
            age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
            metrics.OLDEST_WAITING_SECONDS.set(max(0.0, age))
            await self._sleep(GAUGE_SECONDS)


async def _handle(app: PerevirApp, update: Update) -> None:
    await app.process_update(update)
    sender = app.bot_data.get("outbox")
    if sender is not None:
        sender.wake()


async def stop(app: PerevirApp) -> None:
    """Stop polling, finish the update in hand, and shut down cleanly."""
    for name in ("poller", "listener", "gauges", "dispatcher", "outbox"):
        part = app.bot_data.pop(name, None)
        if part is not None:
            await part.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


def quiet_logs() -> None:
    """Keep tokens and user data out of logs: httpx logs URLs (with the token)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # At DEBUG these log every statement with its parameters (texts, raw updates).
    for name in ("aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("telegram.ext").setLevel(logging.INFO)
    # At DEBUG the Bot logs each call's URL (with the token) and parameters (with texts).
    logging.getLogger("telegram.Bot").setLevel(logging.INFO)
    logging.getLogger("telegram.request").setLevel(logging.INFO)
    # The outbox logs each 429 itself; the rate limiter would add a traceback per 429.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
