"""Invariance checks of the risk checker over a set of labelled adverts: edits that must not
change what it says (`perevir evaluate risk-invariance`, guarded in `make test`).

- A neutral employer/contract line appended to a risky advert must not lower its level.
- Swapping the currency, the country or the company name must not change a level.
- A neutral season or contract-end date appended must not raise `withheld_wages`.
- A denial ("we never keep passports") added to an advert that takes passports must not lower
  `document_retention`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.domain.risk import Assessment, RiskLevel
from bot.risk.data import Example
from bot.risk.model import RiskModel

RANK = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}

NEUTRAL_EMPLOYER = {
    "uk": "Роботодавець: Baltic Logistic Sp. z o.o., брутто, umowa o pracę.",
    "ru": "Работодатель: Baltic Logistic Sp. z o.o., брутто, umowa o pracę.",
    "en": "Employer: Baltic Logistic Sp. z o.o., gross pay, umowa o pracę (employment contract).",
}
SEASON_END = {
    "uk": "Сезон триває до кінця серпня, договір до 31 жовтня.",
    "ru": "Сезон длится до конца августа, договор до 31 октября.",
    "en": "The season ends in August; the contract runs until 31 October.",
}
DENIAL = {
    "uk": "Ми ніколи не забираємо паспорти.",
    "ru": "Мы никогда не забираем паспорта.",
    "en": "We never keep passports.",
}

_CURRENCY_SWAPS = {
    "€": "zł",
    "zł": "€",
    "$": "£",
    "£": "$",
    "eur": "PLN",
    "euro": "zloty",
    "євро": "злотих",
    "евро": "злотых",
    "pln": "EUR",
    "злотих": "євро",
    "злотых": "евро",
    "usd": "GBP",
    "dollars": "pounds",
    "доларів": "фунтів",
    "долларов": "фунтов",
}
_CURRENCY = re.compile(
    r"[€$£]|\bzł|\b(?:EUR|euro|євро|евро|PLN|злотих|злотых|USD|dollars|доларів|долларов)\b",
    re.IGNORECASE,
)
_COUNTRIES = {
    # Ukrainian, by case: Польща ↔ Чехія
    "Польща": "Чехія",
    "Польщі": "Чехії",
    "Польщу": "Чехію",
    "Польщею": "Чехією",
    "Чехія": "Польща",
    "Чехії": "Польщі",
    "Чехію": "Польщу",
    "Чехією": "Польщею",
    "Німеччина": "Литва",
    "Німеччині": "Литві",
    "Німеччину": "Литву",
    "Німеччини": "Литви",
    "Литва": "Німеччина",
    "Литві": "Німеччині",
    "Литву": "Німеччину",
    "Литви": "Німеччини",
    # Russian: Польша ↔ Чехия, Германия ↔ Литва
    "Польша": "Чехия",
    "Польше": "Чехии",
    "Польшу": "Чехию",
    "Польши": "Чехии",
    "Чехия": "Польша",
    "Чехии": "Польше",
    "Чехию": "Польшу",
    "Германия": "Литва",
    "Германии": "Литве",
    "Германию": "Литву",
    # English
    "Poland": "Czechia",
    "Czechia": "Poland",
    "Czech Republic": "Poland",
    "Germany": "Lithuania",
    "Lithuania": "Germany",
    "Netherlands": "Belgium",
    "Belgium": "Netherlands",
}
_COUNTRY = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _COUNTRIES), key=len)[::-1]) + r")\b")
_COMPANY = re.compile(
    r"\b([A-Z][\w&'-]+(?: [A-Z][\w&'-]+){0,3}) (Sp\. ?z ?o\.? ?o\.?|GmbH|s\.r\.o\.|B\.V\.|Ltd\.?)"
)


def swap_currency(text: str) -> str:
    """The text with each currency swapped for another, in one pass."""
    return _CURRENCY.sub(lambda m: _CURRENCY_SWAPS[m.group().lower()], text)


def swap_country(text: str) -> str:
    """The text with its countries swapped for others, in the same grammatical case."""
    return _COUNTRY.sub(lambda m: _COUNTRIES[m.group(1)], text)


def swap_company(text: str) -> str:
    """The text with each named company (a name before a legal form) renamed."""
    return _COMPANY.sub(lambda m: f"Nordwind Harbour Services {m.group(2)}", text)


@dataclass
class InvarianceReport:
    """How many adverts each edit wrongly changed, out of how many it applied to."""

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per check: (changed, tried)."""
    examples: dict[str, list[str]] = field(default_factory=dict)
    """Per check: the ids of the adverts it changed."""

    def changed(self, name: str) -> int:
        """How many adverts the named check changed."""
        return self.counts[name][0]


Verdict = Callable[[str, str], Assessment]
"""(text, language) -> the checker's assessment."""


def _level(model: Verdict, text: str, lang: str) -> int:
    return RANK[model(text, lang).level]


def _raised(model: Verdict, text: str, lang: str, label: str) -> bool:
    return any(f.id == label for f in model(text, lang).flags)


def _edits(swap: Callable[[str], str]) -> Callable[[Example], bool]:
    return lambda e: swap(e.text) != e.text


def _changes_level(model: Verdict, swap: Callable[[str], str]) -> Callable[[Example], bool]:
    return lambda e: _level(model, swap(e.text), e.lang) != _level(model, e.text, e.lang)


def check_invariance(checker: RiskModel, examples: Sequence[Example]) -> InvarianceReport:
    """Run every check over the examples (levels and flags as the bot would show them)."""
    report = InvarianceReport()

    @functools.cache
    def verdict(text: str, lang: str) -> Assessment:
        # each original text is judged once, though several checks compare against it
        return checker.check(text, lang).assessment

    def count(
        name: str, applies: Callable[[Example], bool], broke: Callable[[Example], bool]
    ) -> None:
        tried = [e for e in examples if applies(e)]
        broken = [e.id for e in tried if broke(e)]
        report.counts[name] = (len(broken), len(tried))
        report.examples[name] = broken

    count(
        "neutral employer line lowers a risky level",
        lambda e: bool(e.labels),
        lambda e: (
            _level(verdict, f"{e.text}\n{NEUTRAL_EMPLOYER[e.lang]}", e.lang)
            < _level(verdict, e.text, e.lang)
        ),
    )
    swaps: tuple[tuple[str, Callable[[str], str]], ...] = (
        ("currency", swap_currency),
        ("country", swap_country),
        ("company name", swap_company),
    )
    for name, swap in swaps:
        count(f"swapping the {name} changes a level", _edits(swap), _changes_level(verdict, swap))
    count(
        "a neutral season or contract end raises withheld_wages",
        lambda e: (
            "withheld_wages" not in e.labels
            and not _raised(verdict, e.text, e.lang, "withheld_wages")
        ),
        lambda e: _raised(verdict, f"{e.text}\n{SEASON_END[e.lang]}", e.lang, "withheld_wages"),
    )
    count(
        "a denial lowers document_retention",
        lambda e: (
            "document_retention" in e.labels
            and _raised(verdict, e.text, e.lang, "document_retention")
        ),
        lambda e: not _raised(verdict, f"{e.text}\n{DENIAL[e.lang]}", e.lang, "document_retention"),
    )
    return report
