"""A YAML mistake is reported at the line that holds it, with a hint that fits the mistake, by
PyYAML's C loader and by its pure-Python fallback alike."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from bot.content.loader import inspect_content
from bot.content.yamlfile import parser
from tests.conftest import CONTENT_DIR

FAQ = "faq/visa-free-work.yaml"
UI = "ui/en.yaml"


@dataclass(frozen=True)
class Mistake:
    """A broken file: which one, how it is broken, the line the mistake is on, the hint."""

    file: str
    edit: Callable[[str], str]
    marker: str
    """Text on the line the mistake is on (its first line that has it)."""
    hint: str
    first: str = ""
    """For a hint that names another line ({first}): text on that line."""


def _replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def _after(anchor: str, line: str) -> Callable[[str], str]:
    """Insert a line after the first line that is exactly anchor."""
    return _replace(f"\n{anchor}\n", f"\n{anchor}\n{line}\n")


FIRST_QUESTION = "    - чи можна працювати по безвізу в польщі"

MISTAKES: dict[str, Mistake] = {
    "an unquoted ': ' in a value": Mistake(
        UI,
        _replace('  title: "How can I help?"', "  title: Help: what now"),
        "  title: Help: what now",
        "invalid YAML: this text has ': ' (a colon and a space) in it, which YAML reads as a "
        'name and a value: put the whole text in quotes, for example title: "Help: what now"',
    ),
    "an unquoted ': ' on the second line of a text": Mistake(
        UI,
        _replace('  title: "How can I help?"', "  title: How can\n    I help: tell me"),
        "I help: tell me",
        "invalid YAML: this line goes on with a text that has no quotes, and it has ': '",
    ),
    "a tab used for indentation": Mistake(
        FAQ,
        _replace("  title: Чи можна працювати", "\ttitle: Чи можна працювати"),
        "\ttitle: Чи можна працювати",
        "invalid YAML: a tab is used for indentation: indent with spaces only",
    ),
    "a name indented too far": Mistake(
        FAQ,
        _replace("\n  questions:\n", "\n   questions:\n"),
        "   questions:",
        "invalid YAML: 'questions:' is indented further than the line above, so YAML reads it "
        "as more of that line's text: line 'questions:' up with the names it belongs with",
    ),
    "a name indented too little": Mistake(
        FAQ,
        _replace("\n  questions:\n", "\n questions:\n"),
        " questions:",
        "invalid YAML: this line is indented by 1 space, which does not line it up with the "
        "lines it belongs with",
    ),
    "a list item out of line": Mistake(
        FAQ,
        _after(FIRST_QUESTION, "   - а як щодо чехії"),
        "а як щодо чехії",
        "invalid YAML: this line is indented by 3 spaces, which does not line it up",
    ),
    "a name without its colon": Mistake(
        FAQ,
        _replace("  title: Чи можна працювати", "  title Чи можна працювати"),
        "  title Чи можна працювати",
        "invalid YAML: this line has no ':' after its name: write it as name: value",
    ),
    "an unclosed double quote": Mistake(
        UI,
        _replace('  title: "How can I help?"', '  title: "How can I help?'),
        '  title: "How can I help?',
        'invalid YAML: the quote " that opens the text on this line is never closed: '
        'add the closing " at the end of the text',
    ),
    "an unclosed single quote": Mistake(
        UI,
        _replace('  title: "How can I help?"', "  title: 'How can I help?"),
        "  title: 'How can I help?",
        "invalid YAML: the quote ' that opens the text on this line is never closed",
    ),
    "an unclosed quote in the last text of a file": Mistake(
        "hours.yaml",
        lambda text: text.rstrip("\n") + '\nnote: "never closed\n',
        'note: "never closed',
        'invalid YAML: the quote " that opens the text on this line is never closed',
    ),
    "text after the closing quote": Mistake(
        FAQ,
        _after(FIRST_QUESTION, '    - "так" чи ні, можна'),
        '"так" чи ні, можна',
        "invalid YAML: the text goes on after its closing quote: put the whole text in quotes, "
        "for example - '\"так\" чи ні, можна'",
    ),
    "an unclosed bracket": Mistake(
        UI,
        _replace('  title: "How can I help?"', "  title: [How can I help?"),
        "  title: [How can I help?",
        "invalid YAML: the '[' on this line is never closed: add the ']', or, if the text just "
        "starts with '[', put the whole text in quotes",
    ),
    "an unclosed brace": Mistake(
        UI,
        _replace('  title: "How can I help?"', "  title: {How can I help?"),
        "  title: {How can I help?",
        "invalid YAML: the '{' on this line is never closed",
    ),
    "a phrasing that starts with *": Mistake(
        FAQ,
        _after(FIRST_QUESTION, "    - *важливо* чи можна"),
        "*важливо* чи можна",
        "invalid YAML: a text cannot start with '*' unless it is quoted: put the whole text in "
        "quotes",
    ),
    "a phrasing that starts with & and a word": Mistake(
        FAQ,
        _after(FIRST_QUESTION, "    - &urgent чи можна"),
        "&urgent чи можна",
        "anchors and aliases (& and *) are not allowed: a text that starts with '&' or '*' "
        "must be quoted",
    ),
    "a phrasing that starts with &": Mistake(
        FAQ,
        _after(FIRST_QUESTION, "    - & чи можна"),
        "& чи можна",
        "invalid YAML: a text cannot start with '&' unless it is quoted",
    ),
    "a phrasing that starts with !": Mistake(
        FAQ,
        _after(FIRST_QUESTION, "    - !терміново чи можна"),
        "!терміново чи можна",
        "invalid YAML: a text cannot start with '!' unless it is quoted",
    ),
    "a phrasing that starts with % ": Mistake(
        FAQ,
        _after(FIRST_QUESTION, "    - %знижка на візу"),
        "%знижка на візу",
        "invalid YAML: a text cannot start with '%' unless it is quoted",
    ),
    "a phrasing that starts with @": Mistake(
        FAQ,
        _after(FIRST_QUESTION, "    - @recruiter пише що можна"),
        "@recruiter пише що можна",
        "invalid YAML: a text cannot start with '@' unless it is quoted",
    ),
    "a phrasing that starts with a backtick": Mistake(
        FAQ,
        _after(FIRST_QUESTION, "    - `безвіз` це дозвіл?"),
        "`безвіз` це дозвіл?",
        "invalid YAML: a text cannot start with '`' unless it is quoted",
    ),
    "a backslash in double quotes": Mistake(
        UI,
        _replace('  title: "How can I help?"', '  title: "How\\can I help?"'),
        '  title: "How\\can I help?"',
        'invalid YAML: inside "double quotes" a backslash \\ starts a special character',
    ),
    "a text on the line of its |": Mistake(
        FAQ,
        _replace("  answer: |\n", "  answer: | Ні.\n"),
        "  answer: | Ні.",
        "invalid YAML: after '|' or '>' the text starts on the next line",
    ),
    "a duplicate key": Mistake(
        UI,
        _replace('  title: "How can I help?"', '  title: "How can I help?"\n  title: "Again"'),
        '  title: "Again"',
        "the key 'title' appears twice (first on line {first}): delete one of them, or rename it",
        first='  title: "How can I help?"',
    ),
    "a byte order mark inside the file": Mistake(
        UI,
        _replace('  title: "How can I help?"', '\ufeff  title: "How can I help?"'),
        '\ufeff  title: "How can I help?"',
        "an invisible character (a byte order mark, U+FEFF) is in this line: delete it",
    ),
}


@pytest.fixture(params=["libyaml", "python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run with PyYAML's C loader, and with the pure-Python one it falls back to."""
    if request.param == "python":
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
        assert parser() is yaml.SafeLoader
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML was built without libyaml")
    return str(request.param)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _line_of(path: Path, marker: str) -> int:
    for number, row in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if marker in row:
            return number
    raise AssertionError(f"{marker!r} not in {path}")


