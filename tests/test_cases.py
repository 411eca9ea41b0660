"""The case lifecycle (pure) and its storage, including two counsellors taking one case."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.db.cases_repo import CaseRepository
from bot.db.database import make_async_engine, make_sessionmaker, migrate
from bot.domain.cases import (
    CaseOutcome,
    IllegalTransition,
    Reason,
    SharedAdvert,
    Status,
    WorkingHours,
    is_emergency,
    open_case,
    transition,
    waiting_time,
)
from bot.domain.notices import Copy, Outgoing, Relay, Say

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
async def repo(database_url: str) -> AsyncIterator[CaseRepository]:
    """The case repository on a fresh, migrated database."""
    migrate(database_url)
    engine = make_async_engine(database_url)
    yield CaseRepository(make_sessionmaker(engine))
    await engine.dispose()


def test_a_case_goes_from_request_to_close() -> None:
    case = open_case(Reason.RISKY_ADVERT, "uk", NOW)
    case = transition(case, Status.WAITING, NOW)
    case = transition(case, Status.ASSIGNED, NOW + dt.timedelta(minutes=7), counsellor_id=11)
    assert waiting_time(case, NOW + dt.timedelta(hours=1)) == dt.timedelta(minutes=7)
    case = transition(
        case, Status.CLOSED, NOW + dt.timedelta(hours=1), outcome=CaseOutcome.REFERRED_527
    )
    assert (case.status, case.outcome) == (Status.CLOSED, CaseOutcome.REFERRED_527)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (Status.REQUESTED, Status.ASSIGNED),
        (Status.CLOSED, Status.WAITING),
        (Status.CLOSED, Status.ASSIGNED),
        (Status.WAITING, Status.REQUESTED),
    ],
)
def test_illegal_transitions_are_refused(start: Status, to: Status) -> None:
    case = open_case(Reason.USER_ASKED, "en", NOW)
    path = {Status.REQUESTED: [], Status.WAITING: [Status.WAITING], Status.CLOSED: [Status.CLOSED]}[
        start
    ]
    for step in path:
        case = transition(case, step, NOW)
    with pytest.raises(IllegalTransition):
        transition(case, to, NOW, counsellor_id=1)


def test_a_transfer_puts_the_case_back_in_the_queue_without_a_counsellor() -> None:
    case = transition(
        transition(open_case(Reason.FAQ_MISS, "uk", NOW), Status.WAITING, NOW),
        Status.ASSIGNED,
        NOW,
        counsellor_id=5,
    )
    back = transition(case, Status.WAITING, NOW + dt.timedelta(minutes=3))
    assert back.counsellor_id is None and back.status is Status.WAITING


@pytest.mark.parametrize(
    "text",
    [
        "вони забрали мій паспорт і мене не випускають",
        "мене не випускають з гуртожитку",
        "нас тримають на фермі і погрожують",
        "у меня забрали паспорт и не выпускают",
        "they took my passport and won't let me leave",
        "I am trapped, help",
    ],
)
def test_words_of_immediate_danger_are_recognised(text: str) -> None:
    assert is_emergency(text)


@pytest.mark.parametrize(
    "text",
    [
        "чи можна віддати паспорт роботодавцю",
        "how do I check an agency",
        "де шукати роботу в Польщі",
    ],
)
def test_ordinary_questions_are_not_emergencies(text: str) -> None:
    assert not is_emergency(text)


def test_working_hours_follow_the_configured_time_zone() -> None:
    from zoneinfo import ZoneInfo

    hours = WorkingHours(frozenset(range(5)), dt.time(9), dt.time(18), ZoneInfo("Europe/Kyiv"))
    assert hours.open_at(dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC))  # Monday 10:00 Kyiv
    assert not hours.open_at(dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC))  # 19:00 Kyiv
    assert not hours.open_at(dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC))  # Sunday


async def test_two_counsellors_taking_one_case_at_once_get_exactly_one_winner(
    repo: CaseRepository,
) -> None:
    for round_ in range(5):
        case = transition(
            open_case(Reason.USER_ASKED, "uk", NOW, tag=f"T{round_}"), Status.WAITING, NOW
        )
        record = await repo.create(case, "user", 1, None)
        wins = await asyncio.gather(
            *(
                repo.move(record.id, Status.WAITING, Status.ASSIGNED, counsellor_id=c)
                for c in (101, 102, 103, 104)
            )
        )
        assert sum(wins) == 1
        stored = await repo.get(record.id)
        assert stored is not None and stored.status == "assigned"
        assert stored.counsellor_id == (101, 102, 103, 104)[wins.index(True)]


async def test_the_repository_refuses_a_move_the_lifecycle_does_not_allow(
    repo: CaseRepository,
) -> None:
    case = transition(open_case(Reason.USER_ASKED, "uk", NOW, tag="ILL01"), Status.WAITING, NOW)
    record = await repo.create(case, "user", 1, None)
    await repo.move(record.id, Status.WAITING, Status.CLOSED, outcome=CaseOutcome.OTHER)
    with pytest.raises(IllegalTransition):
        await repo.move(record.id, Status.CLOSED, Status.ASSIGNED, counsellor_id=101)
    with pytest.raises(IllegalTransition):  # assigned needs a counsellor
        await repo.move(record.id, Status.WAITING, Status.ASSIGNED)
    stored = await repo.get(record.id)
    assert stored is not None and stored.status == "closed" and stored.counsellor_id is None


async def _relayed(
    repo: CaseRepository, case_id: int, counsellor: int, user_message: int, copy: int
) -> None:
    """The person's message user_message was relayed to the counsellor as message copy."""
    copied = Copy(42, user_message, protect=True)
    await repo.enqueue(
        [
            Outgoing(
                f"u{case_id}:{user_message}",
                counsellor,
                copied,
                Relay.TO_COUNSELLOR,
                case_id=case_id,
                source=user_message,
            )
        ]
    )
    [item] = [i for i in await repo.pending_outbox() if i.case_id == case_id]
    await repo.mark_sent(item, copy)


