"""Storage of hand-offs: cases, the outbox, relayed-message mappings, and erasure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.base import SessionRepository
from bot.db.models import (
    AdvertCheck,
    CaseRecord,
    Counsellor,
    CounsellorSelection,
    OutboxItem,
    OutboxStatus,
    RelayedMessage,
    SentMessage,
    utcnow,
)
from bot.db.notice_codec import decode, encode
from bot.domain.cases import (
    Case,
    CaseOutcome,
    ErasurePlan,
    Reason,
    SharedAdvert,
    StaffMember,
    Status,
    advert_from_json,
    advert_json,
    move_fields,
)
from bot.domain.notices import ERASED_WHEN_SENT, Outgoing, Queued, Relay

OPEN = (Status.REQUESTED.value, Status.WAITING.value, Status.ASSIGNED.value)
DELETABLE_FOR = dt.timedelta(hours=47, minutes=55)
"""Telegram lets a bot delete its messages for 48 hours (a margin for the queue)."""


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
        id=record.id,
        user_pseudonym=record.user_pseudonym,
        user_chat_id=record.user_chat_id,
        shared_advert=_advert(record.shared_advert),
        person_blocked=bool(record.person_blocked),
        useful=record.useful,
    )


def _maybe(record: CaseRecord | None) -> Case | None:
    return to_case(record) if record is not None else None


def _advert(stored: str | None) -> SharedAdvert | None:
    return advert_from_json(stored) if stored else None


def _stored_advert(advert: SharedAdvert | None) -> str | None:
    return advert_json(advert) if advert is not None else None


def to_queued(item: OutboxItem) -> Queued:
    """The sender's view of an outbox row."""
    return Queued(
        id=item.id,
        chat_id=item.chat_id,
        notice=decode(item.kind, item.payload),
        relay=Relay(item.relay) if item.relay else None,
        case_id=item.case_id,
        source=item.source_message_id,
        owner=item.user_pseudonym,
        attempts=item.attempts,
        next_attempt_at=item.next_attempt_at,
    )


def _release_held(case_id: int, chat_id: int) -> Any:
    """The statement that sends a case's held items to the counsellor who took it."""
    return (
        update(OutboxItem)
        .where(OutboxItem.case_id == case_id, OutboxItem.status == OutboxStatus.HELD.value)
        .values(status=OutboxStatus.PENDING.value, chat_id=chat_id, next_attempt_at=utcnow())
    )


