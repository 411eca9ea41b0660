"""Loads content/ and checks its schema; every problem names file and line."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import string
from dataclasses import dataclass, field
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
        self.shown: list[_Shown] = []
        """Texts people see, to look for phone numbers once hotlines.yaml is read."""
        self.out_of_scope_lines: dict[str, dict[str, int]] = {}

    def error(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(self._name(path), line, message))

    def warn(self, path: Path, line: int, message: str) -> None:
        self.problems.append(Problem(self._name(path), line, message, "warning"))

    def _name(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)


@dataclass(frozen=True)
class _Shown:
    """A text the bot shows (an answer, a title, a UI text), and where it is written."""

    path: Path
    doc: LinedYaml
    where: tuple[str | int, ...]
    raw: str
    what: str
    ui_key: str = ""


def _not_text(value: Any) -> str:
    """Why YAML did not read a value as text, and what to write instead."""
    if isinstance(value, dict):
        pairs = "; ".join(f"{k}: {'' if v is None else v}".strip() for k, v in value.items())
        return (
            "it has ': ' (a colon and a space) in it, which YAML reads as a name and a value: "
            f'put it in quotes, like "{pairs}"'
            if pairs
            else "put it in quotes"
        )
    if isinstance(value, bool):
        return "YAML reads yes, no, on, off, true and false as true or false: put it in quotes"
    if isinstance(value, (int, float)):
        return "YAML reads it as a number: put it in quotes"
    if isinstance(value, (dt.date, dt.datetime)):
        return "YAML reads it as a date: put it in quotes"
    if isinstance(value, list):
        return "it is a list: write one text, in quotes if it starts with '[' or '- '"
    if value is None:
        return (
            "it is empty: write the text, or delete the line (a text that starts with '#' "
            "must be in quotes, or YAML reads it as a comment)"
        )
    return "put it in quotes"


def _texts(
    report: _Report,
    path: Path,
    doc: LinedYaml,
    where: tuple[str | int, ...],
    value: Any,
    what: str,
) -> list[str] | None:
    """A list of texts (each item that is not text is reported at its own line), or None."""
    if not isinstance(value, list):
        report.error(
            path,
            doc.line(*where),
            f"{what} must be a list of texts: write each on its own line, starting with '- '",
        )
        return None
    ok = True
    for i, item in enumerate(value):
        if not isinstance(item, str):
            report.error(
                path, doc.line(*where, i), f"an item of {what} is not text: {_not_text(item)}"
            )
            ok = False
    return [item for item in value if isinstance(item, str)] if ok else None


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
    if isinstance(value, str) and value.strip():
        return value.strip()
    why = "write it" if isinstance(value, str) else _not_text(value)
    report.error(path, doc.line(*where), f"{what} must be non-empty text: {why}")
    return ""


def _date(
    report: _Report,
    path: Path,
    doc: LinedYaml,
    where: tuple[str | int, ...],
    value: Any,
    today: dt.date,
    recheck: str = "open the sources, make sure the answer still holds (update it if not)",
) -> dt.date:
    if isinstance(value, dt.date):
        if (today - value).days > STALE_AFTER_DAYS:
            report.warn(
                path,
                doc.line(*where),
                f"checked {value.isoformat()}, over a year ago: {recheck}, "
                "then set checked: to today's date",
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
        report.warn(path, doc.line("id"), _file_name_advice(path, entry_id))
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
        questions = _texts(report, path, doc, (lang, "questions"), raw["questions"], "'questions'")
        if questions is None:
            continue
        if len(questions) < MIN_QUESTIONS:
            report.warn(
                path,
                doc.line(lang, "questions"),
                f"only {len(questions)} question phrasings in '{lang}': add at least "
                f"{MIN_QUESTIONS - len(questions)} more ways people ask this, so the bot can "
                f"find this entry ({MIN_QUESTIONS} or more)",
            )
        answer = _text(report, path, doc, (lang, "answer"), raw["answer"], "the answer")
        _answer(report, path, doc, (lang, "answer"), answer)
        title = _text(report, path, doc, (lang, "title"), raw["title"], "the title")
        for name, text in (("answer", answer), ("title", title)):
            if text:
                shown = _Shown(path, doc, (lang, name), raw[name], f"[{lang}] the {name}")
                report.shown.append(shown)
        texts[lang] = FaqText(title, tuple(q.strip() for q in questions if q.strip()), answer)
        where = {q.strip(): doc.line(lang, "questions", i) for i, q in enumerate(questions)}
        lines[lang] = {title: doc.line(lang, "title"), **where}
    for lang in texts:
        report.per_language[lang] += 1
    if len(texts) != len(LANGUAGES):
        report.missing_translations.append(entry_id)
        return None
    return FaqEntry(entry_id, checked, tuple(sources), texts, report._name(path), lines)


def _file_name_advice(path: Path, entry_id: str) -> str:
    """What to do when an entry's file is not named after its id."""
    advice = f"the file name does not match the id: rename the file to {entry_id}.yaml"
    if _ID.match(path.stem) and fits_buttons(path.stem):
        advice += f", or set id: {path.stem} if the file name is the right one"
    return advice


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
        recheck = "open the source, make sure it still gives this number"
        _date(report, path, doc, (*where, "checked"), raw["checked"], today, recheck)
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
            path,
            1,
            "out_of_scope.yaml is missing, so the bot is worse at saying it does not know: "
            "create it with a list under 'uk:' and one under 'en:' of messages that are not "
            "questions (greetings, thanks, small talk)",
        )
        return {}
    doc = _read(report, path)
    if doc is None:
        return {}
    if not _fields(report, path, doc, (), doc.data, set(LANGUAGES), "out_of_scope.yaml"):
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for lang in LANGUAGES:
        items = _texts(report, path, doc, (lang,), doc.data[lang], f"'{lang}'")
        if items is None:
            continue
        result[lang] = tuple(x.strip() for x in items if x.strip())
        report.out_of_scope_lines[lang] = {
            x.strip(): doc.line(lang, i) for i, x in reversed(list(enumerate(items)))
        }
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
    known = sorted(contract.expand(ids))
    refused: set[str] = set()
    for lang in found.text:
        for key, value in found.text[lang].items():
            path, line = found.where[lang][key], found.lines[lang][key]
            fills = contract.placeholders_for(key, ids)
            if fills is None:
                report.warn(path, line, _unused_key_advice(key, known))
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


