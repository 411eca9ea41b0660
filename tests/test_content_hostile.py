"""No content file can crash or hang the checker: each hostile file is refused with file:line."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.content.check import run_check
from bot.content.model import Content, fill
from tests.conftest import CONTENT_DIR

BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x]"]
    + [
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
)


def _faq(folder: Path) -> Path:
    return folder / "faq" / "visa-free-work.yaml"


def _replace(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        path = folder / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def _write(relative: str, content: str | bytes) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        path = folder / relative
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")

    return change


def _append(relative: str, text: str) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        path = folder / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return change


HOSTILE: dict[str, Callable[[Path], None]] = {
    "hotline name with a bare &": _replace(
        "hotlines.yaml",
        "name: National counter-trafficking",
        "name: National & counter-trafficking",
    ),
    "hotline note with a bare &": _replace(
        "hotlines.yaml", "note: For anyone planning", "note: For anyone & planning"
    ),
    "hotline hours with a tag": _replace(
        "hotlines.yaml", "hours: See the website", "hours: <script>See</script> the website"
    ),
    "unknown placeholder-like attribute access": _replace(
        "ui/en.yaml", "{retention_days}", "{retention_days.__class__.__mro__}"
    ),
    "placeholder with a format spec": _replace(
        "ui/en.yaml", "{retention_days}", "{retention_days:>99999}"
    ),
    "placeholder with a conversion": _replace(
        "ui/en.yaml", "{retention_days}", "{retention_days!r}"
    ),
    "placeholder with an index": _replace("ui/en.yaml", "{retention_days}", "{retention_days[0]}"),
    "unclosed placeholder": _replace("ui/en.yaml", "{retention_days}", "{retention_days"),
    "a key missing in one language": _replace("ui/handoff.en.yaml", "  sent_to:", "  sent_to_x:"),
    "javascript link in an answer": _replace(
        "faq/visa-free-work.yaml", "https://", "javascript:alert(1)//"
    ),
    "a 70-character entry id": _replace(
        "faq/visa-free-work.yaml", "id: visa-free-work", "id: " + "-".join(["visa"] * 14)
    ),
    "alias bomb": _write("out_of_scope.yaml", BOMB),
    "a single anchor and alias": _append("hotlines.yaml", "\nx: &a 1\ny: *a\n"),
    "python tag": _write("hours.yaml", "x: !!python/name:os.system\n"),
    "python object tag": _write("hours.yaml", "x: !!python/object/apply:os.system [ls]\n"),
    "custom tag": _write("hours.yaml", "x: !secret 1\n"),
    "binary tag": _write("hours.yaml", "x: !!binary aGVsbG8=\n"),
    "5000-deep nesting": _write("out_of_scope.yaml", "[" * 5000 + "]" * 5000),
    "5000-deep mappings": _write(
        "out_of_scope.yaml", "".join(f"{' ' * i}k:\n" for i in range(0, 600))
    ),
    "not UTF-8": _write("ui/en.yaml", b"\xff\xfe\x00broken"),
    "saved as UTF-16": _write("hours.yaml", "timezone: Europe/Kyiv\n".encode("utf-16")),
    "a byte order mark inside": _write("hours.yaml", "a: 1\n\ufeffb: 2\n"),
    "a quote closed many lines later": _replace(
        "ui/en.yaml", '  title: "How can I help?"', "  title: 'How can I help?"
    ),
    "control characters": _write("ui/en.yaml", "a: \x00\x01\x02\n"),
    "a lone surrogate escape": _write("ui/en.yaml", 'a: "\\ud800"\n'),
    "a huge file": _write("out_of_scope.yaml", "# " + "x" * (2 * 1024 * 1024)),
    "a list instead of a mapping": _write("ui/en.yaml", "- a\n- b\n"),
    "a number instead of text": _replace(
        "ui/handoff.en.yaml", '  sent_to: "Sent to #{tag}."', "  sent_to: 12"
    ),
    "a date where text belongs": _replace(
        "ui/handoff.en.yaml", '  sent_to: "Sent to #{tag}."', "  sent_to: 2026-01-01"
    ),
    "text where the checked date belongs": _replace(
        "faq/visa-free-work.yaml", "checked: 20", "checked: soon-20"
    ),
    "an empty FAQ file": _write("faq/visa-free-work.yaml", ""),
    "an FAQ file that is a string": _write("faq/visa-free-work.yaml", "just words\n"),
    "duplicate keys": _append("hotlines.yaml", "\nhotlines: []\n"),
    "a tab-indented file": _write("hours.yaml", "a:\n\tb: 1\n"),
    "an unclosed bracket": _write("hours.yaml", "a: [1, 2\n"),
    "html tag not allowed": _replace(
        "ui/handoff.en.yaml", '"Sent to #{tag}."', '"<img src=x>Sent"'
    ),
}


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def test_there_are_at_least_thirty_hostile_files() -> None:
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_content_file_is_refused_with_file_and_line(
    name: str, content_copy: Path
) -> None:
    HOSTILE[name](content_copy)
    report = run_check(content_copy)
    assert report.errors, f"{name}: not refused"
    for problem in report.errors:
        assert problem.file and problem.line >= 1


def test_placeholders_fill_only_plain_names_and_never_raise() -> None:
    assert fill("#{tag} after {days} days", {"tag": "AB12C", "days": 30}) == "#AB12C after 30 days"
    assert fill("{missing} and {tag.__class__}", {"tag": "x"}) == "{missing} and {tag.__class__}"
    assert Content.__name__  # the bot's Content.text uses fill