def _errors_in(folder: Path, file: str) -> list[str]:
    name = f"content/{file}"
    return [
        str(p) for p in inspect_content(folder).problems if p.severity == "error" and p.file == name
    ]


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_a_yaml_mistake_is_reported_at_its_line_with_a_hint_that_fits(
    name: str, loader: str, content_copy: Path
) -> None:
    mistake = MISTAKES[name]
    path = content_copy / mistake.file
    path.write_text(mistake.edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    line = _line_of(path, mistake.marker)
    hint = mistake.hint
    if mistake.first:
        hint = hint.format(first=_line_of(path, mistake.first))
    expected = f"content/{mistake.file}:{line}: error: {hint}"
    errors = _errors_in(content_copy, mistake.file)
    assert any(e.startswith(expected) for e in errors), (expected, errors)


def test_an_unquoted_colon_in_a_phrasing_is_named_at_its_line_with_the_quoted_text(
    loader: str, content_copy: Path
) -> None:
    """`- як бути: що робити` is valid YAML (a name and a value), so the schema names it."""
    path = content_copy / FAQ
    path.write_text(
        _after(FIRST_QUESTION, "    - як бути: що робити")(path.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    line = _line_of(path, "як бути: що робити")
    assert _errors_in(content_copy, FAQ) == [
        f"content/{FAQ}:{line}: error: an item of 'questions' is not text: it has ': ' (a colon "
        "and a space) in it, which YAML reads as a name and a value: put it in quotes, like "
        '"як бути: що робити"'
    ]


@pytest.mark.parametrize(
    ("item", "hint"),
    [
        ("yes", "YAML reads yes, no, on, off, true and false as true or false: put it in quotes"),
        ("2024", "YAML reads it as a number: put it in quotes"),
        ("2024-01-01", "YAML reads it as a date: put it in quotes"),
        ("#безвіз", "it is empty: write the text, or delete the line (a text that starts with"),
        ("[a, b]", "it is a list: write one text"),
    ],
)
def test_a_phrasing_yaml_does_not_read_as_text_gets_the_hint_for_what_it_became(
    item: str, hint: str, content_copy: Path
) -> None:
    path = content_copy / FAQ
    path.write_text(
        _after(FIRST_QUESTION, f"    - {item}")(path.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    line = _line_of(path, f"    - {item}")
    expected = f"content/{FAQ}:{line}: error: an item of 'questions' is not text: {hint}"
    errors = _errors_in(content_copy, FAQ)
    assert any(e.startswith(expected) for e in errors), errors
    assert all("yes" not in e for e in errors if item != "yes"), errors


def test_a_byte_order_mark_at_the_start_of_a_file_is_harmless(content_copy: Path) -> None:
    path = content_copy / UI
    path.write_text("\ufeff" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert _errors_in(content_copy, UI) == []


@pytest.mark.parametrize(
    ("encoding", "saved"),
    [
        ("cp1251", "it was saved in an old Windows encoding (such as Windows-1251)"),
        ("utf-16", "it was saved as UTF-16"),
    ],
)
def test_a_file_not_saved_as_utf8_is_reported_at_its_first_foreign_line(
    encoding: str, saved: str, content_copy: Path
) -> None:
    path = content_copy / FAQ
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode(encoding, errors="replace"))
    line = (
        1
        if encoding == "utf-16"
        else next(n for n, row in enumerate(text.split("\n"), 1) if not row.isascii())
    )
    assert _errors_in(content_copy, FAQ) == [
        f"content/{FAQ}:{line}: error: the file is not UTF-8 text: {saved}; save it again as "
        "UTF-8 (in most editors: Save as, Encoding: UTF-8)"
    ]


def test_both_loaders_give_every_value_of_the_real_content_the_same_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.content.yamlfile import read_yaml

    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML was built without libyaml")
    files = sorted(CONTENT_DIR.rglob("*.yaml"))
    fast = {path: read_yaml(path) for path in files}
    monkeypatch.delattr(yaml, "CSafeLoader")
    for path in files:
        slow = read_yaml(path)
        assert (slow.data, slow.lines, slow.literal) == (
            fast[path].data,
            fast[path].lines,
            fast[path].literal,
        ), path
