"""What every repository shares: short transactions to add rows or run one statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Base


class Store:
    """A repository over a session factory."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def _add(self, *rows: Base) -> None:
        """Insert rows in one transaction."""
        async with self.sessions() as session:
            session.add_all(rows)
            await session.commit()

    async def _write(self, statement: Any) -> int:
        """Run one UPDATE or DELETE in its own transaction; returns the rows it touched."""
        async with self.sessions() as session:
            result = await session.execute(statement)
            await session.commit()
            return int(getattr(result, "rowcount", 0) or 0)