def _unused_key_advice(key: str, known: list[str]) -> str:
    """What to do about a UI key the bot never reads."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
    spelling = f"if you meant '{close[0]}', fix the key's spelling" if close else ""
    return (
        f"unused key '{key}': the bot never shows this text; "
        + (f"{spelling}, otherwise delete it" if spelling else "delete it")
        + " (in both languages)"
    )


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
                    why = "write it" if isinstance(value, str) else _not_text(value)
                    report.error(path, line, f"'{key}' must be non-empty text: {why}")
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
                shown = _Shown(path, doc, tuple(key.split(".")), value, f"'{key}'", key)
                report.shown.append(shown)
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


# ---- phone numbers typed into texts ------------------------------------------------------
# Every number the bot shows must be a verified line of hotlines.yaml. A number is told from a
# year, a date, an amount, a count or a law's number by its shape (+..., 0 800 ..., 116 xxx,
# seven digits or more) or, for a short one like 527, by a word about calling near it.

_HIDDEN = re.compile(
    r"""href\s*=\s*(?:"[^"]*"|'[^']*')|(?:https?://|www\.)[^\s<>"']+|<[^>]*>|&#?\w+;""",
    re.IGNORECASE,
)
"""Links, tags and entities: blanked out (same length, so offsets still point into the text)."""
_NUMBER = re.compile(
    r"(?<![\w+/.,:#&=-])\+?\(?\d+\)?(?:(?:[ \u00a0]{1,8}|-)\(?\d+\)?)*(?![\w/%:]|[.,]\d)"
)
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}-\d{1,2}-\d{4}")
_AMOUNT = re.compile(r"[1-9]\d{0,2}(?:[ \u00a0]\d{3})+")
_CODE_BEFORE = re.compile(
    r"(?i)(?:№|\bno\.?|\bnr\.?|\bart\.?|\barticle|\bстат\w*|\bст\.|§|\bп\.|\bпункт\w*|"
    r"\bзакон\w*|\blaw|\bdirective|\bдиректив\w*|\bквед|\bkved|\bєдрпоу|\bkrs|\bnip|"
    r"\bregon|\biban|\bcode|\bкод\w*|[$€£₴]|\bpln|\buah|\beur)\s*$"
)
_UNIT_AFTER = re.compile(
    r"(?i)^\s*(?:%|[$€£₴]|грн|гривн\w*|uah|eur\w*|євро|usd|dollars?|долар\w*|pln|zł\w*|"
    r"злот\w*|pounds?|фунт\w*|gbp|km|км|kg|кг|m²|м²|years?|рок\w*|рік|р\.|months?|місяц\w*|"
    r"weeks?|тижн\w*|days?|дн\w*|доб\w*|hours?|годин\w*|minutes?|хвилин\w*|people|persons?|"
    r"людей|люди|осіб|особ\w*|times|раз\w*|чоловік\w*|жін\w*|men|women|children|діт\w*|"
    r"victims?|постраждал\w*|ukrainians|українц\w*|calls|дзвінк\w*|звернен\w*|requests?)(?!\w)"
)
_CALLING = re.compile(
    r"(?i)\b(?:call\w*|phon\w*|dial\w*|ring\w*|hotlines?|helplines?|lines?(?!\s+with)|"
    r"numbers?(?!\s+of\b)|telephon\w*|tel|sms|police|ambulance|emergency|"
    r"дзвон\w*|подзвон\w*|телефон\w*|зателефон\w*|набер\w*|набир\w*|набрат\w*|ліні\w*|"
    r"номер\w*|гаряч\w*|поліці\w*|швидк\w*\s+допомог\w*|екстрен\w*|рятувальн\w*|"
    r"звон\w*|позвон\w*|лини\w*|горяч\w*|полици\w*)\b"
)
_SENTENCE_END = re.compile(r"[!?;\n]|(?<=\w{4})\.\s")


