"""Normalisation, lemmas and language identification."""

from __future__ import annotations

import pytest

from bot.config import EVALUATION_DIR
from bot.nlp import Lemmatizer, detect_language, normalize_text
from bot.quality.langid_eval import evaluate_langid

LANGID_MIN_ACCURACY = 0.95


def test_normalisation_unifies_apostrophes_case_and_spaces() -> None:
    assert normalize_text("  Сімʼя   і  ПʼЯТЕРО’ ") == "сім'я і п'ятеро'"


def test_ukrainian_lemmas_survive_the_typographic_apostrophe(lemmatizer: Lemmatizer) -> None:
    assert lemmatizer.lemmas("uk", "Забрали паспорт у сімʼї") == [
        "забрати",
        "паспорт",
        "у",
        "сім'я",
    ]


def test_english_lemmas_come_from_the_lookup_tables(lemmatizer: Lemmatizer) -> None:
    assert lemmatizer.lemmas("en", "They TOOK our passports") == ["they", "take", "our", "passport"]


def test_spans_point_back_into_the_original_text(lemmatizer: Lemmatizer) -> None:
    text = "Паспорт ЗАБЕРЕМО на зберігання"
    spans = lemmatizer.spans("uk", text)
    assert [text[a:b] for a, b, _ in spans][:2] == ["Паспорт", "ЗАБЕРЕМО"]


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("чи можна їхати по безвізу на роботу", "uk"),
        ("можно ли работать по безвизу", "ru"),
        ("can my employer keep my passport", "en"),
        ("чи потрібен work permit в Польщі", "uk"),
        ("де робота", "uk"),
    ],
)
def test_language_of_typical_questions(text: str, lang: str) -> None:
    assert detect_language(text).lang == lang


def test_an_emoji_has_no_language() -> None:
    assert detect_language("🙏").lang is None


def test_language_identification_accuracy_on_short_messages() -> None:
    correct, total, mistakes = evaluate_langid(EVALUATION_DIR / "langid.yaml")
    assert total >= 100
    assert correct / total >= LANGID_MIN_ACCURACY, mistakes


def test_a_rare_script_such_as_tangut_does_not_crash_the_lemmatizer(lemmatizer: Lemmatizer) -> None:
    for lang in ("uk", "ru", "en"):
        assert lemmatizer.lemmas(lang, "робота в Польщі 𗀀 паспорт") != []


@pytest.mark.parametrize("run", ["€" * 4096, ")" * 20_000, "😀" * 10_000, "€)(.,!" * 700])
def test_long_symbol_runs_are_broken_up_and_offsets_kept(run: str) -> None:
    from bot.nlp.normalize import SYMBOL_RUN, break_symbol_runs, normalize_keep_offsets

    text = "Склад у Польщі " + run + " паспорт"
    broken = break_symbol_runs(text)
    assert len(broken) == len(text) == len(normalize_keep_offsets(text))
    assert max(len(part) for part in broken.split()) <= max(SYMBOL_RUN, len("Польщі"))
    assert broken.startswith("Склад у Польщі ") and broken.endswith(" паспорт")
