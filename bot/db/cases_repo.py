"""Storage of hand-offs: cases, the outbox, relayed-message mappings, and erasure."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.db.models import (
    AdvertCheck,
    CaseRecord,
    CounsellorSelection,
    OutboxItem,
    RelayedMessage,
    SentMessage,
    utcnow,
)
from bot.db.store import Store
from bot.domain.cases import Case, CaseOutcome, Reason, Status

OPEN = (Status.REQUESTED.value, Status.WAITING.value, Status.ASSIGNED.value)


def to_case(record: CaseRecord) -> Case:
    """The domain view of a stored case."""
    return Case(
        tag=record.tag,
        status=Status(record.status),
        reason=Reason(record.reason),
        language=record.language,
        requested_at=record.requested_at,
        counsellor_id=record.counsellor_id,
        waiting_since=record.waiting_since,
        assigned_at=record.assigned_at,
        closed_at=record.closed_at,
        outcome=CaseOutcome(record.outcome) if record.outcome else None,
    )


class CaseRepository(Store):
    """Cases and everything that hangs off them."""

    # ---- cases -----------------------------------------------------------------------
    async def create(
        self, case: Case, user_key: str, chat_id: int, shared_advert: dict[str, Any] | None
    ) -> CaseRecord:
        """Store a new case (status from the domain value)."""
        async with self.sessions() as session:
            record = CaseRecord(
                tag=case.tag,
                user_pseudonym=user_key,
                user_chat_id=chat_id,
                status=case.status.value,
                reason=case.reason.value,
                language=case.language,
                shared_advert=json.dumps(shared_advert, ensure_ascii=False)
                if shared_advert
                else None,
                requested_at=case.requested_at,
                waiting_since=case.waiting_since,
            )
            session.add(record)
            await session.commit()
            return record

    async def get(self, case_id: int) -> CaseRecord | None:
        """A case by id."""
        async with self.sessions() as session:
            return await session.get(CaseRecord, case_id)

    async def by_tag(self, tag: str) -> CaseRecord | None:
        """A case by its tag (case-insensitive)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(CaseRecord).where(CaseRecord.tag == tag.strip().lstrip("#").upper())
            )
            return rows.scalar_one_or_none()

    async def open_for_user(self, user_key: str) -> CaseRecord | None:
        """The user's case that is not closed, if any."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(CaseRecord)
                .where(CaseRecord.user_pseudonym == user_key, CaseRecord.status.in_(OPEN))
                .order_by(CaseRecord.id.desc())
                .limit(1)
            )
            return rows.scalar_one_or_none()

    async def assigned_to(self, counsellor_id: int) -> list[CaseRecord]:
        """A counsellor's open cases."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(CaseRecord)
                .where(
                    CaseRecord.counsellor_id == counsellor_id,
                    CaseRecord.status == Status.ASSIGNED.value,
                )
                .order_by(CaseRecord.assigned_at)
            )
            return list(rows.scalars())

    async def move(
        self,
        case_id: int,
        expected: Status,
        to: Status,
        *,
        counsellor_id: int | None = None,
        outcome: CaseOutcome | None = None,
        only_counsellor: int | None = None,
    ) -> bool:
        """Move a case with one conditional UPDATE: True only for the caller that won.

        SQLite ignores FOR UPDATE, so the condition on the current status inside the UPDATE
        itself is what makes two simultaneous "Take" presses give exactly one winner.
        """
        now = utcnow()
        values: dict[str, Any] = {"status": to.value}
        if to is Status.WAITING:
            values |= {"waiting_since": now, "counsellor_id": None, "assigned_at": None}
        elif to is Status.ASSIGNED:
            values |= {"counsellor_id": counsellor_id, "assigned_at": now}
        elif to is Status.CLOSED:
            values |= {"closed_at": now, "outcome": outcome.value if outcome else None}
        condition = [CaseRecord.id == case_id, CaseRecord.status == expected.value]
        if only_counsellor is not None:
            condition.append(CaseRecord.counsellor_id == only_counsellor)
        async with self.sessions() as session:
            result = await session.execute(
                update(CaseRecord).where(*condition).values(**values).returning(CaseRecord.id)
            )
            won = result.scalar_one_or_none() is not None
            await session.commit()
            return won

    async def set_fields(self, case_id: int, **values: Any) -> None:
        """Update plain fields of a case (group card id, outcome, usefulness)."""
        await self._write(update(CaseRecord).where(CaseRecord.id == case_id).values(**values))

    async def record_outcome(self, case_id: int, outcome: CaseOutcome) -> bool:
        """Record the outcome of a closed case that has none yet."""
        async with self.sessions() as session:
            result = await session.execute(
                update(CaseRecord)
                .where(
                    CaseRecord.id == case_id,
                    CaseRecord.status == Status.CLOSED.value,
                    CaseRecord.outcome.is_(None),
                )
                .values(outcome=outcome.value)
                .returning(CaseRecord.id)
            )
            done = result.scalar_one_or_none() is not None
            await session.commit()
            return done

    # ---- counsellor's selected case ----------------------------------------------------
    async def select(self, counsellor_id: int, case_id: int | None) -> None:
        """Make plain messages of this counsellor go to that case."""
        async with self.sessions() as session:
            row = await session.get(CounsellorSelection, counsellor_id)
            if row is None:
                session.add(CounsellorSelection(counsellor_id=counsellor_id, case_id=case_id))
            else:
                row.case_id = case_id
            try:
                await session.commit()
            except IntegrityError:
                await session.rollback()

    async def selected(self, counsellor_id: int) -> int | None:
        """The case a counsellor's plain messages go to."""
        async with self.sessions() as session:
            row = await session.get(CounsellorSelection, counsellor_id)
            return row.case_id if row else None

    # ---- relayed messages ----------------------------------------------------------------
    async def add_relay(
        self,
        case_id: int,
        direction: str,
        user_message_id: int | None,
        counsellor_message_id: int | None,
    ) -> None:
        """Remember which message stands for which."""
        await self._add(
            RelayedMessage(
                case_id=case_id,
                direction=direction,
                user_message_id=user_message_id,
                counsellor_message_id=counsellor_message_id,
                created_at=utcnow(),
            )
        )

    async def case_of_counsellor_message(
        self, counsellor_id: int, message_id: int
    ) -> CaseRecord | None:
        """The case a counsellor's reply refers to."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(CaseRecord)
                .join(RelayedMessage, RelayedMessage.case_id == CaseRecord.id)
                .where(
                    RelayedMessage.counsellor_message_id == message_id,
                    CaseRecord.counsellor_id == counsellor_id,
                )
                .limit(1)
            )
            return rows.scalar_one_or_none()

    async def counsellor_copy_of(self, case_id: int, user_message_id: int) -> int | None:
        """The counsellor-side message that relayed a user's message."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(RelayedMessage.counsellor_message_id)
                .where(
                    RelayedMessage.case_id == case_id,
                    RelayedMessage.user_message_id == user_message_id,
                )
                .order_by(RelayedMessage.id)
                .limit(1)
            )
            return rows.scalar_one_or_none()

    # ---- outbox ----------------------------------------------------------------------
    async def enqueue(self, items: list[dict[str, Any]]) -> int:
        """Write calls to make; an item whose dedupe_key exists is skipped. Returns how many."""
        added = 0
        async with self.sessions() as session:
            for item in items:
                try:
                    async with session.begin_nested():
                        await session.execute(
                            insert(OutboxItem).values(
                                dedupe_key=item["dedupe_key"],
                                chat_id=item["chat_id"],
                                case_id=item.get("case_id"),
                                method=item["method"],
                                payload=json.dumps(item["params"], ensure_ascii=False),
                                relay=item.get("relay"),
                                source_message_id=item.get("source"),
                                status=item.get("status", "pending"),
                                attempts=0,
                                next_attempt_at=utcnow(),
                                created_at=utcnow(),
                            )
                        )
                    added += 1
                except IntegrityError:
                    continue
            await session.commit()
        return added

    async def release_held(self, case_id: int, chat_id: int) -> None:
        """Send what the person wrote while waiting to the counsellor who took the case."""
        await self._write(
            update(OutboxItem)
            .where(OutboxItem.case_id == case_id, OutboxItem.status == "held")
            .values(status="pending", chat_id=chat_id, next_attempt_at=utcnow())
        )

    async def pending_outbox(self, limit: int = 100) -> list[OutboxItem]:
        """Calls not yet made, oldest first (due or not: later ones of a chat must wait)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(OutboxItem)
                .where(OutboxItem.status == "pending")
                .order_by(OutboxItem.id)
                .limit(limit)
            )
            return list(rows.scalars())

    async def outbox_done(
        self, item_id: int, status: str, result_message_id: int | None = None
    ) -> None:
        """Mark an outbox item sent (or failed for good)."""
        await self._write(
            update(OutboxItem)
            .where(OutboxItem.id == item_id)
            .values(status=status, sent_at=utcnow(), result_message_id=result_message_id)
        )

    async def outbox_retry(self, item_id: int, when: dt.datetime) -> None:
        """Try an item again later."""
        await self._write(
            update(OutboxItem)
            .where(OutboxItem.id == item_id)
            .values(attempts=OutboxItem.attempts + 1, next_attempt_at=when)
        )

    # ---- the bot's messages to a user (for /forget) ------------------------------------
    async def remember_sent(self, user_key: str, message_ids: list[int]) -> None:
        """Keep the ids of the bot's messages to a user for 48 hours."""
        if not message_ids:
            return
        await self._add(
            *(
                SentMessage(user_pseudonym=user_key, message_id=m, sent_at=utcnow())
                for m in message_ids
            )
        )

    async def deletable_messages(self, user_key: str) -> list[int]:
        """The bot's messages to this user that Telegram still lets it delete (under 48 h)."""
        since = utcnow() - dt.timedelta(hours=47, minutes=55)
        async with self.sessions() as session:
            rows = await session.execute(
                select(SentMessage.message_id).where(
                    SentMessage.user_pseudonym == user_key, SentMessage.sent_at > since
                )
            )
            return sorted(set(rows.scalars()))

    # ---- erasure and retention ---------------------------------------------------------
    async def forget_user(self, user_key: str) -> list[CaseRecord]:
        """Erase the person from every case; returns the cases that were still open."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(CaseRecord).where(CaseRecord.user_pseudonym == user_key)
            )
            cases = list(rows.scalars())
            still_open = [c for c in cases if c.status in OPEN]
            ids = [c.id for c in cases]
            if ids:
                await session.execute(delete(RelayedMessage).where(RelayedMessage.case_id.in_(ids)))
                await session.execute(
                    delete(OutboxItem).where(
                        OutboxItem.case_id.in_(ids), OutboxItem.status != "pending"
                    )
                )
                await session.execute(
                    update(CaseRecord)
                    .where(CaseRecord.id.in_(ids))
                    .values(user_pseudonym=None, user_chat_id=None, shared_advert=None)
                )
                await session.execute(
                    update(CaseRecord)
                    .where(CaseRecord.id.in_([c.id for c in still_open]))
                    .values(status=Status.CLOSED.value, closed_at=utcnow())
                )
            await session.execute(delete(SentMessage).where(SentMessage.user_pseudonym == user_key))
            await session.commit()
            return still_open

    async def purge(self, retention: dt.timedelta) -> int:
        """Drop message records of cases closed longer ago than the retention; keep statistics."""
        cutoff = utcnow() - retention
        async with self.sessions() as session:
            old = select(CaseRecord.id).where(
                CaseRecord.status == Status.CLOSED.value, CaseRecord.closed_at < cutoff
            )
            result = await session.execute(
                delete(RelayedMessage).where(RelayedMessage.case_id.in_(old))
            )
            await session.execute(
                delete(OutboxItem).where(
                    or_(
                        OutboxItem.case_id.in_(old),
                        (OutboxItem.status != "pending") & (OutboxItem.created_at < cutoff),
                    )
                )
            )
            await session.execute(
                update(CaseRecord)
                .where(CaseRecord.id.in_(old))
                .values(user_pseudonym=None, user_chat_id=None, shared_advert=None)
            )
            await session.execute(
                delete(SentMessage).where(SentMessage.sent_at < utcnow() - dt.timedelta(hours=48))
            )
            await session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

    # ---- statistics --------------------------------------------------------------------
    async def all_cases(self) -> list[CaseRecord]:
        """Every case (for anonymous statistics)."""
        async with self.sessions() as session:
            return list((await session.execute(select(CaseRecord))).scalars())

    async def advert_flag_counts(self) -> dict[str, int]:
        """How often each red flag was raised in checked adverts, plus totals by level."""
        async with self.sessions() as session:
            rows = (await session.execute(select(AdvertCheck.level, AdvertCheck.flags))).all()
        counts: dict[str, int] = {}
        for level, flags in rows:
            counts[f"level:{level}"] = counts.get(f"level:{level}", 0) + 1
            for flag in filter(None, flags.split(",")):
                counts[flag] = counts.get(flag, 0) + 1
        return counts
