"""Loads content/ and checks its schema; every problem names file and line."""

from __future__ import annotations

import datetime as dt
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content import contract
from bot.content.model import (
    LANGUAGES,
    PLACEHOLDER,
    Content,
    FaqEntry,
    FaqText,
    Hotline,
    Source,
)
from bot.content.telegram_html import MAX_MESSAGE_LENGTH, html_problems, visible_length
from bot.content.yamlfile import LinedYaml, YamlSyntaxError, read_yaml
from bot.domain.actions import MAX_CALLBACK_BYTES, RateAnswer, ShowAnswer, encode
from bot.domain.cases import WorkingHours

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
"""Telegram's limit for a button's callback data; entry ids go into "fb:<id>:1" and "faq:<id>"."""
ENTRY_FIELDS = {"id", "checked", "sources", "uk", "en"}
TEXT_FIELDS = {"title", "questions", "answer"}
SOURCE_FIELDS = {"url", "title"}
HOTLINE_FIELDS = {"id", "number", "verified", "source", "checked", "uk", "en"}
HOTLINE_TEXT_FIELDS = {"name", "hours", "note"}
MIN_QUESTIONS = 5
QUOTE_HINT = '(put quotes around answers like "yes", "no", "ok" and numbers)'
STALE_AFTER_DAYS = 365


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a look) in a content file."""

    file: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.severity}: {self.message}"


class ContentError(Exception):
    """Content failed the check; holds every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0] if problems else "unknown problem"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first}{more}")


class _Report:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.missing_translations: list[str] = []
        self.per_language: dict[str, int] = {lang: 0 for lang in LANGUAGES}

    def error(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(self._name(path), line, message))

    def warn(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(self._name(path), line, message, "warning"))

    def _name(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)


def _read(report: _Report, path: Path) -> LinedYaml | None:
    try:
        return read_yaml(path)
    except YamlSyntaxError as exc:
        report.error(path, exc.line, exc.message)
    except (OSError, UnicodeDecodeError) as exc:
        report.error(path, 1, f"cannot read the file: {exc}")
    return None


def _fields(
    report: _Report,
    path: Path,
    doc: LinedYaml,
    where: tuple[str | int, ...],
    value: Any,
    allowed: set[str],
    what: str,
) -> bool:
    if not isinstance(value, dict):
        report.error(path, doc.line(*where), f"{what} must be a set of fields (key: value)")
        return False
    for key in value:
        if key not in allowed:
            report.error(
                path,
                doc.line(*where, key),
                f"unknown field '{key}' in {what} (allowed: {', '.join(sorted(allowed))})",
            )
    ok = True
    for key in sorted(allowed - set(value)):
        report.error(path, doc.line(*where), f"{what} is missing the field '{key}'")
        ok = False
    return ok


def _text(
    report: _Report, path: Path, doc: LinedYaml, where: tuple[str | int, ...], value: Any, what: str
) -> str:
    if not isinstance(value, str) or not value.strip():
        report.error(path, doc.line(*where), f"{what} must be non-empty text")
        return ""
    return value.strip()


def _date(
    report: _Report,
    path: Path,
    doc: LinedYaml,
    where: tuple[str | int, ...],
    value: Any,
    today: dt.date,
) -> dt.date:
    if isinstance(value, dt.date):
        if (today - value).days > STALE_AFTER_DAYS:
            report.warn(
                path,
                doc.line(*where),
                f"checked {value.isoformat()}: over a year ago, check the sources again",
            )
        if value > today:
            report.error(path, doc.line(*where), "the 'checked' date is in the future")
        return value
    report.error(path, doc.line(*where), "'checked' must be a date like 2026-11-20")
    return dt.date.min


def _answer(
    report: _Report, path: Path, doc: LinedYaml, where: tuple[str | int, ...], answer: str
) -> None:
    for problem in html_problems(answer):
        report.error(path, doc.line(*where), f"the answer is not valid Telegram HTML: {problem}")
    length = visible_length(answer)
    if length > MAX_MESSAGE_LENGTH:
        report.error(
            path,
            doc.line(*where),
            f"the answer is {length} characters; Telegram allows {MAX_MESSAGE_LENGTH}",
        )