class CaseRepository(SessionRepository):
    """Cases and everything that hangs off them."""

    # ---- cases -----------------------------------------------------------------------
    async def create(
        self, case: Case, user_key: str, chat_id: int, advert: SharedAdvert | None
    ) -> Case:
        """Store a new case (status from the domain value)."""
        async with self.sessions() as session:
            record = CaseRecord(
                tag=case.tag,
                user_pseudonym=user_key,
                user_chat_id=chat_id,
                status=case.status.value,
                reason=case.reason.value,
                language=case.language,
                shared_advert=_stored_advert(advert),
                requested_at=case.requested_at,
                waiting_since=case.waiting_since,
            )
            session.add(record)
            await session.commit()
            return to_case(record)

    async def get(self, case_id: int) -> Case | None:
        """A case by id."""
        async with self.sessions() as session:
            return _maybe(await session.get(CaseRecord, case_id))

    async def by_tag(self, tag: str) -> Case | None:
        """A case by its tag (case-insensitive)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(CaseRecord).where(CaseRecord.tag == tag.strip().lstrip("#").upper())
            )
            return _maybe(rows.scalar_one_or_none())

    async def open_for_user(self, user_key: str) -> Case | None:
        """The user's case that is not closed, if any."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(CaseRecord)
                .where(CaseRecord.user_pseudonym == user_key, CaseRecord.status.in_(OPEN))
                .order_by(CaseRecord.id.desc())
                .limit(1)
            )
            return _maybe(rows.scalar_one_or_none())

    async def assigned_to(self, counsellor_id: int) -> list[Case]:
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
            return [to_case(r) for r in rows.scalars()]

    async def move(
        self,
        case_id: int,
        expected: Status,
        to: Status,
        *,
        counsellor_id: int | None = None,
        outcome: CaseOutcome | None = None,
        only_counsellor: int | None = None,
        then: list[Outgoing] | None = None,
        release_held_to: int | None = None,
        forget_chat: bool = False,
    ) -> bool:
        """Move a case with one conditional UPDATE: True only for the caller that won.

        SQLite ignores FOR UPDATE, so the condition on the current status inside the UPDATE
        itself is what makes two simultaneous "Take" presses give exactly one winner. What
        the move must send (`then`), and releasing what the person wrote while waiting, are
        written in the same transaction: a crash leaves either all of it or none.
        """
        fields = move_fields(expected, to, utcnow(), counsellor_id=counsellor_id, outcome=outcome)
        values: dict[str, Any] = {
            name: value.value if isinstance(value, StrEnum) else value
            for name, value in fields.items()
        }
        if forget_chat:
            values["user_chat_id"] = None
        condition = [CaseRecord.id == case_id, CaseRecord.status == expected.value]
        if only_counsellor is not None:
            condition.append(CaseRecord.counsellor_id == only_counsellor)
        async with self.sessions() as session:
            result = await session.execute(
                update(CaseRecord).where(*condition).values(**values).returning(CaseRecord.id)
            )
            won = result.scalar_one_or_none() is not None
            if won and then:
                await self._insert_items(session, then)
            if won and release_held_to is not None:
                await session.execute(_release_held(case_id, release_held_to))
            await session.commit()
            return won

    async def set_person_blocked(self, case_id: int, blocked: bool) -> bool:
        """Record whether the person has blocked the bot; True only when it changed."""
        async with self.sessions() as session:
            result = await session.execute(
                update(CaseRecord)
                .where(CaseRecord.id == case_id, CaseRecord.person_blocked.is_not(blocked))
                .values(person_blocked=blocked)
                .returning(CaseRecord.id)
            )
            changed = result.scalar_one_or_none() is not None
            await session.commit()
            return changed

    async def card_message_id(self, case_id: int | None) -> int | None:
        """The id of a case's card in the counsellors' group, once it was posted."""
        if case_id is None:
            return None
        async with self.sessions() as session:
            record = await session.get(CaseRecord, case_id)
            return record.group_message_id if record else None

    # ---- counsellors -------------------------------------------------------------------
    async def counsellor_seen(self, counsellor_id: int, language: str) -> None:
        """A counsellor wrote to the bot in private: reachable from now on, in their language;
        what could not be delivered to them before is sent now."""
        async with self.sessions() as session:
            row = await session.get(Counsellor, counsellor_id)
            if row is None:
                session.add(
                    Counsellor(
                        telegram_id=counsellor_id,
                        language=language,
                        reachable=True,
                        seen_at=utcnow(),
                    )
                )
            else:
                row.language, row.reachable, row.seen_at = language, True, utcnow()
            await session.execute(
                update(OutboxItem)
                .where(
                    OutboxItem.chat_id == counsellor_id,
                    OutboxItem.status == OutboxStatus.BLOCKED.value,
                )
                .values(status=OutboxStatus.PENDING.value, next_attempt_at=utcnow())
            )
            try:
                await session.commit()
            except IntegrityError:  # seen twice at once: the other write won
                await session.rollback()

    async def counsellor_unreachable(self, counsellor_id: int) -> None:
        """Telegram refused to write to the counsellor: keep their messages until they start
        the bot."""
        async with self.sessions() as session:
            await session.execute(
                update(Counsellor)
                .where(Counsellor.telegram_id == counsellor_id)
                .values(reachable=False)
            )
            await session.execute(
                update(OutboxItem)
                .where(
                    OutboxItem.chat_id == counsellor_id,
                    OutboxItem.status == OutboxStatus.PENDING.value,
                )
                .values(status=OutboxStatus.BLOCKED.value)
            )
            await session.commit()

    async def counsellor(self, counsellor_id: int) -> StaffMember | None:
        """What the bot knows of a counsellor (None: they never wrote to it in private)."""
        async with self.sessions() as session:
            row = await session.get(Counsellor, counsellor_id)
            return StaffMember(row.telegram_id, row.language, row.reachable) if row else None

    async def rate(self, case_id: int, useful: bool) -> None:
        """Record whether the person found the help useful."""
        await self._write(update(CaseRecord).where(CaseRecord.id == case_id).values(useful=useful))

    async def set_fields(self, case_id: int, **values: Any) -> None:
        """Update plain fields of a case (tests and maintenance)."""
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
    async def case_of_counsellor_message(self, counsellor_id: int, message_id: int) -> Case | None:
        """The case a message in a counsellor's chat belongs to (a relayed message, a brief,
        a notice, or the counsellor's own relayed message); None when it is none of these."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(CaseRecord)
                .join(RelayedMessage, RelayedMessage.case_id == CaseRecord.id)
                .where(
                    RelayedMessage.counsellor_chat_id == counsellor_id,
                    RelayedMessage.counsellor_message_id == message_id,
                )
                .order_by(RelayedMessage.id.desc())
                .limit(1)
            )
            return _maybe(rows.scalar_one_or_none())

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
    async def enqueue(self, items: list[Outgoing]) -> int:
        """Write notices to send; an item whose key exists is skipped. Returns how many."""
        async with self.sessions() as session:
            added = await self._insert_items(session, items)
            await session.commit()
        return added

    @staticmethod
    async def _insert_items(session: AsyncSession, items: list[Outgoing]) -> int:
        added = 0
        for item in items:
            kind, payload = encode(item.notice)
            status = OutboxStatus.HELD if item.held else OutboxStatus.PENDING
            try:
                async with session.begin_nested():
                    await session.execute(
                        insert(OutboxItem).values(
                            dedupe_key=item.key,
                            chat_id=item.chat_id,
                            case_id=item.case_id,
                            kind=kind,
                            payload=payload,
                            relay=item.relay.value,
                            user_pseudonym=item.owner,
                            source_message_id=item.source,
                            status=status.value,
                            attempts=0,
                            next_attempt_at=utcnow(),
                            created_at=utcnow(),
                        )
                    )
                added += 1
            except IntegrityError:
                continue
        return added

    async def release_held(self, case_id: int, chat_id: int) -> None:
        """Send what the person wrote while waiting to the counsellor who took the case."""
        await self._write(_release_held(case_id, chat_id))

    async def pending_outbox(
        self, limit: int = 100, chat_ids: Collection[int] | None = None
    ) -> list[Queued]:
        """Calls not yet made, oldest first (due or not: later ones of a chat must wait);
        with `chat_ids`, only those to these chats."""
        query = select(OutboxItem).where(OutboxItem.status == OutboxStatus.PENDING.value)
        if chat_ids is not None:
            query = query.where(OutboxItem.chat_id.in_(list(chat_ids)))
        async with self.sessions() as session:
            rows = await session.execute(query.order_by(OutboxItem.id).limit(limit))
            return [to_queued(item) for item in rows.scalars()]

    async def outbox_heads(self, limit: int = 200) -> list[Queued]:
        """The oldest pending call of each chat (only it may go next in that chat)."""
        pending = OutboxItem.status == OutboxStatus.PENDING.value
        heads = select(func.min(OutboxItem.id)).where(pending).group_by(OutboxItem.chat_id)
        async with self.sessions() as session:
            rows = await session.execute(
                select(OutboxItem)
                .where(OutboxItem.id.in_(heads))
                .order_by(OutboxItem.id)
                .limit(limit)
            )
            return [to_queued(item) for item in rows.scalars()]

    async def outbox_done(self, item_id: int, status: OutboxStatus) -> None:
        """Mark an outbox item finished without a result (failed for good); its text goes."""
        await self._write(
            update(OutboxItem)
            .where(OutboxItem.id == item_id)
            .values(status=status.value, sent_at=utcnow(), payload="{}")
        )

    async def mark_sent(self, item: Queued, message_id: int | None) -> None:
        """Mark an item sent and, in the same transaction, remember what the new message
        stands for: a relay (with the counsellor's chat), a card, a message /forget may
        delete. The text of the call is erased."""
        now = utcnow()
        if item.relay in ERASED_WHEN_SENT:
            await self._write(delete(OutboxItem).where(OutboxItem.id == item.id))
            await self._checkpoint()
            return
        async with self.sessions() as session:
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == item.id)
                .values(
                    status=OutboxStatus.SENT.value,
                    sent_at=now,
                    result_message_id=message_id,
                    payload="{}",
                )
            )
            record = await session.get(CaseRecord, item.case_id) if item.case_id else None
            relay = item.relay
            owner = item.owner
            if record is not None and message_id is not None:
                if relay in (Relay.TO_COUNSELLOR, Relay.NOTICE_COUNSELLOR):
                    session.add(
                        RelayedMessage(
                            case_id=record.id,
                            direction=relay.value,
                            user_message_id=item.source,
                            counsellor_chat_id=item.chat_id,
                            counsellor_message_id=message_id,
                            created_at=now,
                        )
                    )
                elif relay is Relay.TO_USER:
                    session.add(
                        RelayedMessage(
                            case_id=record.id,
                            direction=relay.value,
                            user_message_id=message_id,
                            counsellor_chat_id=record.counsellor_id,
                            counsellor_message_id=item.source,
                            created_at=now,
                        )
                    )
                elif relay is Relay.CARD:
                    record.group_message_id = message_id
                if relay in (Relay.TO_USER, Relay.NOTICE_USER):
                    owner = owner or record.user_pseudonym
            if owner and message_id is not None:
                session.add(SentMessage(user_pseudonym=owner, message_id=message_id, sent_at=now))
            await session.commit()

    async def outbox_retry(self, item_id: int, when: dt.datetime, failed: bool = True) -> None:
        """Try an item again later; a failure counts towards giving up, a 429 does not."""
        attempts = OutboxItem.attempts + 1 if failed else OutboxItem.attempts
        await self._write(
            update(OutboxItem)
            .where(OutboxItem.id == item_id)
            .values(attempts=attempts, next_attempt_at=when)
        )

    # ---- the bot's messages to a user (for /forget) ------------------------------------
    async def deletable_messages(self, user_key: str) -> list[int]:
        """The bot's messages to this user that Telegram still lets it delete (under 48 h)."""
        since = utcnow() - DELETABLE_FOR
        async with self.sessions() as session:
            rows = await session.execute(
                select(SentMessage.message_id).where(
                    SentMessage.user_pseudonym == user_key, SentMessage.sent_at > since
                )
            )
            return sorted(set(rows.scalars()))

    # ---- erasure and retention ---------------------------------------------------------
    async def erasure_plan(self, user_key: str) -> ErasurePlan:
        """What erasing the person touches: open cases, copies of their messages in
        counsellors' chats (young enough to delete), the bot's deletable messages to them."""
        since = utcnow() - DELETABLE_FOR
        async with self.sessions() as session:
            rows = await session.execute(
                select(CaseRecord).where(CaseRecord.user_pseudonym == user_key)
            )
            cases = list(rows.scalars())
            ids = [c.id for c in cases]
            copies: list[tuple[int, int]] = []
            if ids:
                relayed = await session.execute(
                    select(RelayedMessage.counsellor_chat_id, RelayedMessage.counsellor_message_id)
                    .where(
                        RelayedMessage.case_id.in_(ids),
                        RelayedMessage.direction.in_(
                            [Relay.TO_COUNSELLOR.value, Relay.NOTICE_COUNSELLOR.value]
                        ),
                        RelayedMessage.user_message_id.is_not(None),
                        RelayedMessage.created_at > since,
                    )
                    .order_by(RelayedMessage.id)
                )
                copies = [(int(c), int(m)) for c, m in relayed.all() if c and m]
            sent = await session.execute(
                select(SentMessage.message_id).where(
                    SentMessage.user_pseudonym == user_key, SentMessage.sent_at > since
                )
            )
            return ErasurePlan(
                tuple(to_case(c) for c in cases if c.status in OPEN),
                tuple(copies),
                tuple(sorted(set(sent.scalars()))),
            )

    async def forget_user(self, user_key: str, chat_id: int, then: list[Outgoing]) -> None:
        """Erase the person from every case and the outbox, and write `then` (deletions and
        notices), in one transaction. Nothing of the person still on its way to anyone else is
        sent (their relayed words, the brief with their advert); what is still to be sent to
        them is relabelled an erasure (erased once sent)."""
        async with self.sessions() as session:
            rows = await session.execute(
                select(CaseRecord.id).where(CaseRecord.user_pseudonym == user_key)
            )
            ids = list(rows.scalars())
            to_them = OutboxItem.chat_id == chat_id
            pending = OutboxItem.status == OutboxStatus.PENDING.value
            if ids:
                await session.execute(delete(RelayedMessage).where(RelayedMessage.case_id.in_(ids)))
                await session.execute(
                    delete(OutboxItem).where(OutboxItem.case_id.in_(ids), or_(~pending, ~to_them))
                )
                await session.execute(
                    update(CaseRecord)
                    .where(CaseRecord.id.in_(ids), CaseRecord.status.in_(OPEN))
                    .values(status=Status.CLOSED.value, closed_at=utcnow())
                )
                await session.execute(
                    update(CaseRecord)
                    .where(CaseRecord.id.in_(ids))
                    .values(user_pseudonym=None, user_chat_id=None, shared_advert=None)
                )
            # Sent or held items go, and so do the person's words still on their way to others
            await session.execute(
                delete(OutboxItem).where(
                    or_(OutboxItem.user_pseudonym == user_key, to_them),
                    or_(~pending, ~to_them),
                )
            )
            await session.execute(
                update(OutboxItem)
                .where(to_them, pending)
                .values(relay=Relay.ERASURE.value, user_pseudonym=None, case_id=None)
            )
            await session.execute(delete(SentMessage).where(SentMessage.user_pseudonym == user_key))
            await self._insert_items(session, then)
            await session.commit()

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
                        (OutboxItem.status == OutboxStatus.SENT.value)
                        & (OutboxItem.created_at < utcnow() - dt.timedelta(days=1)),
                        (OutboxItem.status != OutboxStatus.PENDING.value)
                        & (OutboxItem.created_at < cutoff),
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
    async def backlog(self) -> tuple[int, int, dt.datetime | None]:
        """Outbox calls not yet made, requests waiting for a counsellor, and since when the
        oldest of them waits (for the metrics)."""
        async with self.sessions() as session:
            outbox = await session.scalar(
                select(func.count())
                .select_from(OutboxItem)
                .where(OutboxItem.status == OutboxStatus.PENDING.value)
            )
            waiting = (
                await session.execute(
                    select(func.count(), func.min(CaseRecord.waiting_since)).where(
                        CaseRecord.status == Status.WAITING.value
                    )
                )
            ).one()
        oldest = waiting[1]
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=dt.UTC)
        return int(outbox or 0), int(waiting[0] or 0), oldest

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
