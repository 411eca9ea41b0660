"""Queries the bot needs, grouped by what they are about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import NamedTuple

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.db.base import SessionRepository
from bot.db.models import (
    AdvertCheck,
    FaqMissRecord,
    Feedback,
    InboxStatus,
    InboxUpdate,
    User,
    utcnow,
)
from bot.db.signals import INBOX_CHANNEL
from bot.domain.states import Standing


class Incoming(NamedTuple):
    """An update as it arrives: its id, its JSON, and the lane (chat) it is handled in."""

    update_id: int
    payload: str
    chat_key: int


class Claimed(NamedTuple):
    """An update a worker holds: its id, its JSON, and how many times it was claimed."""

    update_id: int
    payload: str
    attempts: int


class Repository(SessionRepository):
    """All reads and writes of the bot, each in its own short transaction."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], engine: AsyncEngine | None = None
    ) -> None:
        super().__init__(sessions)
        self.engine = engine
        self._erased = False
        """A person was erased: the log is emptied once the update that did it is finished."""

    async def close(self) -> None:
        """Close every pooled connection."""
        if self.engine is not None:
            await self.engine.dispose()

    # ---- inbox -----------------------------------------------------------------------
    async def record_updates(self, updates: Sequence[Incoming]) -> int:
        """Commit incoming updates as pending, in one transaction; an id seen before is
        skipped. Returns how many were new. Only after this may Telegram be told they were
        received."""
        if not updates:
            return 0
        now = utcnow()
        rows = [
            {
                "update_id": u.update_id,
                "status": InboxStatus.PENDING.value,
                "attempts": 0,
                "payload": u.payload,
                "received_at": now,
                "chat_key": u.chat_key,
            }
            for u in updates
        ]
        async with self.sessions() as session:
            dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
            insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
            statement = (
                insert(InboxUpdate)
                .values(rows)
                .on_conflict_do_nothing(index_elements=[InboxUpdate.update_id])
                .returning(InboxUpdate.update_id)
            )
            fresh = len((await session.execute(statement)).all())
            if fresh and dialect == "postgresql":  # wakes every worker, at commit
                await session.execute(sql_text(f"NOTIFY {INBOX_CHANNEL}"))
            await session.commit()
        return fresh

    async def record_update(self, update_id: int, payload: str, chat_key: int = 0) -> bool:
        """Record one incoming update as pending; False if it was seen before."""
        return await self.record_updates([Incoming(update_id, payload, chat_key)]) == 1

    async def claim_updates(
        self, limit: int, lease: dt.timedelta, worker: str = "main"
    ) -> list[Claimed]:
        """Claim up to `limit` updates, each the oldest pending one of its chat and held by
        no other worker (or held by one whose lease ran out), for `lease`; each claim counts
        one attempt. Workers claim at the same time without waiting for each other (SKIP
        LOCKED on PostgreSQL; SQLite runs one writer at a time), so a chat is handled by
        one worker at a time and in order, different chats in parallel."""
        now = utcnow()
        head, earlier = aliased(InboxUpdate), aliased(InboxUpdate)
        pending = InboxStatus.PENDING.value
        before = (
            select(earlier.update_id)
            .where(
                earlier.chat_key == head.chat_key,
                earlier.status == pending,
                earlier.update_id < head.update_id,
            )
            .correlate(head)
            .exists()
        )
        heads = (
            select(head.update_id)
            .where(
                head.status == pending,
                or_(head.lease_until.is_(None), head.lease_until < now),
                ~before,
            )
            .order_by(head.update_id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=head)
        )
        statement = (
            update(InboxUpdate)
            .where(InboxUpdate.update_id.in_(heads.scalar_subquery()))
            .values(lease_until=now + lease, attempts=InboxUpdate.attempts + 1, worker=worker)
            .returning(InboxUpdate.update_id, InboxUpdate.payload, InboxUpdate.attempts)
        )
        async with self.sessions() as session:
            rows = (await session.execute(statement)).all()
            await session.commit()
        claimed = [Claimed(int(uid), payload or "{}", int(tries)) for uid, payload, tries in rows]
        return sorted(claimed, key=lambda c: c.update_id)

    async def release_leases(self, worker: str | None = None) -> int:
        """Let go of the updates a worker of this name held when it stopped (every worker's
        with None: the embedded bot is the only one), so they are claimed again at once."""
        statement = update(InboxUpdate).where(
            InboxUpdate.status == InboxStatus.PENDING.value, InboxUpdate.lease_until.is_not(None)
        )
        if worker is not None:
            statement = statement.where(InboxUpdate.worker == worker)
        return await self._write(statement.values(lease_until=None))

    async def renew_leases(self, update_ids: Collection[int], lease: dt.timedelta) -> int:
        """Hold the updates in hand for another `lease` (a worker's heartbeat)."""
        if not update_ids:
            return 0
        return await self._write(
            update(InboxUpdate)
            .where(
                InboxUpdate.update_id.in_(list(update_ids)),
                InboxUpdate.status == InboxStatus.PENDING.value,
            )
            .values(lease_until=utcnow() + lease)
        )

    async def finish_update(self, update_id: int, status: InboxStatus = InboxStatus.DONE) -> None:
        """Mark an update handled and erase its content and its chat."""
        await self._write(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == update_id)
            .values(
                status=status.value,
                payload=None,
                handled_at=utcnow(),
                chat_key=None,
                lease_until=None,
                worker=None,
            )
        )
        if self._erased:
            self._erased = False
            await self._checkpoint()

    async def pending_updates(
        self, limit: int = 100, after: int | None = None
    ) -> list[tuple[int, str]]:
        """Updates recorded but not yet handled, oldest first (only newer than `after`)."""
        query = select(InboxUpdate.update_id, InboxUpdate.payload).where(
            InboxUpdate.status == InboxStatus.PENDING.value
        )
        if after is not None:
            query = query.where(InboxUpdate.update_id > after)
        async with self.sessions() as session:
            rows = await session.execute(query.order_by(InboxUpdate.update_id).limit(limit))
            return [(int(uid), payload or "{}") for uid, payload in rows.all()]

    async def inbox_backlog(self) -> int:
        """How many updates wait to be handled."""
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(InboxUpdate)
                .where(InboxUpdate.status == InboxStatus.PENDING.value)
            )
            return int(count or 0)

    async def purge_inbox(self, older_than: dt.timedelta) -> int:
        """Drop handled inbox rows older than the given age."""
        return await self._write(
            delete(InboxUpdate).where(
                InboxUpdate.status != InboxStatus.PENDING.value,
                InboxUpdate.received_at < utcnow() - older_than,
            )
        )

    # ---- users -----------------------------------------------------------------------
    async def language(self, pseudonym: str) -> str | None:
        """The user's saved language, if any."""
        async with self.sessions() as session:
            user = await session.get(User, pseudonym)
            return user.language if user else None

    async def set_language(self, pseudonym: str, language: str) -> None:
        """Save the user's language (creating the user)."""
        await self._save_user(pseudonym, language=language)

    async def state(self, pseudonym: str) -> Standing:
        """The user's standing: language, mode and since when, when the note was shown."""
        async with self.sessions() as session:
            user = await session.get(User, pseudonym)
            if user is None:
                return Standing()
            return Standing(user.language, user.state, user.state_since, user.language_noted_at)

    async def set_state(self, pseudonym: str, state: str | None) -> None:
        """Save the user's conversation state and since when (creating the user)."""
        await self._save_user(pseudonym, state=state, state_since=utcnow() if state else None)

    async def note_language(self, pseudonym: str) -> None:
        """The user was told which languages the bot answers in (creating the user)."""
        await self._save_user(pseudonym, language_noted_at=utcnow())

    async def _save_user(self, pseudonym: str, **values: str | dt.datetime | None) -> None:
        """Update a user's fields, creating the user first if needed (also under a race)."""
        values_seen = {**values, "last_seen_at": utcnow()}
        async with self.sessions() as session:
            user = await session.get(User, pseudonym)
            if user is None:
                session.add(User(pseudonym=pseudonym, created_at=utcnow(), **values_seen))
            else:
                for name, value in values_seen.items():
                    setattr(user, name, value)
            try:
                await session.commit()
            except IntegrityError:  # created concurrently: update instead
                await session.rollback()
                await session.execute(
                    update(User).where(User.pseudonym == pseudonym).values(**values_seen)
                )
                await session.commit()

    async def add_advert_check(
        self, language: str, level: str, flags: list[str], source: str
    ) -> None:
        """Count one checked advert (no text, no user)."""
        await self._add(
            AdvertCheck(
                language=language,
                level=level,
                flags=",".join(flags),
                source=source,
                created_at=utcnow(),
            )
        )

    # ---- feedback and misses ---------------------------------------------------------
    async def add_feedback(self, pseudonym: str, topic: str, helpful: bool, language: str) -> None:
        """Store a vote on an answer."""
        await self._add(
            Feedback(
                user_pseudonym=pseudonym,
                topic=topic,
                helpful=helpful,
                language=language,
                created_at=utcnow(),
            )
        )

    async def add_miss(self, pseudonym: str | None, language: str, nearest: str | None) -> int:
        """Count a question the bot could not answer; returns the record id."""
        async with self.sessions() as session:
            record = FaqMissRecord(
                user_pseudonym=pseudonym,
                language=language,
                nearest_topic=nearest,
                created_at=utcnow(),
            )
            session.add(record)
            await session.commit()
            return int(record.id)

    async def share_miss(self, miss_id: int, text: str) -> None:
        """Keep the text of an unanswered question the user chose to share (no link to them)."""
        await self._write(
            update(FaqMissRecord)
            .where(FaqMissRecord.id == miss_id)
            .values(shared_text=text[:1000], user_pseudonym=None)
        )

    async def gaps(self) -> list[tuple[str, str | None, int, list[str]]]:
        """Unanswered questions by (language, nearest topic), most frequent first, with the
        texts users chose to share."""
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(
                        FaqMissRecord.language,
                        FaqMissRecord.nearest_topic,
                        FaqMissRecord.shared_text,
                    )
                )
            ).all()
        groups: dict[tuple[str, str | None], list[str]] = {}
        counts: dict[tuple[str, str | None], int] = {}
        for language, topic, text in rows:
            counts[(language, topic)] = counts.get((language, topic), 0) + 1
            if text:
                groups.setdefault((language, topic), []).append(text)
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1] or ""))
        return [(lang, topic, n, groups.get((lang, topic), [])) for (lang, topic), n in ordered]

    async def feedback_counts(self) -> dict[tuple[str, bool], int]:
        """Votes per (topic, helpful)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(Feedback.topic, Feedback.helpful, func.count()).group_by(
                    Feedback.topic, Feedback.helpful
                )
            )
            return {(t, bool(h)): int(n) for t, h, n in rows.all()}

    async def forget(self, pseudonym: str) -> None:
        """Erase everything stored about one user."""
        async with self.sessions() as session:
            await session.execute(delete(Feedback).where(Feedback.user_pseudonym == pseudonym))
            await session.execute(
                update(FaqMissRecord)
                .where(FaqMissRecord.user_pseudonym == pseudonym)
                .values(user_pseudonym=None, shared_text=None)
            )
            await session.execute(delete(User).where(User.pseudonym == pseudonym))
            await session.commit()
        self._erased = True
