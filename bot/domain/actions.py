"""What a button sends back: one typed action per kind, and its wire format.

Telegram returns a button's callback data (1-64 bytes) when it is pressed. Every button the bot
makes is built with `encode`, and every press is read with `decode`; `KINDS` is the one table
of prefixes. The wire format is the one buttons already sent to people carry, so it must not
change: `tests/test_actions.py` pins it.

Pure: the standard library and the domain's own values only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Generic, TypeVar

from bot.domain.cases import CaseOutcome, Reason

MAX_CALLBACK_BYTES = 64
"""Telegram's limit for a button's callback data, in UTF-8 bytes."""
ENTRY_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""An FAQ entry id as content allows it (lower-case words joined by '-')."""
MAX_CASE_ID = 2**31 - 1
"""Case ids are a 32-bit column."""
MAX_MESSAGE_ID = 2**63 - 1


class MenuItem(StrEnum):
    """The main menu's choices."""

    ASK = "ask"
    CHECK = "check"
    COUNSELLOR = "counsellor"
    HOTLINES = "hotlines"


HANDOFF_REASONS: dict[str, Reason] = {
    "advert": Reason.RISKY_ADVERT,
    "faq_miss": Reason.FAQ_MISS,
    "emergency": Reason.EMERGENCY,
    "asked": Reason.USER_ASKED,
}
"""The wire names of the reasons a "talk to a counsellor" button carries."""


# ---- the actions (a person's) ---------------------------------------------------------------
@dataclass(frozen=True)
class ChooseLanguage:
    """`lang:<code>`: the language question."""

    lang: str


@dataclass(frozen=True)
class OpenMenu:
    """`menu:<item>`: a choice of the main menu."""

    item: MenuItem


@dataclass(frozen=True)
class AskCounsellor:
    """`handoff:<reason>`: "talk to a counsellor" under a card, a miss or an emergency."""

    reason: Reason


@dataclass(frozen=True)
class ShareQuestion:
    """`share:miss`: share the question the bot could not answer."""


@dataclass(frozen=True)
class Consent:
    """`ho:yes` / `ho:no`: agree to share with a counsellor, or not."""

    agree: bool


@dataclass(frozen=True)
class EndCase:
    """`end`: end the conversation with a counsellor (the presser's own open case)."""


@dataclass(frozen=True)
class RateCase:
    """`hf:<case id>:<1|0>`: was the counsellor's help useful (case-scoped: its person only)."""

    case_id: int
    useful: bool


@dataclass(frozen=True)
class ConfirmForget:
    """`forget:yes` / `forget:no`: the answer to /forget's question."""

    erase: bool


@dataclass(frozen=True)
class ShowAnswer:
    """`faq:<entry id>`: one of the suggested answers."""

    entry: str


@dataclass(frozen=True)
class RateAnswer:
    """`fb:<entry id>:<1|0>`: was an answer helpful."""

    entry: str
    helpful: bool


@dataclass(frozen=True)
class RiskDetails:
    """`risk:details`: every warning sign of the advert just checked (held a few minutes)."""


# ---- the actions (a counsellor's) -----------------------------------------------------------
@dataclass(frozen=True)
class TakeCase:
    """`take:<case id>`: "Take" on a card in the counsellors' group (any counsellor)."""

    case_id: int


@dataclass(frozen=True)
class CloseCase:
    """`close:<case id>:<outcome>`: the outcome of a case (its counsellor only)."""

    case_id: int
    outcome: CaseOutcome


@dataclass(frozen=True)
class SendTo:
    """`to:<case id>:<message id>`: which case a message is for (its counsellor only)."""

    case_id: int
    message_id: int


PersonAction = (
    ChooseLanguage
    | OpenMenu
    | AskCounsellor
    | ShareQuestion
    | Consent
    | EndCase
    | RateCase
    | ConfirmForget
    | ShowAnswer
    | RateAnswer
    | RiskDetails
)
StaffAction = TakeCase | CloseCase | SendTo
Action = PersonAction | StaffAction


# ---- the wire format ------------------------------------------------------------------------
T = TypeVar("T")


@dataclass(frozen=True)
class Field(Generic[T]):
    """How one field of an action is written between the colons."""

    parse: Callable[[str], T | None]
    write: Callable[[T], str]


def _number(limit: int) -> Field[int]:
    def parse(text: str) -> int | None:
        # ASCII digits, no sign, no leading zero: exactly what `write` produces
        if not re.fullmatch(r"[1-9][0-9]{0,18}", text):
            return None
        value = int(text)
        return value if value <= limit else None

    def write(value: int) -> str:
        return str(value)

    return Field(parse, write)


