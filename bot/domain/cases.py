"""The lifecycle of a hand-off to a counsellor, as pure values (diagram: cases.mmd)."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass, replace
from enum import StrEnum


class Status(StrEnum):
    """Where a case is."""

    REQUESTED = "requested"
    WAITING = "waiting"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class Reason(StrEnum):
    """Why the person asked for a human."""

    FAQ_MISS = "faq_miss"
    RISKY_ADVERT = "risky_advert"
    USER_ASKED = "user_asked"
    EMERGENCY = "emergency"


class CaseOutcome(StrEnum):
    """How a case ended."""

    ADVICE_GIVEN = "advice_given"
    REFERRED_527 = "referred_527"
    REFERRED_1547 = "referred_1547"
    REFERRED_POLICE = "referred_police"
    REFERRED_CONSULATE = "referred_consulate"
    NO_RESPONSE = "no_response"
    OTHER = "other"


ALLOWED = {
    Status.REQUESTED: frozenset({Status.WAITING, Status.CLOSED}),
    Status.WAITING: frozenset({Status.ASSIGNED, Status.CLOSED}),
    Status.ASSIGNED: frozenset({Status.WAITING, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


class IllegalTransition(Exception):
    """A case cannot move that way."""


@dataclass(frozen=True)
class SharedFlag:
    """A red flag of an advert the person agreed to share, with the words that carry it."""

    id: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class SharedAdvert:
    """The advert a person shares with the counsellor (with their consent): level, text, flags."""

    level: str
    text: str
    flags: tuple[SharedFlag, ...] = ()


def advert_json(advert: SharedAdvert) -> str:
    """A shared advert as JSON (how it is stored with a case, or held awaiting consent)."""
    flags = [{"id": f.id, "evidence": list(f.evidence)} for f in advert.flags]
    body = {"level": advert.level, "text": advert.text, "flags": flags}
    return json.dumps(body, ensure_ascii=False)


def advert_from_json(stored: str) -> SharedAdvert:
    """The shared advert that `advert_json` wrote."""
    data = json.loads(stored)
    flags = tuple(
        SharedFlag(str(f["id"]), tuple(str(e) for e in f.get("evidence", [])))
        for f in data.get("flags", [])
    )
    return SharedAdvert(str(data.get("level", "")), str(data.get("text", "")), flags)


@dataclass(frozen=True)
class Case:
    """A case: where it is in the lifecycle, and what the hand-off needs to know of it.

    `id` is 0 until it is stored; the person's pseudonym and chat are erased by /forget (and
    the chat when the case closes), so nobody owns an erased case.
    """

    tag: str
    status: Status
    reason: Reason
    language: str
    requested_at: dt.datetime
    counsellor_id: int | None = None
    waiting_since: dt.datetime | None = None
    assigned_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    outcome: CaseOutcome | None = None
    id: int = 0
    user_pseudonym: str | None = None
    user_chat_id: int | None = None
    shared_advert: SharedAdvert | None = None
    person_blocked: bool = False
    useful: bool | None = None
    """Whether the person found the help useful (asked when it ends)."""

    @property
    def is_open(self) -> bool:
        """Not closed."""
        return self.status is not Status.CLOSED


@dataclass(frozen=True)
class ErasurePlan:
    """What erasing a person touches, read before the erasure: their open cases, the copies of
    their messages in counsellors' chats as (chat, message), the bot's messages to them that
    can still be deleted."""

    open_cases: tuple[Case, ...] = ()
    copies: tuple[tuple[int, int], ...] = ()
    deletable: tuple[int, ...] = ()


@dataclass(frozen=True)
class StaffMember:
    """A counsellor as the bot knows them: whether it can write to them, and their language."""

    telegram_id: int
    language: str
    reachable: bool


def new_tag() -> str:
    """A short tag counsellors can type (no 0/O or 1/I confusion)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(5))


def open_case(reason: Reason, language: str, now: dt.datetime, tag: str | None = None) -> Case:
    """A new case, requested (not yet agreed to by the user)."""
    return Case(tag or new_tag(), Status.REQUESTED, reason, language, now)


def move_fields(
    current: Status,
    to: Status,
    now: dt.datetime,
    *,
    counsellor_id: int | None = None,
    outcome: CaseOutcome | None = None,
) -> dict[str, object]:
    """The fields a move sets (the one statement of the lifecycle's rules, applied by
    `transition` and by the repository); IllegalTransition if the lifecycle does not allow it."""
    if to not in ALLOWED[current]:
        raise IllegalTransition(f"a {current.value} case cannot become {to.value}")
    if to is Status.WAITING:
        return {"status": to, "waiting_since": now, "counsellor_id": None, "assigned_at": None}
    if to is Status.ASSIGNED:
        if counsellor_id is None:
            raise IllegalTransition("a case is assigned to a counsellor")
        return {"status": to, "counsellor_id": counsellor_id, "assigned_at": now}
    return {"status": to, "closed_at": now, "outcome": outcome}


