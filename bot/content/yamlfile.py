"""YAML reading that remembers the line of every value, so problems can name file and line.

A syntax error is reported at the line that holds the mistake, in plain words, with what to do
about it (`explain`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


def parser() -> Any:
    """libyaml's safe loader when PyYAML was built with it (several times faster), else the
    pure-Python one; both give the same lines."""
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class LinedYaml:
    """Plain Python data from a YAML file, plus the 1-based line of each value by its path."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    literal: set[Path_] = field(default_factory=set)
    """Texts written as `key: |` blocks: their lines are kept, so a spot inside has a line."""

    def line(self, *path: str | int) -> int:
        """The line of the value at path, or of its nearest parent that has one."""
        probe: Path_ = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)

    def line_within(self, path: Path_, raw: str, offset: int) -> int:
        """The line of the character at offset in the text at path (its key's line unless the
        text is a `|` block, whose lines are the file's)."""
        if path not in self.literal:
            return self.line(*path)
        return self.line(*path) + 1 + raw.count("\n", 0, offset)


class YamlSyntaxError(Exception):
    """The file is not valid YAML; carries the line and a plain message."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


MAX_DEPTH = 12
MAX_BYTES = 1024 * 1024
STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)
QUOTE_IT = "put the whole text in quotes"


def _refuse_the_unusual(text: str, loader: Any) -> None:
    """Content is plain data: no aliases or anchors (an alias bomb), no explicit tags
    (!!python/...), no nesting deeper than MAX_DEPTH. Checked on the event stream, which
    PyYAML reads without recursion, before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        line = event.start_mark.line + 1 if event.start_mark is not None else 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YamlSyntaxError(
                line,
                "anchors and aliases (& and *) are not allowed: a text that starts with "
                f"'&' or '*' must be quoted, so {QUOTE_IT}",
            )
        tag = getattr(event, "tag", None)
        implicit = getattr(event, "implicit", True)
        if tag is not None and tag not in STANDARD_TAGS and implicit not in (True, (True, True)):
            raise YamlSyntaxError(
                line,
                f"the tag {tag} is not allowed: write plain values (a text that starts "
                f"with '!' must be quoted, so {QUOTE_IT})",
            )
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlSyntaxError(line, f"nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _decode(raw: bytes) -> str:
    """The file's text; YamlSyntaxError at the first line that is not UTF-8."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise YamlSyntaxError(line, _not_utf8(raw)) from None
    text = text.removeprefix("\ufeff")  # a byte order mark at the start is harmless
    if "\ufeff" in text:
        line = text.count("\n", 0, text.index("\ufeff")) + 1
        raise YamlSyntaxError(
            line,
            "an invisible character (a byte order mark, U+FEFF) is in this line: delete it "
            "(it often comes with text pasted from another file)",
        )
    return text


def _not_utf8(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        saved = "as UTF-16"
    else:
        try:
            raw.decode("cp1251")
            saved = "in an old Windows encoding (such as Windows-1251)"
        except UnicodeDecodeError:
            saved = "in another encoding"
    return (
        f"the file is not UTF-8 text: it was saved {saved}; save it again as UTF-8 "
        "(in most editors: Save as, Encoding: UTF-8)"
    )


def read_yaml(path: Path) -> LinedYaml:
    """Parse a YAML file into plain data and line numbers (duplicate keys are an error)."""
    if path.stat().st_size > MAX_BYTES:
        raise YamlSyntaxError(1, f"the file is larger than {MAX_BYTES // 1024} KB")
    text = _decode(path.read_bytes())
    try:
        loader = parser()
        _refuse_the_unusual(text, loader)
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        line, message = explain(text, exc)
        raise YamlSyntaxError(line, f"invalid YAML: {message}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(1, f"invalid YAML: {type(exc).__name__}") from None
    result = LinedYaml(data=None)
    if node is None:
        return result
    builder = _Builder(result, yaml.SafeLoader(stream=""), text.split("\n"))
    try:
        result.data = builder.convert(node, ())
    finally:
        builder.constructor.dispose()
    return result


_LOOKS_LIKE_YAML = re.compile(r"^\s*(?:-\s|[A-Za-z_][\w.-]*:(?:\s|$))")
"""A line that starts a list item or a `name:`, as lines of a file do and lines of a text
rarely do."""


@dataclass
class _Builder:
    """Builds plain data from the composed nodes, noting each value's line on the way."""

    doc: LinedYaml
    constructor: yaml.SafeLoader
    rows: list[str]

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        """The plain value of a node (and of everything under it)."""
        self.doc.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        style = getattr(node, "style", None)
        if style == "|":
            self.doc.literal.add(path)
        elif style in ("'", '"'):
            self._quote_closed_too_late(node, style)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            raise YamlSyntaxError(
                node.start_mark.line + 1, f"a value cannot be read ({exc}): {QUOTE_IT}"
            ) from None

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in out:
                raise YamlSyntaxError(
                    line,
                    f"the key '{key}' appears twice (first on line {first[key]}): "
                    "delete one of them, or rename it",
                )
            first[key] = line
            out[key] = self.convert(value_node, (*path, key))
            self.doc.lines[(*path, key)] = line
        return out

    def _quote_closed_too_late(self, node: yaml.Node, quote: str) -> None:
        """A quoted text that runs on over lines that look like the file's own lines: its
        closing quote is missing, and YAML found one further down (in "we'll", say)."""
        start, end = node.start_mark.line, node.end_mark.line
        if any(_LOOKS_LIKE_YAML.match(row) for row in self.rows[start + 1 : end + 1]):
            raise YamlSyntaxError(
                start + 1,
                f"invalid YAML: the quote {quote} that opens the text on this line is never "
                f"closed on it, so YAML reads the lines below, up to line {end + 1}, as part of "
                f"this text: add the closing {quote} at the end of the text",
            )


# ---- what a YAML syntax error means, in the editor's words --------------------------------

_KEY = re.compile(r"^[A-Za-z_][\w.-]*$")
_VALUE_START = re.compile(r"^\s*(?:-\s+|[^\s:#][^:#]*:\s+)")


@dataclass(frozen=True)
class _Spot:
    """Where PyYAML stopped, and the text around it."""

    lines: list[str]
    line: int
    """0-based, like PyYAML's marks."""
    column: int
    problem: str
    context: str
    context_line: int

    def text(self, line: int | None = None) -> str:
        """A line of the file ('' past the end)."""
        at = self.line if line is None else line
        return self.lines[at] if 0 <= at < len(self.lines) else ""

    def char(self) -> str:
        """The character PyYAML stopped at ('' at the end of a line or of the file)."""
        row = self.text()
        return row[self.column] if 0 <= self.column < len(row) else ""


def explain(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The 1-based line that holds a syntax error and what to do about it, in plain words."""
    mark = exc.problem_mark or exc.context_mark
    context_mark = exc.context_mark or mark
    spot = _Spot(
        lines=text.split("\n"),
        line=mark.line if mark is not None else 0,
        column=mark.column if mark is not None else 0,
        problem=exc.problem or "",
        context=exc.context or "",
        context_line=context_mark.line if context_mark is not None else 0,
    )
    for rule in _RULES:
        found = rule(spot)
        if found is not None:
            return found[0] + 1, found[1]
    return spot.line + 1, (
        f"{spot.problem or 'the file cannot be read'}; look at this line: the usual causes are "
        "a missing quote, a ': ' inside a text without quotes, or wrong indentation"
    )


def _tab(spot: _Spot) -> tuple[int, str] | None:
    """A tab where YAML wants spaces."""
    for line in (spot.line, spot.context_line):
        row = spot.text(line)
        if "\t" in row[: len(row) - len(row.lstrip())]:
            return line, "a tab is used for indentation: indent with spaces only"
    if spot.char() == "\t" or "tab" in spot.problem:
        return spot.line, "a tab is used in this line: use spaces instead"
    return None


def _quote_never_closed(spot: _Spot) -> tuple[int, str] | None:
    if "quoted scalar" not in spot.context:
        return None
    if "escape" in spot.problem:
        return spot.line, (
            'inside "double quotes" a backslash \\ starts a special character: write \\\\ '
            "for one backslash, or use 'single quotes'"
        )
    quote = next((c for c in spot.text(spot.context_line) if c in "\"'"), '"')
    return spot.context_line, (
        f"the quote {quote} that opens the text on this line is never closed: "
        f"add the closing {quote} at the end of the text"
    )


def _quote_closed_further_down(spot: _Spot) -> tuple[int, str] | None:
    """`title: 'How can I help?` then more lines: the quote opened there closes at some later
    quote (the one of "we'll", say), and what follows makes no sense to YAML. The opening line
    is the first one between the start of the block and the error that leaves a quote open."""
    first = min(spot.context_line, spot.line - 1)
    for line in range(max(first, 0), spot.line):
        quote = _unclosed_quote(spot.text(line))
        if quote is not None:
            return line, (
                f"the quote {quote} that opens the text on this line is never closed: "
                f"add the closing {quote} at the end of the text"
            )
    return None


def _unclosed_quote(row: str) -> str | None:
    """The quote a line's value opens and does not close, if any."""
    start = _VALUE_START.match(row)
    value = row[start.end() :] if start else row.strip()
    if not value or value[0] not in "\"'":
        return None
    body = value[1:]
    if value[0] == '"':
        closed = re.search(r'(?<!\\)"', body)
    else:
        closed = re.search("'", body.replace("''", ""))
    return None if closed else value[0]


def _bracket_never_closed(spot: _Spot) -> tuple[int, str] | None:
    if "flow sequence" not in spot.context and "flow mapping" not in spot.context:
        return None
    bracket, closing = ("[", "]") if "sequence" in spot.context else ("{", "}")
    return spot.context_line, (
        f"the '{bracket}' on this line is never closed: add the '{closing}', or, if the text "
        f"just starts with '{bracket}', {QUOTE_IT}"
    )


def _special_first_character(spot: _Spot) -> tuple[int, str] | None:
    first = spot.char()
    if "alias" in spot.context or "anchor" in spot.context:
        first = first if first in "*&" else "*" if "alias" in spot.context else "&"
    elif "tag" in spot.context:
        first = "!"
    elif "cannot start any token" not in spot.problem or first not in "%@`":
        return None
    return spot.line, f"a text cannot start with '{first}' unless it is quoted: {QUOTE_IT}"


def _block_indicator(spot: _Spot) -> tuple[int, str] | None:
    if "block scalar" not in spot.context:
        return None
    return spot.line, (
        "after '|' or '>' the text starts on the next line, indented further than its name; "
        f"for a one-line text that starts with '|' or '>', {QUOTE_IT}"
    )


def _text_after_closing(spot: _Spot) -> tuple[int, str] | None:
    """`- "так" чи ні`: a quoted (or bracketed) start, then more text."""
    if not any(word in spot.problem for word in ("<scalar>", "expected key", "'-' indicator")):
        return None
    row = spot.text()
    start = _VALUE_START.match(row)
    value = row[start.end() :] if start else row.lstrip()
    if not value or value[0] not in "\"'[{" or spot.column <= len(row) - len(value):
        return None
    closing = "quote" if value[0] in "\"'" else "bracket"
    return spot.line, (
        f"the text goes on after its closing {closing}: {QUOTE_IT}, "
        f"for example {_quoted(row, value)}"
    )


def _colon_inside_text(spot: _Spot) -> tuple[int, str] | None:
    """'mapping values are not allowed': a ': ' where YAML does not expect a name."""
    if "mapping values" not in spot.problem:
        return None
    row = spot.text()
    before = row[: spot.column]
    name = before.strip()
    if ": " in before:
        return spot.line, (
            "this text has ': ' (a colon and a space) in it, which YAML reads as a name and "
            f"a value: {QUOTE_IT}{_example(row)}"
        )
    if not _KEY.match(name):
        return spot.line, (
            "this line goes on with a text that has no quotes, and it has ': ' (a colon and a "
            f"space) in it: {QUOTE_IT}, or write the text as a block (name: | and the text on "
            "the lines below, indented)"
        )
    above = _previous(spot)
    if (
        above is not None
        and ":" not in spot.text(above)
        and _indent_of(spot.text(above)) == _indent_of(row)
    ):
        return above, (
            "this line has no ':' after its name: write it as name: value "
            f"(YAML reads the next line, '{name}:', as more of it)"
        )
    return spot.line, (
        f"'{name}:' is indented further than the line above, so YAML reads it as more of that "
        f"line's text: line '{name}:' up with the names it belongs with"
    )


def _no_colon(spot: _Spot) -> tuple[int, str] | None:
    if "could not find expected ':'" not in spot.problem:
        return None
    return spot.context_line, (
        "this line has no ':': if it is more of the text above, indent it further than that "
        "text's name; if it is a name, add ': ' and its value"
    )


def _indentation(spot: _Spot) -> tuple[int, str] | None:
    if not any(word in spot.problem for word in ("block end", "expected key", "'-' indicator")):
        return None
    spaces = _indent_of(spot.text())
    return spot.line, (
        f"this line is indented by {spaces} space{'' if spaces == 1 else 's'}, which does not "
        "line it up with the lines it belongs with: line it up with the other names or '- ' "
        "items at its level"
    )


def _second_document(spot: _Spot) -> tuple[int, str] | None:
    if "single document" not in spot.context:
        return None
    return spot.line, "'---' starts a second document: a content file holds one; delete it"


_RULES = (
    _tab,
    _quote_never_closed,
    _bracket_never_closed,
    _special_first_character,
    _block_indicator,
    _quote_closed_further_down,
    _text_after_closing,
    _colon_inside_text,
    _no_colon,
    _second_document,
    _indentation,
)


def _indent_of(row: str) -> int:
    return len(row) - len(row.lstrip(" "))


def _previous(spot: _Spot) -> int | None:
    """The nearest line above that holds something (not blank, not a comment)."""
    for line in range(spot.line - 1, -1, -1):
        stripped = spot.text(line).strip()
        if stripped and not stripped.startswith("#"):
            return line
    return None


def _quoted(row: str, value: str) -> str:
    """The line with its value in quotes: double ones, or single ones (a ' inside doubled) when
    the value has a " or a backslash."""
    head = row[: len(row) - len(value)].strip()
    body = value.rstrip()
    if '"' in body or "\\" in body:
        single = body.replace("'", "''")
        return f"{head} '{single}'".strip()
    return f'{head} "{body}"'.strip()


def _example(row: str) -> str:
    """', for example title: 'a: b'' for a line whose value needs quotes ('' if unclear)."""
    start = _VALUE_START.match(row)
    value = row[start.end() :].rstrip() if start else ""
    if not value or value[0] in "\"'":
        return ""
    return f", for example {_quoted(row.rstrip(), value)}"
