"""Conversation states of a job-seeker's chat (diagram: states.mmd beside this file)."""

from __future__ import annotations

CHOOSING_LANGUAGE = "choosing_language"
"""No language saved yet: /start asks for one."""
READY = "ready"
"""Language known: free text is a question for the FAQ; the menu offers the rest."""


def state_for(language: str | None) -> str:
    """The state a user is in, derived from what is stored."""
    return READY if language else CHOOSING_LANGUAGE