async def test_retention_purges_closed_cases_messages_and_keeps_anonymous_statistics(
    repo: CaseRepository,
) -> None:
    case = transition(open_case(Reason.RISKY_ADVERT, "uk", NOW, tag="OLD01"), Status.WAITING, NOW)
    record = await repo.create(case, "person", 42, SharedAdvert("high", "advert"))
    await repo.move(record.id, Status.WAITING, Status.ASSIGNED, counsellor_id=7)
    await _relayed(repo, record.id, 7, 10, 11)
    await repo.move(record.id, Status.ASSIGNED, Status.CLOSED, outcome=CaseOutcome.OTHER)
    fresh = await repo.create(open_case(Reason.USER_ASKED, "en", NOW, tag="NEW01"), "p2", 43, None)
    await _relayed(repo, fresh.id, 8, 12, 13)
    await repo.set_fields(record.id, closed_at=NOW - dt.timedelta(days=40))
    assert await repo.purge(dt.timedelta(days=30)) == 1
    old = await repo.get(record.id)
    assert old is not None
    assert (old.user_pseudonym, old.user_chat_id, old.shared_advert) == (None, None, None)
    assert (old.reason, old.outcome, old.language) == ("risky_advert", "other", "uk")
    assert await repo.case_of_counsellor_message(7, 11) is None
    assert await repo.counsellor_copy_of(fresh.id, 12) == 13  # open cases are untouched


async def test_forget_drops_the_persons_words_still_on_their_way_and_writes_its_notices(
    repo: CaseRepository,
) -> None:
    case = transition(open_case(Reason.USER_ASKED, "en", NOW, tag="FGT01"), Status.WAITING, NOW)
    record = await repo.create(case, "person", 42, None)
    await repo.move(record.id, Status.WAITING, Status.ASSIGNED, counsellor_id=7)
    words = Outgoing("u1:0", 7, Say("#FGT01 ▸ my employer took my passport"), Relay.TO_COUNSELLOR)
    reply = Outgoing("r1:0", 42, Say("a reply on its way"), Relay.REPLY, owner="person")
    await repo.enqueue([replace(words, case_id=record.id), reply])
    plan = await repo.erasure_plan("person")
    assert [c.id for c in plan.open_cases] == [record.id]
    told = Outgoing("forget:1", 7, Say("the person erased their data"), Relay.NOTICE_COUNSELLOR)
    await repo.forget_user("person", 42, then=[told])
    left = {item.chat_id: item for item in await repo.pending_outbox()}
    assert left[7].notice == told.notice  # the notice, not the person's words
    assert left[42].relay is Relay.ERASURE and left[42].owner is None
    erased = await repo.get(record.id)
    assert erased is not None and erased.status is Status.CLOSED and erased.user_pseudonym is None
