"""Conversation states of a job-seeker's chat (diagram: states.mmd beside this file)."""

from __future__ import annotations

CHOOSING_LANGUAGE = "choosing_language"
"""No language saved yet: /start asks for one."""
READY = "ready"
"""Language known: free text is a question for the FAQ; the menu offers the rest."""
AWAITING_ADVERT = "awaiting_advert"
"""After "Check a job offer" (or a too-short advert): the next text is an advert to check."""
