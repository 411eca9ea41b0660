"""Held items in the database: sealed, shared by every worker, erased at expiry."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.base import SessionRepository
from bot.db.models import HeldItem
from bot.privacy import Sealer, SealError

log = logging.getLogger(__name__)


class HeldRepository(SessionRepository):
    """The `Held` port over the database; values are sealed with the settings' key."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], sealer: Sealer) -> None:
        super().__init__(sessions)
        self.sealer = sealer

    async def hold(self, pseudonym: str, kind: str, value: str, until: dt.datetime) -> None:
        """Hold a value until a moment (replacing the one of that kind); what has expired,
        anyone's, is erased in the same write."""
        row = {
            "pseudonym": pseudonym,
            "kind": kind,
            "sealed": self.sealer.seal(value, f"{pseudonym}/{kind}"),
            "expires_at": until,
        }
        async with self.sessions() as session:
            dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
            insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
            statement = insert(HeldItem).values(row)
            statement = statement.on_conflict_do_update(
                index_elements=[HeldItem.pseudonym, HeldItem.kind],
                set_={"sealed": statement.excluded.sealed, "expires_at": until},
            )
            await session.execute(delete(HeldItem).where(HeldItem.expires_at <= _now()))
            await session.execute(statement)
            await session.commit()

    async def peek(self, pseudonym: str, kind: str, now: dt.datetime) -> str | None:
        """The value held, if still held."""
        async with self.sessions() as session:
            sealed = await session.scalar(
                select(HeldItem.sealed).where(
                    HeldItem.pseudonym == pseudonym,
                    HeldItem.kind == kind,
                    HeldItem.expires_at > now,
                )
            )
        return self._opened(sealed, pseudonym, kind)

    async def take(self, pseudonym: str, kind: str, now: dt.datetime) -> str | None:
        """The value held, if still held; erased either way."""
        async with self.sessions() as session:
            row = (
                await session.execute(
                    delete(HeldItem)
                    .where(HeldItem.pseudonym == pseudonym, HeldItem.kind == kind)
                    .returning(HeldItem.sealed, HeldItem.expires_at)
                )
            ).first()
            await session.commit()
        if row is None or row.expires_at <= now:
            return None
        return self._opened(row.sealed, pseudonym, kind)

    async def drop(self, pseudonym: str, kind: str | None = None) -> None:
        """Stop holding a value (every kind with None)."""
        statement = delete(HeldItem).where(HeldItem.pseudonym == pseudonym)
        if kind is not None:
            statement = statement.where(HeldItem.kind == kind)
        await self._write(statement)

    async def purge_held(self, now: dt.datetime) -> int:
        """Erase what has expired; how many."""
        return await self._write(delete(HeldItem).where(HeldItem.expires_at <= now))

    def _opened(self, sealed: str | None, pseudonym: str, kind: str) -> str | None:
        if sealed is None:
            return None
        try:
            return self.sealer.open(sealed, f"{pseudonym}/{kind}")
        except SealError:
            log.warning("a held %s could not be opened (another key?); treated as expired", kind)
            return None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