def transition(
    case: Case,
    to: Status,
    now: dt.datetime,
    *,
    counsellor_id: int | None = None,
    outcome: CaseOutcome | None = None,
) -> Case:
    """Move a case; IllegalTransition if the lifecycle does not allow it."""
    fields = move_fields(case.status, to, now, counsellor_id=counsellor_id, outcome=outcome)
    return replace(case, **fields)  # type: ignore[arg-type]


def waiting_time(case: Case, now: dt.datetime) -> dt.timedelta | None:
    """How long the person has waited (so far, or until a counsellor took the case)."""
    if case.waiting_since is None:
        return None
    return (case.assigned_at or now) - case.waiting_since


_DANGER = re.compile(
    "|".join(
        (
            # Ukrainian
            r"не випуска\w*",
            r"не відпуска\w*",
            r"замкн\w+",
            r"зачин\w+ (нас|мене)",
            r"б'ють",
            r"побили",
            r"погрожу\w+",
            r"тримають (мене|нас)",
            r"(мене|нас|її|його|їх) тримають",
            r"тримають силою",
            r"не можу (піти|втекти|виїхати)",
            r"допоможіть,? (мене|нас)",
            # Russian
            r"не выпуска\w*",
            r"не отпуска\w*",
            r"заперл\w*",
            r"бьют",
            r"избили",
            r"угрожа\w+",
            r"держат (меня|нас)",
            r"(меня|нас|ее|его|их) держат",
            r"держат силой",
            r"не могу (уйти|сбежать|уехать)",
            r"держат (ее|его|их|в)\w*",
            r"избил\w*",
            r"везут (нас|их|куда)",
            r"везуть (нас|їх|невідомо)",
            r"тримають (її|його|їх|в)\w*",
            r"ne vypuska\w*",
            r"trymayut",
            r"ходить охоронець|стоїть охоронець",
            r"(охоронець|охранник) (ходить|стежить|следит|стоїть|стоит)",
            r"(за нами|за мною|за мной|за нею|за ней) (постійно )?"
            r"(стежать|стежить|следят|следит|ходить|ходят)",
            r"не (дають|дают|пускають|пускают) (нам |мені |мне |нас )?"
            r"(вийти|выйти|піти|уйти|виходити|выходить)",
            r"(зачинили|заперли|закрили) (нас|мене|меня)",
            r"(нас|їх|их) (перевозять|перевозят|везуть|везут)",
            r"(за дверима|за дверью) (стоїть|стоит|стоять|стоят)",
            r"(знайде|найдет) (його|її|їх|тебе|его|ее|их)",
            # English
            r"won'?t let (me|us) (leave|go|out)",
            r"not letting (me|us|them|her|him) (out|go|leave)",
            r"(will|gonna|going to) (hurt|kill|break)",
            r"knows where i live",
            r"(outside|at) (my|our) door",
            r"guards? (at|by) (the|our|my) door|guards? (watch|follow)\w*",
            r"(following|watching) (me|us)\b",
            r"locked (in|up)\b|locked (container|room)",
            r"(won'?t|don'?t|doesn'?t|do not|does not) let (her|him|them|anyone|us|me) "
            r"(leave|go|out|walk)",
            r"(moving|taking) us (to|somewhere)",
            r"(have|has|with) (guns|a gun|weapons)",
            r"(can'?t|cannot) leave",
            r"locked (me|us) in",
            r"beat(ing|en)? (me|us)",
            r"threaten\w*",
            r"held against",
            r"trapped",
        )
    ),
    re.IGNORECASE,
)


def is_emergency(text: str) -> bool:
    """Words of immediate danger: confinement, violence, threats ("мене не випускають").

    A taken passport alone is not here: the FAQ answers it with what to do and whom to call.
    """
    return bool(_DANGER.search(text.replace("’", "'").replace("ʼ", "'")))


@dataclass(frozen=True)
class WorkingHours:
    """When counsellors answer: weekdays (0 = Monday) and a daily window in a time zone."""

    days: frozenset[int]
    start: dt.time
    end: dt.time
    tz: dt.tzinfo

    def open_at(self, moment: dt.datetime) -> bool:
        """Whether counsellors are working at that moment."""
        local = moment.astimezone(self.tz)
        return local.weekday() in self.days and self.start <= local.time() < self.end
