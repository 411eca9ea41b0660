"""Running the real bot against the local Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.brain import Brain
from bot.config import load_settings
from bot.runtime import open_services
from bot.services import Services
from bot.tg.app import PerevirApp, build_application, start, stop
from tests.support.bot_api import BotApiServer

TOKEN = "123456:TEST-token-for-the-local-server-only"
TEST_KEY = "3f9c1a7e5b2d8046c1e9a3b7d5f20864ae1c"
"""A pseudonym key for tests only (the bot refuses short or repetitive keys)."""


def make_services(
    brain: Brain, data_dir: Path, database_url: str | None = None, **extra: str
) -> Services:
    """Services on a test database (SQLite in data_dir unless a URL is given)."""
    settings = load_settings(
        PEREVIR_DATA_DIR=str(data_dir),
        PEREVIR_DATABASE_URL=database_url or f"sqlite:///{data_dir / 'bot.db'}",
        PEREVIR_PSEUDONYM_KEY=TEST_KEY,
        **extra,
    )
    return open_services(settings, brain)


@asynccontextmanager
async def running_bot(server: BotApiServer, services: Services) -> AsyncIterator[PerevirApp]:
    """The real Application, polling the local server over HTTP, stopped cleanly afterwards."""
    app = build_application(TOKEN, server.base_url, services)
    await start(app, poll_timeout=1)
    try:
        yield app
    finally:
        await stop(app)


def buttons(message: dict[str, Any]) -> list[str]:
    """The callback data of a bot message's inline buttons."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


async def choose_english(server: BotApiServer, user_id: int) -> dict[str, Any]:
    """/start, then English: the privacy note comes, and the menu is returned."""
    server.send_command(user_id, "/start")
    [choice] = await server.wait_for_message(user_id)
    assert buttons(choice) == ["lang:uk", "lang:en"]
    server.press_button(user_id, choice["message_id"], "lang:en")
    *_, menu = await server.wait_for_message(user_id, count=3, contains="not end-to-end encrypted")
    return menu


async def latest_containing(
    server: BotApiServer, chat: int, needle: str, timeout: float = 10
) -> dict[str, Any]:
    """The newest message in a chat whose text or caption contains `needle`, once there is one."""

    def found() -> dict[str, Any] | None:
        for message in reversed(server.messages(chat)):
            if needle in (message.get("text") or message.get("caption") or ""):
                return message
        return None

    return await server.wait_for(found, timeout=timeout)


async def forget_me(server: BotApiServer, person: int) -> None:
    """The person sends /forget, confirms, and the erasure is confirmed to them."""
    server.send_command(person, "/forget")
    confirm = await latest_containing(server, person, "cannot be undone")
    server.press_button(person, confirm["message_id"], "forget:yes")
    await latest_containing(server, person, "has been erased")


async def settled(server: BotApiServer, services: Services, timeout: float = 15.0) -> None:
    """Wait until the bot has nothing left to do: every update fetched and handled, and every
    due outbox item sent (held ones wait for a counsellor and do not count)."""
    assert services.handoff is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if (
            server.pending_updates() == 0
            and not await services.repository.pending_updates()
            and not await services.handoff.repo.pending_outbox()
        ):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the bot did not settle within {timeout}s")
