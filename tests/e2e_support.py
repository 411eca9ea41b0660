"""Running the real bot against the local Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.brain import Brain
from bot.config import load_settings
from bot.runtime import open_services
from bot.services import Services
from bot.tg.app import build_application, start, stop
from bot.tg.durable import DurableApplication
from tests.support.bot_api import BotApiServer

TOKEN = "123456:TEST-token-for-the-local-server-only"


def make_services(
    brain: Brain, data_dir: Path, database_url: str | None = None, **extra: str
) -> Services:
    """Services on a test database (SQLite in data_dir unless a URL is given)."""
    settings = load_settings(
        PEREVIR_DATA_DIR=str(data_dir),
        PEREVIR_DATABASE_URL=database_url or f"sqlite:///{data_dir / 'bot.db'}",
        PEREVIR_PSEUDONYM_KEY="test-key-" + "x" * 24,
        **extra,
    )
    return open_services(settings, brain)


@asynccontextmanager
async def running_bot(
    server: BotApiServer, services: Services
) -> AsyncIterator[DurableApplication]:
    """The real Application, polling the local server over HTTP, stopped cleanly afterwards."""
    app = build_application(TOKEN, server.base_url, services)
    await start(app, poll_timeout=1)
    try:
        yield app
    finally:
        await stop(app)