def _choice(table: dict[str, T]) -> Field[T]:
    names = {value: name for name, value in table.items()}
    return Field(table.get, lambda value: names[value])


def _pattern(regex: re.Pattern[str]) -> Field[str]:
    return Field(lambda text: text if regex.fullmatch(text) else None, lambda value: value)


CASE_ID = _number(MAX_CASE_ID)
MESSAGE_ID = _number(MAX_MESSAGE_ID)
VOTE = _choice({"1": True, "0": False})
YES_NO = _choice({"yes": True, "no": False})
ENTRY = _pattern(ENTRY_ID)
LANGUAGE = _pattern(re.compile(r"[a-z]{2}"))
"""Which languages the bot speaks is the dialogue's to say; here, two letters."""


@dataclass(frozen=True)
class Kind:
    """One kind of button: its fixed head (e.g. `hf`, `share:miss`) and its fields in order."""

    head: str
    action: type[Any]
    fields: tuple[Field[Any], ...] = ()


KINDS: tuple[Kind, ...] = (
    Kind("lang", ChooseLanguage, (LANGUAGE,)),
    Kind("menu", OpenMenu, (_choice({m.value: m for m in MenuItem}),)),
    Kind("handoff", AskCounsellor, (_choice(HANDOFF_REASONS),)),
    Kind("share:miss", ShareQuestion),
    Kind("ho", Consent, (YES_NO,)),
    Kind("end", EndCase),
    Kind("hf", RateCase, (CASE_ID, VOTE)),
    Kind("forget", ConfirmForget, (YES_NO,)),
    Kind("faq", ShowAnswer, (ENTRY,)),
    Kind("fb", RateAnswer, (ENTRY, VOTE)),
    Kind("risk:details", RiskDetails),
    Kind("take", TakeCase, (CASE_ID,)),
    Kind("close", CloseCase, (CASE_ID, _choice({o.value: o for o in CaseOutcome}))),
    Kind("to", SendTo, (CASE_ID, MESSAGE_ID)),
)
"""The one table of button kinds: prefix, action, fields (joined by ':')."""

_BY_PREFIX = {kind.head.split(":", 1)[0]: kind for kind in KINDS}
_BY_TYPE = {kind.action: kind for kind in KINDS}
assert len(_BY_PREFIX) == len(_BY_TYPE) == len(KINDS), "prefixes and actions must be unique"

STAFF_KINDS = (TakeCase, CloseCase, SendTo)
STAFF_PATTERN = "^(" + "|".join(_BY_TYPE[k].head for k in STAFF_KINDS) + "):"
"""The callback data of counsellors' buttons, as a regex (routes them to the staff handler)."""


def encode(action: Action) -> str:
    """The callback data of an action; ValueError if it would not decode back to it (a field
    Telegram or `decode` would not carry) or would pass Telegram's 64 bytes."""
    kind = _BY_TYPE.get(type(action))
    if kind is None:
        raise ValueError(f"not a button action: {action!r}")
    values = [getattr(action, f.name) for f in fields(action)]
    try:
        written = [field.write(v) for field, v in zip(kind.fields, values, strict=True)]
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{action!r} cannot be carried by a button") from exc
    data = ":".join([kind.head, *written])
    size = len(data.encode("utf-8"))
    if size > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data is {size} bytes; Telegram allows {MAX_CALLBACK_BYTES}")
    if decode(data) != action:
        raise ValueError(f"{action!r} cannot be carried by a button")
    return data


def decode(data: str | None) -> Action | None:
    """The action of callback data; None for anything unknown, malformed, stale or too long.
    Never raises."""
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_CALLBACK_BYTES:
        return None
    parts = data.split(":")
    kind = _BY_PREFIX.get(parts[0])
    if kind is None:
        return None
    head = kind.head.split(":")
    if parts[: len(head)] != head or len(parts) != len(head) + len(kind.fields):
        return None
    values = []
    for field, text in zip(kind.fields, parts[len(head) :], strict=True):
        value = field.parse(text)
        if value is None:
            return None
        values.append(value)
    action: Action = kind.action(*values)
    return action


__all__ = [
    "HANDOFF_REASONS",
    "KINDS",
    "MAX_CALLBACK_BYTES",
    "STAFF_PATTERN",
    "Action",
    "AskCounsellor",
    "ChooseLanguage",
    "CloseCase",
    "ConfirmForget",
    "Consent",
    "EndCase",
    "MenuItem",
    "OpenMenu",
    "PersonAction",
    "RateAnswer",
    "RateCase",
    "RiskDetails",
    "SendTo",
    "ShareQuestion",
    "ShowAnswer",
    "StaffAction",
    "TakeCase",
    "decode",
    "encode",
]