def _load_entry(report: _Report, path: Path, today: dt.date) -> FaqEntry | None:
    doc = _read(report, path)
    if doc is None:
        return None
    data = doc.data
    fields_ok = _fields(report, path, doc, (), data, ENTRY_FIELDS, "the entry")
    if not fields_ok and not isinstance(data, dict):
        return None
    entry_id = data.get("id")
    if not isinstance(entry_id, str) or not _ID.match(entry_id):
        report.error(path, doc.line("id"), "'id' must be lower-case words joined by '-'")
        return None
    if not fits_buttons(entry_id):
        report.error(
            path,
            doc.line("id"),
            f"'id' is too long: its buttons would pass Telegram's {MAX_CALLBACK_BYTES} bytes "
            f"(at most {MAX_CALLBACK_BYTES - len('fb::0')} characters)",
        )
        return None
    if path.stem != entry_id:
        report.warn(path, doc.line("id"), f"the file name should be {entry_id}.yaml")
    checked = _date(report, path, doc, ("checked",), data.get("checked"), today)
    sources: list[Source] = []
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        report.error(
            path, doc.line("sources"), "every entry needs at least one source (url, title)"
        )
    else:
        for i, raw in enumerate(raw_sources):
            if _fields(report, path, doc, ("sources", i), raw, SOURCE_FIELDS, "a source"):
                url = _text(report, path, doc, ("sources", i, "url"), raw["url"], "a source url")
                if url and not url.startswith(("http://", "https://")):
                    report.error(
                        path,
                        doc.line("sources", i, "url"),
                        "a source url must start with http:// or https://",
                    )
                title = _text(
                    report, path, doc, ("sources", i, "title"), raw["title"], "a source title"
                )
                sources.append(Source(url, title))
    texts: dict[str, FaqText] = {}
    lines: dict[str, dict[str, int]] = {}
    for lang in LANGUAGES:
        raw = data.get(lang)
        if raw is None:
            continue  # already reported as a missing field
        if not _fields(report, path, doc, (lang,), raw, TEXT_FIELDS, f"the '{lang}' part"):
            continue
        questions = raw["questions"]
        if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
            report.error(
                path,
                doc.line(lang, "questions"),
                f"'questions' must be a list of texts {QUOTE_HINT}",
            )
            continue
        if len(questions) < MIN_QUESTIONS:
            report.warn(
                path,
                doc.line(lang, "questions"),
                f"only {len(questions)} question phrasings in '{lang}'; "
                f"{MIN_QUESTIONS} or more help the bot find this entry",
            )
        answer = _text(report, path, doc, (lang, "answer"), raw["answer"], "the answer")
        _answer(report, path, doc, (lang, "answer"), answer)
        title = _text(report, path, doc, (lang, "title"), raw["title"], "the title")
        texts[lang] = FaqText(title, tuple(q.strip() for q in questions if q.strip()), answer)
        where = {q.strip(): doc.line(lang, "questions", i) for i, q in enumerate(questions)}
        lines[lang] = {title: doc.line(lang, "title"), **where}
    for lang in texts:
        report.per_language[lang] += 1
    if len(texts) != len(LANGUAGES):
        report.missing_translations.append(entry_id)
        return None
    return FaqEntry(entry_id, checked, tuple(sources), texts, report._name(path), lines)


