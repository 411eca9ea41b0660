"""The `perevir` command as a person or a script uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each command test has its own data folder (`perevir chat` stores the person there)."""
    monkeypatch.setenv("PEREVIR_DATA_DIR", str(tmp_path / "data"))


def _one_json_object(output: str) -> dict:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    return json.loads(lines[0])


def test_ask_json_prints_exactly_one_object_with_the_documented_keys() -> None:
    result = runner.invoke(app, ["ask", "--json", "can my employer keep my passport"])
    assert result.exit_code == 0, result.output
    data = _one_json_object(result.output)
    assert set(data) == {
        "language",
        "answer_language",
        "topic",
        "confidence",
        "answer",
        "suggestions",
    }
    assert data["language"] == "en" and data["answer_language"] == "en"
    assert data["topic"] == "passport-safekeeping"
    assert "passport" in data["answer"].lower()


def test_ask_answers_russian_in_ukrainian() -> None:
    result = runner.invoke(app, ["ask", "--json", "работодатель забрал мой паспорт что делать"])
    data = _one_json_object(result.output)
    assert data["language"] == "ru"
    assert data["answer_language"] == "uk"


def test_ask_json_for_small_talk_has_no_topic() -> None:
    data = _one_json_object(runner.invoke(app, ["ask", "--json", "привіт"]).output)
    assert data["topic"] is None and data["answer"] is None


def test_check_ad_json_prints_the_documented_shape() -> None:
    advert = (
        "Urgent! Girls 18-25 wanted as hostesses in Dubai, 5000 USD a month, no experience. "
        "Flight paid, you return it from your salary. Passport stays with the manager. "
        "Write on WhatsApp only."
    )
    result = runner.invoke(app, ["check-ad", "--json", "-"], input=advert)
    assert result.exit_code == 0, result.output
    data = _one_json_object(result.output)
    assert set(data) == {"language", "risk", "score", "flags", "advice", "model_version"}
    assert data["risk"] == "high"
    assert 0.0 <= data["score"] <= 1.0
    ids = {f["id"] for f in data["flags"]}
    assert "sexual_lure" in ids
    for flag in data["flags"]:
        assert set(flag) == {"id", "confidence", "evidence"}
        assert all(e in advert for e in flag["evidence"])


def test_check_ad_reads_a_file_and_prints_a_readable_report(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ad.txt"
    path.write_text(
        "Склад у Польщі, офіційний договір, 25 злотих брутто за годину, житло "
        "200 злотих на місяць за договором, жодних оплат від працівника.",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["check-ad", str(path)])
    assert result.exit_code == 0, result.output
    assert "Перевірка" in result.output or "перевірк" in result.output.lower()


def test_content_check_json_prints_one_object() -> None:
    result = runner.invoke(app, ["content", "check", "--json"])
    data = _one_json_object(result.output)
    assert result.exit_code == 0
    assert set(data) == {
        "entries",
        "languages",
        "missing_translations",
        "errors",
        "warnings",
        "notes",
        "strict",
        "passed",
    }
    assert data["entries"] >= 30 and data["languages"] == {
        "uk": data["entries"],
        "en": data["entries"],
    }


@pytest.mark.parametrize("command", [["run"], ["chat"]])
def test_without_a_token_run_explains_how_to_get_one(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    result = runner.invoke(app, command, input="/quit\n")
    assert result.exit_code == 0, result.output
    if command == ["run"]:
        assert "@BotFather" in result.output and "perevir chat" in result.output
    else:
        assert "Оберіть мову" in result.output


def test_the_terminal_chat_walks_through_language_and_a_question() -> None:
    result = runner.invoke(app, ["chat"], input="2\nhow do I check an agency\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "[1] Українська" in result.output
    assert "we'll talk in English" in result.output
    assert "agenc" in result.output.lower()


def test_the_terminal_chat_runs_the_same_use_cases_as_telegram() -> None:
    from bot.content import load_content
    from bot.content.view import RenderedContent
    from tests.conftest import CONTENT_DIR

    view = RenderedContent(load_content(CONTENT_DIR))
    lines = "2\n/forget\n2\ntalk to a human please\n/quit\n"
    result = runner.invoke(app, ["chat"], input=lines)
    assert result.exit_code == 0, result.output
    assert _plain(view.text("en", "handoff.forget_confirm")) in result.output
    assert _plain(view.text("en", "handoff.forget_cancelled")) in result.output
    # no counsellors' group is configured: the terminals' own one (`perevir chat --counsellor`)
    assert _plain(view.text("en", "handoff.agree")) in result.output
    assert _plain(view.text("en", "not_built.counsellor")) not in result.output
    again = runner.invoke(app, ["chat"], input="/quit\n")  # the same person, remembered
    assert "[1] Українська" not in again.output


def _plain(text: str) -> str:
    from bot.terminal import plain

    return plain(text)


def test_check_ad_refuses_empty_input_and_reads_broken_encodings() -> None:
    empty = runner.invoke(app, ["check-ad", "-"], input="  \n")
    assert empty.exit_code == 2 and "Nothing to check" in empty.output
    broken = (
        b"\xff\xfe Work in Poland, the coordinator keeps your passport, pay 200 EUR for papers."
    )
    result = runner.invoke(app, ["check-ad", "--json", "-"], input=broken)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["flags"]


def test_the_console_takes_a_digit_that_is_not_ascii_as_text() -> None:
    result = runner.invoke(app, ["chat"], input="²\n")
    assert result.exit_code == 0, result.output


def test_the_content_check_shape_matches_the_report() -> None:
    """bot.cli.shapes defines the printed JSON; CheckReport.as_json must not drift from it."""
    from bot.cli.shapes import content_check_json
    from bot.content.check import CheckReport
    from bot.content.loader import Problem

    report = CheckReport(
        entries=2,
        languages={"uk": 2, "en": 1},
        missing_translations=["visa-free"],
        problems=[
            Problem("faq/a.yaml", 3, "no answer"),
            Problem("faq/b.yaml", 7, "confusable", severity="warning"),
        ],
    )
    assert content_check_json(report) == {
        "entries": 2,
        "languages": {"uk": 2, "en": 1},
        "missing_translations": ["visa-free"],
        "errors": [{"file": "faq/a.yaml", "line": 3, "message": "no answer"}],
        "warnings": [{"file": "faq/b.yaml", "line": 7, "message": "confusable"}],
        "notes": [],
        "strict": False,
        "passed": False,
    }


def test_the_check_ad_shape_has_the_documented_keys_in_the_cards_language() -> None:
    from bot.cli.model import _advice
    from bot.cli.shapes import check_ad_json
    from bot.risk.model import RiskModel
    from tests.conftest import CONTENT_DIR, MODELS_DIR

    model = RiskModel.load(MODELS_DIR / "risk")
    for text, advice_language in (
        ("Passport stays with the manager, pay 200 EUR.", "en"),
        ("Паспорт останется у менеджера, оплата 200 евро.", "uk"),
    ):
        result = model.check(text)
        shape = check_ad_json(result, _advice(result, CONTENT_DIR))
        assert set(shape) == {"language", "risk", "score", "flags", "advice", "model_version"}
        assert all(set(f) == {"id", "confidence", "evidence"} for f in shape["flags"])
        assert shape["advice"] and (advice_language == "uk") == any(
            "\u0400" <= c <= "\u04ff" for c in shape["advice"]
        )
