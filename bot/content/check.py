"""`perevir content check`: schema problems plus retrieval problems, with a coverage summary.

Every warning is something an editor should act on, and says how; `--strict` makes warnings
fail the check, for CI. The retrieval notes come from the matcher the bot answers with (the FAQ
index built by `make model`, with its encoder): a phrasing it would confidently answer with
another entry, checked the way a new question is (by a matcher that never saw it). They show
where entries overlap; some are expected (the matcher is chosen to be wrong on about 3 % of
phrasings), so they are notes, listed in full and counted, and never fail the check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bot.content.loader import STALE_AFTER_DAYS, ContentCheck, Problem, inspect_content
from bot.content.model import LANGUAGES, Content

if TYPE_CHECKING:
    from bot.faq.index import FaqIndex
    from bot.faq.semantic import Progress

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
    strict: bool = False
    """Warnings fail the check too (`--strict`, for CI)."""

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop the bot from using this content."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth fixing that do not stop the bot."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        """Phrasings the bot would answer with another entry: worth a look, never a failure."""
        return [p for p in self.problems if p.severity == "note"]

    @property
    def failed(self) -> bool:
        """Whether the check fails: on any error, and in strict mode on any warning too."""
        return bool(self.errors or (self.strict and self.warnings))

    def as_text(self, show_warnings: bool = True) -> str:
        """The report for a person: problems first, then the summary (in strict mode the
        warnings are shown even in a summary, since they fail the check)."""
        shown = self.errors + (self.warnings if show_warnings or self.strict else [])
        shown += self.notes if show_warnings else []
        lines = [str(p) for p in shown]
        if lines:
            lines.append("")
        per_lang = ", ".join(f"{lang}: {n}" for lang, n in self.languages.items())
        lines.append(f"FAQ entries: {self.entries} ({per_lang})")
        lines.append("Missing translations: " + (", ".join(self.missing_translations) or "none"))
        lines.append("Not checked for over a year: " + (", ".join(self.stale) or "none"))
        lines.append(self.verdict())
        return "\n".join(lines)

    def verdict(self) -> str:
        """The last line: OK or FAILED, with the counts and what the warnings mean."""
        errors, warnings = len(self.errors), len(self.warnings)
        counts = f"{errors} error{'' if errors == 1 else 's'}, {warnings} warning" + (
            "" if warnings == 1 else "s"
        )
        notes = len(self.notes)
        counts += f", {notes} note{'' if notes == 1 else 's'}"
        if self.strict:
            note = " (strict: warnings fail the check too)" if warnings else " (strict)"
        elif warnings:
            note = " (the bot uses this content; fix the warnings when you can)"
        else:
            note = ""
        return f"{'FAILED' if self.failed else 'OK'}: {counts}{note}"


def _places(content: Content, checked: ContentCheck) -> dict[str, tuple[str, dict[str, int]]]:
    """Per language and owner (an entry, or OUT_OF_SCOPE): its file and its texts' lines."""
    from bot.faq.index import OUT_OF_SCOPE

    places: dict[str, tuple[str, dict[str, int]]] = {}
    for lang in LANGUAGES:
        for e in content.faq:
            places[f"{lang}/{e.id}"] = (e.file, e.lines.get(lang, {}))
        oos = checked.out_of_scope_lines.get(lang, {})
        places[f"{lang}/{OUT_OF_SCOPE}"] = (checked.out_of_scope_file, oos)
    return places


def _answered_wrongly(owner: str, text: str, picked: str, lang: str, content: Content) -> str:
    """What the editor reads about a text the bot would answer with the wrong entry."""
    from bot.faq.index import OUT_OF_SCOPE

    if owner == OUT_OF_SCOPE:
        return (
            f'[{lang}] "{text}" is listed as not a question, but the bot would answer it with '
            f"'{picked}': if '{picked}' does answer it, move it there as a phrasing; if not, "
            "add a few more messages like it here, and make the phrasings of "
            f"'{picked}' more specific to its topic"
        )
    entry = content.entry(owner)
    if entry is not None and entry.texts[lang].title == text:
        return (
            f"[{lang}] the bot would answer this entry's title \"{text}\" with '{picked}': "
            f"reword the title so it says what sets this entry apart from '{picked}'"
        )
    return (
        f"[{lang}] the bot would answer \"{text}\" with '{picked}': reword it so it is "
        f"clearly about this entry, move it to '{picked}' if it belongs there, or add "
        "phrasings to this entry that say what sets it apart"
    )


def _wrong_answers(index: FaqIndex, content: Content, checked: ContentCheck) -> list[Problem]:
    """One note per phrasing (or out-of-scope example) the bot would confidently answer with
    another entry, at its line."""
    places = _places(content, checked)
    problems = []
    for lang in LANGUAGES:
        if lang not in index.languages:
            continue
        for owner, text, picked in index.answered_wrongly(lang):
            file, lines = places[f"{lang}/{owner}"]
            message = _answered_wrongly(owner, text, picked, lang, content)
            problems.append(Problem(file, lines.get(text, 1), message, "note"))
    return sorted(problems, key=lambda p: (p.file, p.line))


def _confusable(index: FaqIndex, content: Content) -> list[Problem]:
    """An error for each pair of entries that share almost the same phrasing."""
    files = {e.id: e.file for e in content.faq}
    lines = {e.id: e.lines for e in content.faq}
    problems = []
    for lang in index.languages:
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
                    lines[a[0]].get(lang, {}).get(a[1], 1),
                    f"[{lang}] '{a[0]}' and '{b[0]}' have almost the same phrasing "
                    f'("{a[1]}" / "{b[1]}"): the bot will confuse them; change or remove one, '
                    "so each belongs clearly to one entry",
                    "error",
                )
            )
    return problems


def _retrieval_problems(
    checked: ContentCheck,
    models_dir: Path | None,
    progress: Progress | None = None,
    save: bool = False,
) -> list[Problem]:
    """The retrieval problems of loaded content: with `models_dir`, judged by the matcher the
    bot uses (its built index and encoder; if the content changed since `make model`, rebuilt
    once, showing `progress`, and with `save` kept for the bot and the next check); without, by the
    lexical matcher alone (the semantic one takes a minute to build)."""
    from bot.faq.encoder import load_encoder
    from bot.knowledge import faq_index
    from bot.nlp import Lemmatizer

    content = checked.content
    if content is None:
        return []
    encoder = load_encoder() if models_dir is not None else None
    index = faq_index(content, Lemmatizer(), models_dir, encoder, save=save, progress=progress)
    return _wrong_answers(index, content, checked) + _confusable(index, content)


def run_check(
    content_dir: Path,
    today: dt.date | None = None,
    models_dir: Path | None = None,
    strict: bool = False,
    progress: Progress | None = None,
    save_index: bool = False,
) -> CheckReport:
    """Check the content folder and summarise coverage (the FAQ index in `models_dir` is used
    when it was built from this content, else rebuilt, and with `save_index` saved there;
    `strict`: warnings fail the check)."""
    today = today or dt.date.today()
    result = inspect_content(content_dir, today)
    report = CheckReport(
        problems=list(result.problems),
        missing_translations=result.missing_translations,
        languages=dict(result.per_language),
        strict=strict,
    )
    content = result.content
    if content is not None:
        report.entries = len(content.faq)
        report.stale = [e.id for e in content.faq if (today - e.checked).days > STALE_AFTER_DAYS]
        report.problems.extend(_retrieval_problems(result, models_dir, progress, save_index))
    else:
        report.entries = max(result.per_language.values(), default=0)
    return report