def _load_hotlines(report: _Report, path: Path, today: dt.date) -> list[Hotline]:
    doc = _read(report, path)
    if doc is None:
        return []
    if not isinstance(doc.data, dict) or not isinstance(doc.data.get("hotlines"), list):
        report.error(path, 1, "the file must hold a list under 'hotlines:'")
        return []
    hotlines = []
    for i, raw in enumerate(doc.data["hotlines"]):
        where = ("hotlines", i)
        if not _fields(report, path, doc, where, raw, HOTLINE_FIELDS, "a hotline"):
            continue
        if not isinstance(raw["verified"], bool):
            report.error(path, doc.line(*where, "verified"), "'verified' must be true or false")
            continue
        source = str(raw["source"] or "")
        if raw["verified"] and not source.startswith(("http://", "https://")):
            report.error(
                path,
                doc.line(*where, "source"),
                "a verified number needs a source URL; otherwise set verified: false",
            )
        _date(report, path, doc, (*where, "checked"), raw["checked"], today)
        parts: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            if _fields(
                report,
                path,
                doc,
                (*where, lang),
                raw[lang],
                HOTLINE_TEXT_FIELDS,
                f"the '{lang}' part of a hotline",
            ):
                parts[lang] = {k: str(v).strip() for k, v in raw[lang].items()}
                for name, value in parts[lang].items():
                    for problem in html_problems(value):
                        report.error(
                            path,
                            doc.line(*where, lang, name),
                            f"the hotline's '{name}' is not valid Telegram HTML: {problem}",
                        )
        for name in ("number", "id"):
            for problem in html_problems(str(raw[name])):
                report.error(path, doc.line(*where, name), f"'{name}': {problem}")
        if len(parts) == len(LANGUAGES):
            hotlines.append(
                Hotline(
                    id=str(raw["id"]),
                    number=str(raw["number"]),
                    verified=raw["verified"],
                    source=source,
                    names={k: v["name"] for k, v in parts.items()},
                    hours={k: v["hours"] for k, v in parts.items()},
                    notes={k: v["note"] for k, v in parts.items()},
                )
            )
    return hotlines


