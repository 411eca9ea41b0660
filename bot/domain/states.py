"""Conversation states of a job-seeker's chat (diagram: states.mmd beside this file)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import NamedTuple


class ConversationState(StrEnum):
    """Where a person's chat stands; `None` (stored) is the plain state: ready for anything."""

    CHOOSING_LANGUAGE = "choosing_language"
    """No language saved yet: /start asks for one."""
    READY = "ready"
    """Language known: free text is routed to the reply its kind needs; the menu offers the rest."""
    AWAITING_ADVERT = "awaiting_advert"
    """After "Check a job offer" (or a link it could not open): the next text is an advert."""
    ADVERT_WAIT_ENDED = "advert_wait_ended"
    """Read back, never stored: the wait for an advert outlived `MODE_TIMEOUT`; the next message
    is told so and routed like any other."""


CHOOSING_LANGUAGE = ConversationState.CHOOSING_LANGUAGE
READY = ConversationState.READY
AWAITING_ADVERT = ConversationState.AWAITING_ADVERT
ADVERT_WAIT_ENDED = ConversationState.ADVERT_WAIT_ENDED


class Standing(NamedTuple):
    """What is stored of a person's chat: language, mode and since when, and when they were
    told that Russian is answered in Ukrainian."""

    language: str | None = None
    state: str | None = None
    state_since: dt.datetime | None = None
    language_noted_at: dt.datetime | None = None


MODE_TIMEOUT = dt.timedelta(minutes=30)
"""A wait for an advert ends after this long without one."""
CONFIRM_TIMEOUT = dt.timedelta(minutes=15)
"""A question waiting for "yes" (erase everything, connect me to a counsellor) ends after this."""
CONVERSATION_GAP = dt.timedelta(hours=24)
"""After this long without a note, a conversation is new (the Russian note is shown again)."""


def current(state: str | None, since: dt.datetime | None, now: dt.datetime) -> str | None:
    """The state in force now: a wait for an advert that began too long ago (or at an unknown
    time) reads as ended."""
    if state == AWAITING_ADVERT and (since is None or now - since > MODE_TIMEOUT):
        return ADVERT_WAIT_ENDED
    return state


def noted_recently(noted_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether the person was told in this conversation that Russian is answered in Ukrainian."""
    return noted_at is not None and now - noted_at <= CONVERSATION_GAP
