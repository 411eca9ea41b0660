"""Signals between processes that share a PostgreSQL database.

- `InboxListener`: the ingress says "an update was recorded" (NOTIFY in the same transaction,
  delivered at commit) and every worker's dispatcher wakes at once instead of at its next poll.
- `Leadership`: one process at a time sends the outbox. A session-level advisory lock on a
  connection of its own: when the process dies, PostgreSQL closes the connection and frees
  the lock, and a standby takes over. SQLite runs one process: it always leads.

Both use psycopg directly (a long-lived connection outside SQLAlchemy's pool).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
INBOX_CHANNEL = "perevir_inbox"
SENDER_LOCK = 0x5045_5256  # "PERV": the advisory lock of the outbox sender
RETRY_SECONDS = 2.0


def is_postgres(url: str) -> bool:
    """Whether the database URL names PostgreSQL."""
    return make_url(url).get_backend_name() == "postgresql"


def libpq_url(url: str) -> str:
    """The URL as psycopg takes it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _connect(url: str) -> Any:
    import psycopg

    return await psycopg.AsyncConnection.connect(libpq_url(url), autocommit=True)


class InboxListener:
    """Calls `wake` whenever any process records an update (PostgreSQL only; reconnects)."""

    def __init__(self, url: str, wake: Callable[[], None]) -> None:
        self.url = url
        self.wake = wake
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Listen in the background (a no-op on SQLite)."""
        if is_postgres(self.url):
            self._task = asyncio.create_task(self._listen(), name="inbox-listener")

    async def stop(self) -> None:
        """Stop listening."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _listen(self) -> None:
        while True:
            try:
                connection = await _connect(self.url)
                try:
                    await connection.execute(f"LISTEN {INBOX_CHANNEL}")
                    self.wake()  # anything recorded while not listening
                    async for _ in connection.notifies():
                        self.wake()
                finally:
                    await connection.close()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is down or restarting: try again
                log.warning("inbox listener disconnected (%s)", type(exc).__name__)
                await asyncio.sleep(RETRY_SECONDS)


class Leadership:
    """Whether this process is the one that sends the outbox (see the module's note)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._connection: Any = None

    async def lead(self) -> bool:
        """True when this process leads (taking the lead if it is free); checks that the
        connection holding the lock is alive, and steps down when it is not."""
        if not is_postgres(self.url):
            return True
        try:
            if self._connection is not None:
                await self._connection.execute("SELECT 1")
                return True
            connection = await _connect(self.url)
            cursor = await connection.execute("SELECT pg_try_advisory_lock(%s)", (SENDER_LOCK,))
            row = await cursor.fetchone()
            if row and row[0]:
                self._connection = connection
                log.info("this process now sends the outbox")
                return True
            await connection.close()
            return False
        except Exception as exc:
            log.warning("outbox leadership unknown (%s): not sending", type(exc).__name__)
            await self.release()
            return False

    async def release(self) -> None:
        """Step down (closing the connection frees the lock)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()
