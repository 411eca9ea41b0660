"""Builds the python-telegram-bot Application with Perevir's handlers."""

from __future__ import annotations

import logging

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

from bot.reload import ContentWatcher
from bot.services import Services
from bot.tg import handlers, handoff_handlers
from bot.tg.durable import DurableApplication
from bot.tg.outbox import OutboxSender

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


def build_application(token: str, base_url: str, services: Services) -> DurableApplication:
    """The Application, talking to the Bot API at base_url (Telegram's or a local server)."""
    app = (
        Application.builder()
        .application_class(DurableApplication)
        .token(token)
        .base_url(base_url)
        .base_file_url(file_url(base_url))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    assert isinstance(app, DurableApplication)
    app.repository = services.repository
    app.bot_data["services"] = services
    private = filters.ChatType.PRIVATE
    app.add_handler(TypeHandler(Update, handoff_handlers.route), group=-1)
    app.add_handler(
        CallbackQueryHandler(handoff_handlers.counsellor_button, pattern=r"^(take|close):")
    )
    for name in COMMANDS:
        app.add_handler(CommandHandler(name, handlers.command(name), filters=private))
    app.add_handler(
        MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, handlers.unsupported("edited"))
    )
    app.add_handler(MessageHandler(private & filters.COMMAND, handlers.unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT, handlers.text_message))
    app.add_handler(MessageHandler(private & filters.Sticker.ALL, handlers.unsupported("sticker")))
    app.add_handler(MessageHandler(private & MEDIA, handlers.unsupported("media")))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_error_handler(handlers.on_error)
    return app


CONTENT_CHECK_SECONDS = 3.0
RETENTION_CHECK_SECONDS = 3600.0


def services_of(app: DurableApplication) -> Services:
    """The services the application was built with."""
    svc: Services = app.bot_data["services"]
    return svc


def schedule_retention(app: DurableApplication) -> None:
    """Purge old records every hour: case messages after the retention, handled updates."""

    async def purge(_context: ContextTypes.DEFAULT_TYPE) -> None:
        svc = services_of(app)
        await svc.purge_old()

    assert app.job_queue is not None
    app.job_queue.run_repeating(
        purge, interval=RETENTION_CHECK_SECONDS, first=5.0, name="retention"
    )


def watch_content(app: DurableApplication, watcher: ContentWatcher) -> None:
    """Check content/ for changes every few seconds while the bot runs."""

    async def tick(_context: object) -> None:
        await watcher.check()

    assert app.job_queue is not None
    app.job_queue.run_repeating(
        tick, interval=CONTENT_CHECK_SECONDS, first=CONTENT_CHECK_SECONDS, name="content-watch"
    )


async def start(app: DurableApplication, poll_timeout: float = 10.0) -> None:
    """Start the bot: initialise, replay what a crash left pending, then poll."""
    await app.initialize()
    await app.replay_pending()
    await app.start()
    if services_of(app).handoff is not None:
        sender = OutboxSender(app.bot, services_of(app).handoff.repo)  # type: ignore[union-attr]
        app.bot_data["outbox"] = sender
        sender.start()
    schedule_retention(app)
    assert app.updater is not None
    await app.updater.start_polling(
        poll_interval=0.0,
        timeout=int(poll_timeout),
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )


async def stop(app: DurableApplication) -> None:
    """Stop polling and shut down cleanly."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    sender = app.bot_data.pop("outbox", None)
    if sender is not None:
        await sender.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


def quiet_logs() -> None:
    """Keep tokens and user data out of logs: httpx logs URLs (with the token)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("telegram.ext").setLevel(logging.INFO)
