"""`perevir content check`: schema problems plus retrieval problems, with a coverage summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.content.loader import STALE_AFTER_DAYS, Problem, inspect_content
from bot.content.model import LANGUAGES, Content

CONFUSABLE_SIMILARITY = 0.9
"""Two phrasings of different entries this similar (cosine) confuse the bot."""


@dataclass
class CheckReport:
    """Everything the checker found."""

    entries: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    missing_translations: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop the bot from using this content."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth fixing that do not stop the bot."""
        return [p for p in self.problems if p.severity == "warning"]

    def as_text(self, show_warnings: bool = True) -> str:
        """The report for a person: problems first, then the summary."""
        lines = [str(p) for p in self.errors + (self.warnings if show_warnings else [])]
        if lines:
            lines.append("")
        per_lang = ", ".join(f"{lang}: {n}" for lang, n in self.languages.items())
        lines.append(f"FAQ entries: {self.entries} ({per_lang})")
        lines.append("Missing translations: " + (", ".join(self.missing_translations) or "none"))
        lines.append("Not checked for over a year: " + (", ".join(self.stale) or "none"))
        verdict = "FAILED" if self.errors else "OK"
        lines.append(f"{verdict}: {len(self.errors)} errors, {len(self.warnings)} warnings")
        return "\n".join(lines)


def _retrieval_problems(content: Content, models_dir: Path | None) -> list[Problem]:
    from bot.knowledge import faq_index
    from bot.nlp import Lemmatizer

    index = faq_index(content, Lemmatizer(), models_dir)
    problems: list[Problem] = []
    files = {e.id: e.file for e in content.faq}
    lines = {e.id: e.lines for e in content.faq}

    def line_of(entry: str, lang: str, text: str) -> int:
        return lines[entry].get(lang, {}).get(text, 1)

    for lang in LANGUAGES:
        for owner, text, retrieved in index.self_retrieval(lang):
            if retrieved != owner:
                problems.append(
                    Problem(
                        files[owner],
                        line_of(owner, lang, text),
                        f"[{lang}] the phrasing \"{text}\" leads to '{retrieved}' "
                        "instead of this entry",
                        "warning",
                    )
                )
        pairs, rows = index.phrasings(lang)
        sims = (rows @ rows.T).toarray()
        np.fill_diagonal(sims, 0.0)
        reported: set[tuple[str, str]] = set()
        for i, j in zip(*np.nonzero(sims >= CONFUSABLE_SIMILARITY), strict=True):
            a, b = pairs[int(i)], pairs[int(j)]
            pair = (min(a[0], b[0]), max(a[0], b[0]))
            if a[0] == b[0] or pair in reported:
                continue
            reported.add(pair)
            problems.append(
                Problem(
                    files[a[0]],
                    line_of(a[0], lang, a[1]),
                    f"[{lang}] '{a[0]}' and '{b[0]}' have almost the same phrasing "
                    f'("{a[1]}" / "{b[1]}"): the bot will confuse them',
                    "error",
                )
            )
    return problems


def run_check(
    content_dir: Path, today: dt.date | None = None, models_dir: Path | None = None
) -> CheckReport:
    """Check the content folder and summarise coverage (the FAQ index in `models_dir` is used
    when it was built from this content)."""
    today = today or dt.date.today()
    result = inspect_content(content_dir, today)
    report = CheckReport(
        problems=list(result.problems),
        missing_translations=result.missing_translations,
        languages=dict(result.per_language),
    )
    content = result.content
    if content is not None:
        report.entries = len(content.faq)
        report.stale = [e.id for e in content.faq if (today - e.checked).days > STALE_AFTER_DAYS]
        report.problems.extend(_retrieval_problems(content, models_dir))
    else:
        report.entries = max(result.per_language.values(), default=0)
    return report