@dataclass(frozen=True)
class _Number:
    """A phone number found in a text: where it starts, as written, and its digits."""

    offset: int
    written: str
    digits: str


def _words(text: str, count: int, last: bool) -> str:
    """The first or last `count` words of text, within one sentence."""
    parts = _SENTENCE_END.split(text)
    sentence = parts[-1] if last else parts[0]
    words = sentence.split()
    return " ".join(words[-count:] if last else words[:count])


def _about_calling(before: str, after: str, words: int) -> bool:
    """Whether a word about calling is among the `words` words before a number (or a word
    like "hotline" among the three after it)."""
    return bool(
        _CALLING.search(_words(before, words, last=True))
        or re.search(r"(?i)\b(?:hotlines?|helplines?|lines?|ліні\w*|гаряч\w*)\b", after)
    )


def _looks_like_a_phone(text: str, start: int, end: int, written: str, digits: str) -> bool:
    """Whether a number in a text is a phone number rather than a year, amount or count."""
    before, after = text[max(0, start - 80) : start], text[end : end + 40]
    if len(digits) < 3 or _DATE.fullmatch(written) or _CODE_BEFORE.search(before):
        return False
    if _UNIT_AFTER.match(after):
        return False
    if (written.startswith("+") and len(digits) >= 7) or re.fullmatch(r"116\D?\d{3}", written):
        return True
    if len(digits) >= 7 and not _AMOUNT.fullmatch(written):
        return True
    year = written.isdigit() and len(written) == 4 and 1900 <= int(written) <= 2099
    if year:  # a year is a number to call only right after "call", "hotline"...
        return bool(_CALLING.fullmatch(_words(before, 1, last=True).strip("(:—–-")))
    return _about_calling(before, _words(after, 3, last=False), 6)


