"""Database tables. Users are stored under a keyed-hash pseudonym, never by Telegram id."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every database (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(
        self, value: dt.datetime | None, dialect: object
    ) -> dt.datetime | None:
        """Attach UTC to what SQLite returns without a time zone."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class InboxStatus(StrEnum):
    """Where an incoming update is: recorded, handled, or given up on."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class OutboxStatus(StrEnum):
    """Where a Bot API call of the outbox is."""

    PENDING = "pending"
    """To be sent, in order per chat."""
    HELD = "held"
    """Written while the case waits for a counsellor; released when one takes it."""
    BLOCKED = "blocked"
    """The counsellor cannot be reached in private yet; re-sent once they start the bot."""
    SENT = "sent"
    FAILED = "failed"


class Base(DeclarativeBase):
    """Base of every table."""


def utcnow() -> dt.datetime:
    """Now, in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class User(Base):
    """A person who talked to the bot: pseudonym and chosen language only."""

    __tablename__ = "users"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str | None] = mapped_column(String(8))
    state: Mapped[str | None] = mapped_column(String(32))
    state_since: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    """When the mode began (a wait for an advert ends after `states.MODE_TIMEOUT`)."""
    language_noted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    """When the person was last told that Russian is answered in Ukrainian."""
    created_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), default=utcnow, server_default=func.now()
    )
    last_seen_at: Mapped[dt.datetime] = mapped_column(
        UtcDateTime(), default=utcnow, server_default=func.now()
    )


class InboxUpdate(Base):
    """An incoming Telegram update, recorded before it is handled (durable and idempotent).

    The raw update is kept only while it is pending, so a crash can be recovered; it is erased
    as soon as the update has been handled.
    """

    __tablename__ = "inbox_updates"
    __table_args__ = (Index("ix_inbox_updates_lane", "status", "chat_key", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    chat_key: Mapped[int | None] = mapped_column(BigInteger)
    """The lane: updates of one chat are handled one at a time, in order (pending only)."""
    lease_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    """Until when the worker that claimed the update holds it (then another may)."""
    worker: Mapped[str | None] = mapped_column(String(64))
    """The name of the worker that claimed it: restarted under that name, it takes its
    updates back at once instead of waiting for the lease to run out."""


class Feedback(Base):
    """A 👍/👎 on an answer: topic and vote, no text."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_pseudonym: Mapped[str | None] = mapped_column(String(64), index=True)
    topic: Mapped[str] = mapped_column(String(64), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    language: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class FaqMissRecord(Base):
    """A question the bot could not answer: language and nearest topic; text only if shared."""

    __tablename__ = "faq_misses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_pseudonym: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8))
    nearest_topic: Mapped[str | None] = mapped_column(String(64))
    shared_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AdvertCheck(Base):
    """One advert checked: language, level, flags, and whether it came as text or link.

    No text, no user: only what anonymous statistics need.
    """

    __tablename__ = "advert_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    language: Mapped[str] = mapped_column(String(8))
    level: Mapped[str] = mapped_column(String(8))
    flags: Mapped[str] = mapped_column(String(512))
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CaseRecord(Base):
    """A hand-off to a counsellor. The chat id is kept only while the case is open."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tag: Mapped[str] = mapped_column(String(12), unique=True)
    user_pseudonym: Mapped[str | None] = mapped_column(String(64), index=True)
    user_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    counsellor_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    shared_advert: Mapped[str | None] = mapped_column(Text)
    group_message_id: Mapped[int | None] = mapped_column(BigInteger)
    outcome: Mapped[str | None] = mapped_column(String(24))
    person_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    useful: Mapped[bool | None] = mapped_column(Boolean)
    requested_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    waiting_since: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class RelayedMessage(Base):
    """Which counsellor-side message stands for which user-side message, both ways."""

    __tablename__ = "relayed_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(32))
    user_message_id: Mapped[int | None] = mapped_column(BigInteger)
    counsellor_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    """Message ids are per chat: the counsellor's chat the message is in."""
    counsellor_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OutboxItem(Base):
    """A notice to send, written before it is sent, sent in order per chat."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(Text, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    """What the notice is: say, copy, edit_card, delete (bot/db/notice_codec.py)."""
    payload: Mapped[str] = mapped_column(Text)
    relay: Mapped[str | None] = mapped_column(String(32))
    user_pseudonym: Mapped[str | None] = mapped_column(String(64))
    """The person a reply goes to, so /forget can delete it from the chat later."""
    source_message_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    result_message_id: Mapped[int | None] = mapped_column(BigInteger)


class SentMessage(Base):
    """A message the bot sent to a user, kept 48 h so /forget can delete it from the chat."""

    __tablename__ = "sent_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_pseudonym: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[int] = mapped_column(BigInteger)
    sent_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CounsellorSelection(Base):
    """The case a counsellor's plain messages go to."""

    __tablename__ = "counsellor_selection"

    counsellor_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))


class Counsellor(Base):
    """A counsellor the bot has met: whether it can write to them in private, and their language.

    Counsellors are staff; their Telegram id is kept so the bot can reach them.
    """

    __tablename__ = "counsellors"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8))
    reachable: Mapped[bool] = mapped_column(Boolean)
    seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)


class HeldItem(Base):
    """What a person may still share for a few minutes (a question, an advert awaiting
    consent), sealed; any worker reads it, and it is erased at expiry."""

    __tablename__ = "held_items"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    sealed: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