def _load_out_of_scope(report: _Report, path: Path) -> dict[str, tuple[str, ...]]:
    if not path.exists():
        report.warn(
            path, 1, "out_of_scope.yaml is missing: the bot is worse at saying 'I don't know'"
        )
        return {}
    doc = _read(report, path)
    if doc is None:
        return {}
    if not _fields(report, path, doc, (), doc.data, set(LANGUAGES), "out_of_scope.yaml"):
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for lang in LANGUAGES:
        items = doc.data[lang]
        if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
            report.error(path, doc.line(lang), f"'{lang}' must be a list of texts {QUOTE_HINT}")
            continue
        result[lang] = tuple(x.strip() for x in items if x.strip())
    return result


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _load_hours(report: _Report, path: Path) -> WorkingHours | None:
    if not path.exists():
        report.error(path, 1, "hours.yaml is missing: when do counsellors answer?")
        return None
    doc = _read(report, path)
    if doc is None:
        return None
    if not _fields(report, path, doc, (), doc.data, {"timezone", "days", "from", "to"}, "hours"):
        return None
    data = doc.data
    try:
        tz = ZoneInfo(str(data["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        report.error(path, doc.line("timezone"), "unknown time zone (e.g. Europe/Kyiv)")
        return None
    days = data["days"]
    if not isinstance(days, list) or not days or any(d not in DAYS for d in days):
        report.error(path, doc.line("days"), f"'days' must be a list of {', '.join(DAYS)}")
        return None
    try:
        start = dt.time.fromisoformat(str(data["from"]))
        end = dt.time.fromisoformat(str(data["to"]))
    except ValueError:
        report.error(path, doc.line("from"), "'from' and 'to' must be times like \"09:00\"")
        return None
    return WorkingHours(frozenset(DAYS.index(d) for d in days), start, end, tz)


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), inner, out)
    else:
        out[prefix] = value


def fits_buttons(entry_id: str) -> bool:
    """Whether every button that carries this entry id fits Telegram's callback data."""
    try:
        encode(ShowAnswer(entry_id))
        encode(RateAnswer(entry_id, False))
    except ValueError:
        return False
    return True


def _placeholders(template: str) -> set[str]:
    """The {placeholders} of a template; ValueError unless each is a plain {name}."""
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not PLACEHOLDER.fullmatch("{" + name + "}") or spec or conversion:
            raise ValueError(name)
        names.add(name)
    return names


def _ui_files(ui_dir: Path, lang: str) -> list[Path]:
    """ui/<lang>.yaml first, then topic files ui/<topic>.<lang>.yaml."""
    main = ui_dir / f"{lang}.yaml"
    return [main, *sorted(p for p in ui_dir.glob(f"*.{lang}.yaml") if p != main)]


def _names(names: set[str] | frozenset[str]) -> str:
    return ", ".join("{" + name + "}" for name in sorted(names))


def _counterpart(path: Path, lang: str, rival: str) -> Path:
    """The file of the other language that mirrors path (handoff.uk.yaml -> handoff.en.yaml)."""
    if path.name == f"{lang}.yaml":
        return path.with_name(f"{rival}.yaml")
    return path.with_name(path.name.removesuffix(f".{lang}.yaml") + f".{rival}.yaml")


def _section_line(docs: dict[Path, LinedYaml], path: Path, key: str) -> int:
    """The line of the deepest section of key that path already has (1 if none)."""
    doc = docs.get(path)
    parts = key.split(".")
    if doc is not None:
        for n in range(len(parts) - 1, 0, -1):
            if tuple(parts[:n]) in doc.lines:
                return doc.lines[tuple(parts[:n])]
    return 1


def _home(ui_dir: Path, lang: str, key: str, seen: dict[str, Path]) -> Path:
    """The file of a language where a missing key belongs: the one holding its nearest kin."""
    parts = key.split(".")
    best, home = 0, ui_dir / f"{lang}.yaml"
    for other, path in seen.items():
        shared = 0
        for a, b in zip(parts, other.split("."), strict=False):
            if a != b:
                break
            shared += 1
        if shared > best:
            best, home = shared, path
    return home


@dataclass
class _Strings:
    """The UI strings of every language, with where each was found."""

    text: dict[str, dict[str, str]]
    lines: dict[str, dict[str, int]]
    where: dict[str, dict[str, Path]]
    seen: dict[str, dict[str, Path]]
    """Every key of each language's files, valid or not, and its file."""
    docs: dict[Path, LinedYaml]


def _check_contract(report: _Report, ui_dir: Path, found: _Strings) -> set[str]:
    """Check the UI strings against bot/content/contract.py; returns the keys whose
    {placeholders} were refused."""
    ids = contract.family_ids(contract.flag_ids())
    refused: set[str] = set()
    for lang in found.text:
        for key, value in found.text[lang].items():
            path, line = found.where[lang][key], found.lines[lang][key]
            fills = contract.placeholders_for(key, ids)
            if fills is None:
                report.warn(
                    path,
                    line,
                    f"unused key '{key}': the bot never shows this text "
                    "(a misspelt key, or one left over?)",
                )
                continue
            used = _placeholders(value)
            if unknown := used - fills:
                can = (
                    f"it can use {_names(fills)}"
                    if fills
                    else "it fills no {placeholders} in this text"
                )
                report.error(
                    path,
                    line,
                    f"'{key}' uses {_names(unknown)}, which the bot does not fill: {can}",
                )
                refused.add(key)
            for name, meaning in contract.required_placeholders(key).items():
                if name not in used:
                    report.error(
                        path,
                        line,
                        f"'{key}' must use {{{name}}}, which the bot fills with {meaning}",
                    )
                    refused.add(key)
        others = [other for other in found.seen if other != lang]
        for key in sorted(set(contract.expand(ids)) - set(found.seen[lang])):
            if any(key in found.seen[other] for other in others):
                continue  # missing here only: the translation check names it
            home = _home(ui_dir, lang, key, found.seen[lang])
            report.error(
                home,
                _section_line(found.docs, home, key),
                f"'{key}' is missing: the bot needs this text; add it to {home.name}",
            )
    return refused


def _load_strings(report: _Report, ui_dir: Path) -> dict[str, dict[str, str]]:
    found = _Strings({}, {}, {}, {}, {})
    strings, lines, where, seen = found.text, found.lines, found.where, found.seen
    for lang in LANGUAGES:
        main = ui_dir / f"{lang}.yaml"
        if not main.exists():
            report.error(main, 1, f"the UI strings for '{lang}' are missing")
            continue
        strings[lang], lines[lang], where[lang], seen[lang] = {}, {}, {}, {}
        for path in _ui_files(ui_dir, lang):
            doc = _read(report, path)
            if doc is None:
                continue
            found.docs[path] = doc
            flat: dict[str, Any] = {}
            _flatten("", doc.data or {}, flat)
            for key, value in flat.items():
                line = doc.line(*key.split("."))
                if key in seen[lang]:
                    report.error(path, line, f"'{key}' is also defined in {seen[lang][key].name}")
                    continue
                seen[lang][key] = path
                if not isinstance(value, str) or not value.strip():
                    report.error(path, line, f"'{key}' must be non-empty text")
                    continue
                for problem in html_problems(value):
                    report.error(path, line, f"'{key}' is not valid Telegram HTML: {problem}")
                try:
                    _placeholders(value)
                except ValueError:
                    report.error(
                        path,
                        line,
                        f"'{key}' has a broken {{placeholder}}: only plain names like "
                        "{tag} are allowed",
                    )
                    continue
                strings[lang][key] = value.strip()
                lines[lang][key] = line
                where[lang][key] = path
    refused = _check_contract(report, ui_dir, found)
    if len(strings) == len(LANGUAGES):
        base, other = LANGUAGES
        for lang, rival in ((base, other), (other, base)):
            for key in sorted(set(seen[lang]) - set(seen[rival])):
                target = _counterpart(seen[lang][key], lang, rival)
                report.error(
                    target,
                    _section_line(found.docs, target, key),
                    f"'{key}' is in {seen[lang][key].name} but has no translation here",
                )
        for key in sorted((set(strings[base]) & set(strings[other])) - refused):
            if _placeholders(strings[base][key]) != _placeholders(strings[other][key]):
                report.error(
                    where[other][key],
                    lines[other][key],
                    f"'{key}' must use the same {{placeholders}} as in {where[base][key].name}",
                )
    return strings


@dataclass
class ContentCheck:
    """The content (None when there is any error), every problem, and coverage figures."""

    content: Content | None
    problems: list[Problem]
    missing_translations: list[str]
    per_language: dict[str, int]


def check_content(
    content_dir: Path, today: dt.date | None = None
) -> tuple[Content | None, list[Problem]]:
    """Load and check content; the Content is None when there is any error."""
    result = inspect_content(content_dir, today)
    return result.content, result.problems


def inspect_content(content_dir: Path, today: dt.date | None = None) -> ContentCheck:
    """Load and check content, with coverage figures for the checker's summary."""
    today = today or dt.date.today()
    report = _Report(content_dir)
    if not content_dir.is_dir():
        report.error(content_dir, 1, "the content folder does not exist")
        return ContentCheck(None, report.problems, [], report.per_language)
    entries: list[FaqEntry] = []
    seen: dict[str, str] = {}
    faq_files = sorted((content_dir / "faq").glob("*.yaml"))
    if not faq_files:
        report.error(content_dir / "faq", 1, "there are no FAQ entries (faq/*.yaml)")
    for path in faq_files:
        entry = _load_entry(report, path, today)
        if entry is None:
            continue
        if entry.id in seen:
            report.error(path, 1, f"the id '{entry.id}' is already used by {seen[entry.id]}")
            continue
        seen[entry.id] = entry.file
        entries.append(entry)
    hotlines_path = content_dir / "hotlines.yaml"
    hotlines = _load_hotlines(report, hotlines_path, today) if hotlines_path.exists() else []
    if not hotlines_path.exists():
        report.error(hotlines_path, 1, "hotlines.yaml is missing")
    elif not any(h.verified for h in hotlines):
        report.error(
            hotlines_path, 1, "no verified hotline: the bot must always be able to show one"
        )
    strings = _load_strings(report, content_dir / "ui")
    out_of_scope = _load_out_of_scope(report, content_dir / "out_of_scope.yaml")
    hours = _load_hours(report, content_dir / "hours.yaml")
    errors = [p for p in report.problems if p.severity == "error"]
    content = None
    if not errors:
        warnings = tuple(str(p) for p in report.problems)
        content = Content(tuple(entries), tuple(hotlines), strings, out_of_scope, hours, warnings)
    return ContentCheck(content, report.problems, report.missing_translations, report.per_language)


def load_content(content_dir: Path) -> Content:
    """Load content or raise ContentError listing every error."""
    content, problems = check_content(content_dir)
    if content is None:
        raise ContentError([p for p in problems if p.severity == "error"])
    return content
