"""What every repository shares: short transactions to add rows or run one statement."""

from __future__ import annotations

import inspect
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db.database import checkpoint
from bot.db.errors import mapped
from bot.db.models import Base

log = logging.getLogger(__name__)


class SessionRepository:
    """A repository over a session factory; every public coroutine of a subclass raises
    StorageError (and only that) when the database fails."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, member in list(vars(cls).items()):
            if not name.startswith("_") and inspect.iscoroutinefunction(member):
                setattr(cls, name, mapped(member))

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def _add(self, *rows: Base) -> None:
        """Insert rows in one transaction."""
        async with self.sessions() as session:
            session.add_all(rows)
            await session.commit()

    async def _checkpoint(self) -> None:
        """Empty SQLite's write-ahead log after an erasure (see `checkpoint`)."""
        engine = self.sessions.kw.get("bind")
        if isinstance(engine, AsyncEngine) and not await checkpoint(engine):
            log.warning("the write-ahead log was busy; it is emptied at the next checkpoint")

    async def _write(self, statement: Any) -> int:
        """Run one UPDATE or DELETE in its own transaction; returns the rows it touched."""
        async with self.sessions() as session:
            result = await session.execute(statement)
            await session.commit()
            return int(getattr(result, "rowcount", 0) or 0)
