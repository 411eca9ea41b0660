"""The one language rule: who is answered in which language."""

from __future__ import annotations

import pytest

from bot.domain.language import known_language, staff_language, ui_language


@pytest.mark.parametrize(
    ("saved", "answered_in"), [("uk", "uk"), ("en", "en"), ("ru", "uk"), (None, "uk"), ("xx", "uk")]
)
def test_a_person_is_answered_in_their_choice_else_ukrainian(
    saved: str | None, answered_in: str
) -> None:
    assert ui_language(saved) == answered_in


def test_only_a_language_the_bot_speaks_counts_as_chosen() -> None:
    assert known_language("en") == "en"
    assert known_language("ru") is None and known_language(None) is None


@pytest.mark.parametrize(
    ("code", "texts_in"),
    [("en", "en"), ("en-GB", "en"), ("EN", "en"), ("uk", "uk"), ("ru", "uk"), (None, "uk")],
)
def test_counsellors_get_english_only_when_their_telegram_is_english(
    code: str | None, texts_in: str
) -> None:
    assert staff_language(code) == texts_in
