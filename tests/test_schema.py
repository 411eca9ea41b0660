"""The schema the migrations make: it matches the models, and every value the code writes into a
length-limited column fits (on PostgreSQL a longer value is an error, not a truncation)."""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum

import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import String, create_engine, inspect

from bot.app import memory
from bot.config import PROJECT_ROOT, WORKER_NAME_CHARS
from bot.content import load_content
from bot.db.database import migrate, sync_url
from bot.db.models import Base, InboxStatus, OutboxStatus
from bot.db.notice_codec import KINDS
from bot.domain import states
from bot.domain.cases import CaseOutcome, Reason, Status, new_tag
from bot.domain.dialogue import UI_LANGUAGES
from bot.domain.notices import Relay
from bot.domain.risk import RiskLevel

PSEUDONYM = hmac.new(b"k" * 32, b"1", hashlib.sha256).hexdigest()
LANGUAGES = (*UI_LANGUAGES, "ru")


def _values(*choices: type[StrEnum] | tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for choice in choices:
        out += [str(v.value) for v in choice] if isinstance(choice, type) else list(choice)
    return out


def _labels() -> list[str]:
    """Every red-flag label (an advert may raise all of them at once)."""
    data = yaml.safe_load((PROJECT_ROOT / "training_data" / "labels.yaml").read_text("utf-8"))
    return [str(label["id"]) for label in data["labels"]]


def _writes() -> dict[tuple[str, str], list[str]]:
    """(table, column) -> the longest values the code can write there."""
    topics = tuple(entry.id for entry in load_content(PROJECT_ROOT / "content").faq)
    return {
        ("users", "pseudonym"): [PSEUDONYM],
        ("users", "language"): list(LANGUAGES),
        ("users", "state"): [states.CHOOSING_LANGUAGE, states.READY, states.AWAITING_ADVERT],
        ("inbox_updates", "status"): _values(InboxStatus),
        ("inbox_updates", "worker"): ["main", "w" * WORKER_NAME_CHARS],
        ("held_items", "pseudonym"): [PSEUDONYM],
        ("held_items", "kind"): [memory.QUESTION, memory.ADVERT],
        ("feedback", "user_pseudonym"): [PSEUDONYM],
        ("feedback", "topic"): list(topics),
        ("feedback", "language"): list(LANGUAGES),
        ("faq_misses", "user_pseudonym"): [PSEUDONYM],
        ("faq_misses", "language"): list(LANGUAGES),
        ("faq_misses", "nearest_topic"): list(topics),
        ("advert_checks", "language"): list(LANGUAGES),
        ("advert_checks", "level"): _values(RiskLevel),
        ("advert_checks", "flags"): [",".join(_labels())],
        ("advert_checks", "source"): ["text", "forward", "link"],
        ("cases", "tag"): [new_tag()],
        ("cases", "user_pseudonym"): [PSEUDONYM],
        ("cases", "status"): _values(Status),
        ("cases", "reason"): _values(Reason),
        ("cases", "language"): list(LANGUAGES),
        ("cases", "outcome"): _values(CaseOutcome),
        ("relayed_messages", "direction"): _values(Relay),
        ("outbox", "kind"): list(KINDS),
        ("outbox", "relay"): _values(Relay),
        ("outbox", "status"): _values(OutboxStatus),
        ("outbox", "user_pseudonym"): [PSEUDONYM],
        ("sent_messages", "user_pseudonym"): [PSEUDONYM],
        ("counsellors", "language"): list(UI_LANGUAGES),
    }


def test_every_value_the_code_writes_fits_its_column(database_url: str) -> None:
    migrate(database_url)
    engine = create_engine(sync_url(database_url))
    try:
        inspector = inspect(engine)
        writes = _writes()
        unlisted, too_long = [], []
        for table in set(inspector.get_table_names()) - {"alembic_version"}:
            for column in inspector.get_columns(table):
                length = getattr(column["type"], "length", None)
                if not isinstance(column["type"], String) or length is None:
                    continue
                values = writes.get((table, column["name"]))
                if values is None:
                    unlisted.append(f"{table}.{column['name']}")
                    continue
                too_long += [
                    f"{table}.{column['name']} ({length}): {v!r}" for v in values if len(v) > length
                ]
        assert unlisted == [], "say what the code writes into these bounded columns"
        assert too_long == []
    finally:
        engine.dispose()


def test_the_migrations_make_exactly_the_schema_of_the_models(database_url: str) -> None:
    migrate(database_url)
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = [
                d
                for d in compare_metadata(context, Base.metadata)
                if not (isinstance(d, tuple) and d[0] in ("add_index", "remove_index"))
            ]
        assert differences == []
    finally:
        engine.dispose()
