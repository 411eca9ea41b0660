"""The content checker names file and line for every kind of mistake an editor can make."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import ContentError, load_content
from bot.content.check import run_check
from tests.conftest import CONTENT_DIR, MODELS_DIR


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _entry(folder: Path) -> Path:
    return sorted((folder / "faq").glob("*.yaml"))[0]


def _messages(folder: Path) -> list[str]:
    return [str(p) for p in run_check(folder).errors]


def test_the_real_content_passes_the_check() -> None:
    report = run_check(CONTENT_DIR, models_dir=MODELS_DIR)  # the index built from it by make
    assert report.errors == []
    assert report.entries >= 10
    assert report.missing_translations == []


def test_invalid_yaml_is_reported_with_its_line(content_copy: Path) -> None:
    path = _entry(content_copy)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "oops: [unclosed")
    path.write_text("\n".join(lines), encoding="utf-8")
    errors = _messages(content_copy)
    assert any(path.name in e and "invalid YAML" in e for e in errors), errors


def test_an_unknown_field_is_named(content_copy: Path) -> None:
    path = _entry(content_copy)
    path.write_text(path.read_text(encoding="utf-8") + "colour: blue\n", encoding="utf-8")
    errors = _messages(content_copy)
    assert any("unknown field 'colour'" in e and path.name in e for e in errors), errors


def test_a_missing_language_is_reported_as_a_missing_translation(content_copy: Path) -> None:
    path = _entry(content_copy)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nen:")] + "\n", encoding="utf-8")
    report = run_check(content_copy)
    assert any("missing the field 'en'" in str(e) for e in report.errors)
    assert report.missing_translations


def test_a_missing_source_is_an_error(content_copy: Path) -> None:
    path = _entry(content_copy)
    text = path.read_text(encoding="utf-8")
    start = text.index("sources:")
    end = text.index("\nuk:")
    path.write_text(text[:start] + "sources: []" + text[end:], encoding="utf-8")
    assert any("at least one source" in e for e in _messages(content_copy))


def test_a_wrong_date_is_an_error(content_copy: Path) -> None:
    path = _entry(content_copy)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("checked: 20", "checked: yesterday #", 1), encoding="utf-8")
    assert any("'checked' must be a date" in e for e in _messages(content_copy))


def test_broken_telegram_html_is_an_error_with_the_line(content_copy: Path) -> None:
    path = _entry(content_copy)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("  answer: |\n", "  answer: |\n    <b>unclosed & bare\n", 1), encoding="utf-8"
    )
    errors = _messages(content_copy)
    assert any("not valid Telegram HTML" in e and f"{path.name}:" in e for e in errors), errors


def test_an_answer_too_long_for_telegram_is_an_error(content_copy: Path) -> None:
    path = _entry(content_copy)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("  answer: |\n", "  answer: |\n    " + "ж" * 4100 + "\n", 1), encoding="utf-8"
    )
    assert any("Telegram allows 4096" in e for e in _messages(content_copy))


def test_a_duplicate_id_is_an_error(content_copy: Path) -> None:
    path = _entry(content_copy)
    shutil.copy(path, path.with_name("copy-of-entry.yaml"))
    assert any("is already used by" in e for e in _messages(content_copy))


def test_a_ui_string_missing_in_one_language_is_an_error(content_copy: Path) -> None:
    path = content_copy / "ui" / "en.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  thanks:", "  thanks_typo:", 1), encoding="utf-8")
    assert any("has no translation here" in e for e in _messages(content_copy))


def test_broken_content_refuses_to_load(content_copy: Path) -> None:
    (content_copy / "hotlines.yaml").write_text("hotlines: [", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(content_copy)
    assert "hotlines.yaml" in str(caught.value)


def test_unverified_hotlines_are_never_shown() -> None:
    content = load_content(CONTENT_DIR)
    shown = {h.id for h in content.shown_hotlines()}
    assert shown
    assert all(h.verified for h in content.hotlines if h.id in shown)


def test_two_entries_with_the_same_phrasing_are_reported_at_its_line(content_copy: Path) -> None:
    source = content_copy / "faq" / "passport-safekeeping.yaml"
    target = content_copy / "faq" / "trial-period.yaml"
    phrasing = "my boss keeps my passport in his safe, what now"
    for path in (source, target):
        text = path.read_text(encoding="utf-8")
        start = text.index("\nen:")
        at = text.index("  questions:\n", start) + len("  questions:\n")
        path.write_text(text[:at] + f"    - {phrasing}\n" + text[at:], encoding="utf-8")
    expected = {
        f"content/faq/{path.name}:{n}:"
        for path in (source, target)
        for n, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if phrasing in row
    }
    reported = [str(p) for p in run_check(content_copy).errors if "almost the same" in p.message]
    assert reported, "the pair was not reported"
    assert all(any(r.startswith(place) for place in expected) for r in reported), reported
