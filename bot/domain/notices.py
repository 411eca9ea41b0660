"""What the bot sends, as typed values: the core decides these, the Telegram adapter sends them.

A notice says *what* goes out (a text with buttons, a copy of someone's message, new text for a
case's card, a deletion); `Outgoing` says *where*, what it stands for (`Relay`) and the key that
makes writing it twice harmless. Nothing here knows a Bot API method name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.dialogue_types import Button, Reply

Rows = tuple[tuple[Button, ...], ...]
"""Rows of inline buttons."""


class Relay(StrEnum):
    """What an outgoing message stands for, so that its result can be remembered and reported."""

    REPLY = "reply"
    """The bot's own reply to a person."""
    STAFF_REPLY = "staff_reply"
    """The bot's own reply to a counsellor (a command's answer)."""
    CARD = "card"
    CARD_EDIT = "card_edit"
    TO_COUNSELLOR = "to_counsellor"
    NOTICE_COUNSELLOR = "notice_counsellor"
    TO_USER = "to_user"
    NOTICE_USER = "notice_user"
    DELETE = "delete"
    ERASURE = "erasure"
    """Sent for /forget (the confirmation, deletions); the item is erased once sent."""


ERASED_WHEN_SENT = frozenset({Relay.DELETE, Relay.ERASURE})
"""Items that leave no row once sent: nothing about them is needed afterwards."""
TO_COUNSELLOR = frozenset({Relay.TO_COUNSELLOR, Relay.NOTICE_COUNSELLOR, Relay.STAFF_REPLY})
"""Relays that go to a counsellor's private chat."""
TO_PERSON = frozenset({Relay.TO_USER, Relay.NOTICE_USER, Relay.REPLY})
"""Relays that go to the person."""


@dataclass(frozen=True)
class Say:
    """A message: Telegram HTML text, rows of buttons; `protect` forbids forwarding and saving."""

    text: str
    buttons: Rows = ()
    protect: bool = False


@dataclass(frozen=True)
class Copy:
    """A copy of a message from another chat, without its sender (media, stickers, a
    counsellor's words); `caption` (HTML) replaces a media caption."""

    from_chat_id: int
    message_id: int
    caption: str | None = None
    protect: bool = False


@dataclass(frozen=True)
class EditCard:
    """New text for the case's card in the counsellors' group (found when it is sent)."""

    text: str


@dataclass(frozen=True)
class Delete:
    """Delete one of the bot's messages, or a copy it made."""

    message_id: int


Notice = Say | Copy | EditCard | Delete


@dataclass(frozen=True)
class Outgoing:
    """A notice for one chat, written to the outbox before it is sent.

    `key` makes it idempotent (a replayed update writes nothing twice); `held` keeps it until
    a counsellor takes the case; `source` is the message it relays; `owner` is the person
    (pseudonym) a reply goes to, so that /forget can delete it later.
    """

    key: str
    chat_id: int
    notice: Notice
    relay: Relay
    case_id: int | None = None
    source: int | None = None
    owner: str | None = None
    held: bool = False


@dataclass(frozen=True)
class Queued:
    """An outbox item due to be sent, as the sender sees it."""

    id: int
    chat_id: int
    notice: Notice
    relay: Relay | None
    case_id: int | None
    source: int | None
    owner: str | None
    attempts: int
    next_attempt_at: dt.datetime


def replies_to(
    chat_id: int,
    replies: list[Reply],
    key: str,
    *,
    owner: str | None = None,
    relay: Relay = Relay.REPLY,
) -> list[Outgoing]:
    """Outgoing messages for replies to one chat; `key` (e.g. from the update) numbers them."""
    return [
        Outgoing(f"{key}:{n}", chat_id, Say(reply.text, reply.buttons), relay, owner=owner)
        for n, reply in enumerate(replies)
    ]
