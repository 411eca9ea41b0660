"""The language rules, in one place: which languages the bot speaks, and which one a person or
a counsellor is answered in."""

from __future__ import annotations

UI_LANGUAGES = ("uk", "en")
"""The languages every text exists in (Russian is understood and answered in Ukrainian)."""
DEFAULT_LANGUAGE = "uk"


def ui_language(saved: str | None) -> str:
    """The language to answer a person in: the one they chose, else Ukrainian."""
    return saved if saved in UI_LANGUAGES else DEFAULT_LANGUAGE


def known_language(saved: str | None) -> str | None:
    """The person's chosen language, or None when they have not chosen one we speak."""
    return saved if saved in UI_LANGUAGES else None


def staff_language(telegram_code: str | None) -> str:
    """The language of counsellor-facing texts: English when the counsellor's Telegram is set
    to English, else Ukrainian (the hotline's working language)."""
    return "en" if (telegram_code or "").lower().startswith("en") else DEFAULT_LANGUAGE
