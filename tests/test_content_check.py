"""The content checker names file and line for every kind of mistake an editor can make."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.content import ContentError, load_content
from bot.content.check import CheckReport, _wrong_answers, run_check
from bot.content.loader import Problem, inspect_content
from bot.faq.index import OUT_OF_SCOPE
from tests.conftest import CONTENT_DIR, MODELS_DIR

runner = CliRunner()


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
    assert report.warnings == []  # a clean content set: `make test` runs the check --strict
    for warning in report.notes:  # each at the line of the text it names, saying what to do
        quoted = re.search(r'"(.+?)"', warning.message)
        assert quoted is not None and ": " in warning.message, warning
        row = (CONTENT_DIR.parent / warning.file).read_text(encoding="utf-8").split("\n")
        assert quoted.group(1)[:40].replace("'", "") in row[warning.line - 1].replace("'", "")


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


# ---- the bot's answers: a warning for each text it would answer with another entry ---------


class _Index:
    """Stands in for the FAQ index: says which texts it would answer wrongly."""

    languages = ("uk", "en")

    def __init__(self, wrong: dict[str, list[tuple[str, str, str]]]) -> None:
        self.wrong = wrong

    def answered_wrongly(self, lang: str) -> list[tuple[str, str, str]]:
        return self.wrong.get(lang, [])


def _line(path: Path, text: str) -> int:
    rows = path.read_text(encoding="utf-8").split("\n")
    return next(n for n, row in enumerate(rows, 1) if text in row)


def _wrong(wrong: dict[str, list[tuple[str, str, str]]]) -> list[str]:
    checked = inspect_content(CONTENT_DIR)
    assert checked.content is not None
    return [str(p) for p in _wrong_answers(_Index(wrong), checked.content, checked)]  # type: ignore[arg-type]


def test_a_phrasing_the_bot_would_answer_with_another_entry_is_a_note_at_its_line() -> None:
    entry = load_content(CONTENT_DIR).entry("passport-safekeeping")
    assert entry is not None
    phrasing = entry.texts["en"].questions[2]
    line = _line(CONTENT_DIR / "faq" / "passport-safekeeping.yaml", phrasing)
    assert _wrong({"en": [("passport-safekeeping", phrasing, "trial-period")]}) == [
        f"content/faq/passport-safekeeping.yaml:{line}: note: [en] the bot would answer "
        f"\"{phrasing}\" with 'trial-period': reword it so it is clearly about this entry, "
        "move it to 'trial-period' if it belongs there, or add phrasings to this entry that "
        "say what sets it apart"
    ]


def test_a_title_the_bot_would_answer_with_another_entry_asks_for_a_clearer_title() -> None:
    entry = load_content(CONTENT_DIR).entry("passport-safekeeping")
    assert entry is not None
    title = entry.texts["uk"].title
    line = _line(CONTENT_DIR / "faq" / "passport-safekeeping.yaml", f"title: {title}")
    assert _wrong({"uk": [("passport-safekeeping", title, "trial-period")]}) == [
        f"content/faq/passport-safekeeping.yaml:{line}: note: [uk] the bot would answer this "
        f"entry's title \"{title}\" with 'trial-period': reword the title so it says what sets "
        "this entry apart from 'trial-period'"
    ]


def test_an_out_of_scope_example_the_bot_would_answer_is_a_note_at_its_line() -> None:
    example = load_content(CONTENT_DIR).out_of_scope["en"][0]
    line = _line(CONTENT_DIR / "out_of_scope.yaml", f'"{example}"')
    assert _wrong({"en": [(OUT_OF_SCOPE, example, "about-bot-privacy")]}) == [
        f'content/out_of_scope.yaml:{line}: note: [en] "{example}" is listed as not a '
        "question, but the bot would answer it with 'about-bot-privacy': if "
        "'about-bot-privacy' does answer it, move it there as a phrasing; if not, add a few "
        "more messages like it here, and make the phrasings of 'about-bot-privacy' more "
        "specific to its topic"
    ]


# ---- --strict: warnings fail the check, for CI ---------------------------------------------

WARNING = Problem("content/faq/a.yaml", 7, "only 3 question phrasings in 'uk'; ...", "warning")
NOTE = Problem("content/faq/a.yaml", 9, "the bot would answer ...", "note")


def test_warnings_pass_the_check_and_the_summary_says_how_many() -> None:
    report = CheckReport(problems=[WARNING])
    assert not report.failed
    assert report.verdict() == (
        "OK: 0 errors, 1 warning, 0 notes (the bot uses this content; fix the warnings when "
        "you can)"
    )


def test_in_strict_mode_warnings_fail_the_check_and_the_summary_says_so() -> None:
    report = CheckReport(problems=[WARNING], strict=True)
    assert report.failed
    assert report.verdict() == (
        "FAILED: 0 errors, 1 warning, 0 notes (strict: warnings fail the check too)"
    )
    assert str(WARNING) in report.as_text(show_warnings=False)  # --summary shows what fails
    assert CheckReport(strict=True).verdict() == "OK: 0 errors, 0 warnings, 0 notes (strict)"


def test_retrieval_notes_are_listed_and_counted_but_never_fail_the_check() -> None:
    report = CheckReport(problems=[NOTE], strict=True)
    assert not report.failed
    assert report.verdict() == "OK: 0 errors, 0 warnings, 1 note (strict)"
    assert str(NOTE) in report.as_text() and str(NOTE) not in report.as_text(False)


@pytest.fixture
def one_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """The retrieval check finds one thing to fix (and takes no time)."""
    monkeypatch.setattr(
        "bot.content.check._retrieval_problems",
        lambda *args: [WARNING],
    )


@pytest.mark.parametrize(
    ("options", "code", "verdict", "shows_warning"),
    [
        ([], 0, "OK: 0 errors, 1 warning, 0 notes (the bot uses", True),
        (["--summary"], 0, "OK: 0 errors, 1 warning, 0 notes (the bot uses", False),
        (["--strict"], 1, "FAILED: 0 errors, 1 warning, 0 notes (strict: warnings fail", True),
        (["--summary", "--strict"], 1, "FAILED: 0 errors, 1 warning, 0 notes (strict", True),
    ],
)
def test_the_command_exits_1_on_warnings_only_in_strict_mode(
    options: list[str],
    code: int,
    verdict: str,
    shows_warning: bool,
    content_copy: Path,
    one_warning: None,
) -> None:
    result = runner.invoke(app, ["content", "check", *options, "--content-dir", str(content_copy)])
    assert result.exit_code == code, result.output
    assert result.output.splitlines()[-1].startswith(verdict), result.output
    assert (str(WARNING) in result.output) is shows_warning


@pytest.mark.parametrize(("strict", "passed"), [(False, True), (True, False)])
def test_the_json_carries_the_strict_verdict(
    strict: bool, passed: bool, content_copy: Path, one_warning: None
) -> None:
    options = ["--json", "--content-dir", str(content_copy)] + (["--strict"] if strict else [])
    result = runner.invoke(app, ["content", "check", *options])
    data = json.loads(result.output)
    assert (data["strict"], data["passed"], result.exit_code) == (strict, passed, int(not passed))
    assert data["warnings"] == [{"file": WARNING.file, "line": 7, "message": WARNING.message}]


# ---- every other warning says how to fix it ------------------------------------------------


def _warnings(folder: Path, today: dt.date | None = None) -> list[str]:
    return [str(p) for p in inspect_content(folder, today).problems if p.severity == "warning"]


def test_a_stale_checked_date_says_to_recheck_the_sources_and_update_the_date(
    content_copy: Path,
) -> None:
    path = content_copy / "faq" / "visa-free-work.yaml"
    line = _line(path, "checked: ")
    checked = path.read_text(encoding="utf-8").split("checked: ")[1][:10]
    later = dt.date.fromisoformat(checked) + dt.timedelta(days=400)
    assert (
        f"content/faq/visa-free-work.yaml:{line}: warning: checked {checked}, over a year ago: "
        "open the sources, make sure the answer still holds (update it if not), then set "
        "checked: to today's date"
    ) in _warnings(content_copy, later)


def test_a_stale_hotline_says_to_recheck_its_number(content_copy: Path) -> None:
    path = content_copy / "hotlines.yaml"
    line = _line(path, "checked: ")
    checked = path.read_text(encoding="utf-8").split("checked: ")[1][:10]
    later = dt.date.fromisoformat(checked) + dt.timedelta(days=400)
    assert (
        f"content/hotlines.yaml:{line}: warning: checked {checked}, over a year ago: open the "
        "source, make sure it still gives this number, then set checked: to today's date"
    ) in _warnings(content_copy, later)


def test_too_few_phrasings_says_how_many_more_to_add(content_copy: Path) -> None:
    path = content_copy / "faq" / "visa-free-work.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  questions:\n", text.index("\nen:\n")) + len("  questions:\n")
    end = text.index("  answer:", start)
    kept = "".join(text[start:end].splitlines(keepends=True)[:3])
    path.write_text(text[:start] + kept + text[end:], encoding="utf-8")
    line = text[:start].count("\n")
    assert _warnings(content_copy) == [
        f"content/faq/visa-free-work.yaml:{line}: warning: only 3 question phrasings in 'en': "
        "add at least 2 more ways people ask this, so the bot can find this entry (5 or more)"
    ]


def test_a_file_named_unlike_its_id_says_which_to_rename(content_copy: Path) -> None:
    path = content_copy / "faq" / "visa-free-work.yaml"
    path.rename(path.with_name("work-on-a-visa.yaml"))
    line = _line(path.with_name("work-on-a-visa.yaml"), "id: ")
    assert _warnings(content_copy) == [
        f"content/faq/work-on-a-visa.yaml:{line}: warning: the file name does not match the id: "
        "rename the file to visa-free-work.yaml, or set id: work-on-a-visa if the file name is "
        "the right one"
    ]


def test_a_misspelt_ui_key_is_told_the_key_it_was_meant_to_be(content_copy: Path) -> None:
    for lang in ("uk", "en"):
        path = content_copy / "ui" / f"{lang}.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("menu:\n", 'menu:\n  titel: "x"\n', 1), encoding="utf-8")
    line = _line(content_copy / "ui" / "en.yaml", "  titel:")
    assert (
        f"content/ui/en.yaml:{line}: warning: unused key 'menu.titel': the bot never shows this "
        "text; if you meant 'menu.title', fix the key's spelling, otherwise delete it (in both "
        "languages)"
    ) in _warnings(content_copy)


def test_a_missing_out_of_scope_file_says_what_to_put_in_it(content_copy: Path) -> None:
    (content_copy / "out_of_scope.yaml").unlink()
    assert _warnings(content_copy) == [
        "content/out_of_scope.yaml:1: warning: out_of_scope.yaml is missing, so the bot is worse "
        "at saying it does not know: create it with a list under 'uk:' and one under 'en:' of "
        "messages that are not questions (greetings, thanks, small talk)"
    ]


def test_the_real_content_has_no_schema_warnings() -> None:
    assert _warnings(CONTENT_DIR) == []