def phone_numbers(text: str, known: frozenset[str] = frozenset()) -> list[_Number]:
    """The phone numbers written in a text (links and tags aside); a number with the digits
    of a `known` one always counts."""
    blanked = _HIDDEN.sub(lambda m: " " * len(m.group()), text)
    found = []
    for match in _NUMBER.finditer(blanked):
        written = _as_written(match.group())
        digits = re.sub(r"\D", "", written)
        if digits in known or _looks_like_a_phone(
            blanked, match.start(), match.end(), written, digits
        ):
            found.append(_Number(match.start() + match.group().index(written), written, digits))
    return found


def _as_written(number: str) -> str:
    """A matched number without the spaces, dashes and brackets around it: "(102)" -> "102",
    "(044) 123" stays."""
    number = number.strip(" \u00a0-")
    if number.startswith("(") and number.endswith(")") and number.count("(") == 1:
        return number[1:-1]
    return number.strip("()") if number.count("(") != number.count(")") else number


def _same_number(digits: str, written: str, hotline: str) -> bool:
    """Whether digits are a hotline's number, also in international form (+380 800 ... for
    0 800 ..., +44 8000 ... for 08000 ...)."""
    if digits == hotline:
        return True
    national = hotline.lstrip("0")
    extra = len(digits) - len(national)
    return written.startswith(("+", "00")) and digits.endswith(national) and 1 <= extra <= 4


def _check_numbers(report: _Report, hotlines: list[Hotline]) -> None:
    """Each phone number in a text people see must be a verified line of hotlines.yaml."""
    by_digits = {re.sub(r"\D", "", h.number): h for h in hotlines}
    known = frozenset(by_digits)
    for shown in report.shown:
        for number in phone_numbers(shown.raw, known):
            lines = [
                h for d, h in by_digits.items() if _same_number(number.digits, number.written, d)
            ]
            if any(h.verified for h in lines):
                continue
            line = shown.doc.line_within(shown.where, shown.raw, number.offset)
            report.error(shown.path, line, _number_advice(shown, number.written, lines))


def _number_advice(shown: _Shown, written: str, lines: list[Hotline]) -> str:
    """What to do about a phone number that is not a verified hotline."""
    if lines:
        why = (
            f"it is in hotlines.yaml ({lines[0].id}) but not verified: find a public page "
            "that states it, put that page in its source: and set verified: true"
        )
    else:
        why = (
            "it is not in hotlines.yaml: add it there with a source: (a public page that "
            "states the number) and verified: true"
        )
    text = f"{shown.what} gives the phone number {written}, which the bot may not show: {why}"
    if shown.ui_key and "hotline_line" in (contract.placeholders_for(shown.ui_key) or ()):
        text += "; or use {hotline_line} here, which the bot fills with a verified hotline"
    return text + "; or take the number out"


@dataclass
class ContentCheck:
    """The content (None when there is any error), every problem, and coverage figures."""

    content: Content | None
    problems: list[Problem]
    missing_translations: list[str]
    per_language: dict[str, int]
    out_of_scope_file: str = ""
    out_of_scope_lines: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per language: the line of each example in out_of_scope.yaml, for the checker."""


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
    hotlines_read = not any(
        p.severity == "error" and p.file == report._name(hotlines_path) for p in report.problems
    )
    strings = _load_strings(report, content_dir / "ui")
    if hotlines_read:  # otherwise every number would look unverified
        _check_numbers(report, hotlines)
    out_of_scope_path = content_dir / "out_of_scope.yaml"
    out_of_scope = _load_out_of_scope(report, out_of_scope_path)
    hours = _load_hours(report, content_dir / "hours.yaml")
    errors = [p for p in report.problems if p.severity == "error"]
    content = None
    if not errors:
        warnings = tuple(str(p) for p in report.problems)
        content = Content(tuple(entries), tuple(hotlines), strings, out_of_scope, hours, warnings)
    return ContentCheck(
        content,
        report.problems,
        report.missing_translations,
        report.per_language,
        report._name(out_of_scope_path),
        report.out_of_scope_lines,
    )


def load_content(content_dir: Path) -> Content:
    """Load content or raise ContentError listing every error."""
    content, problems = check_content(content_dir)
    if content is None:
        raise ContentError([p for p in problems if p.severity == "error"])
    return content
