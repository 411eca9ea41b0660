"""`perevir ask --jsonl` and `perevir check-ad --jsonl`: one JSON line in, one result line out,
in order, with the same shapes as `--json`; a bad line gets an error line and the rest go on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()
ASK_KEYS = {"language", "answer_language", "topic", "confidence", "answer", "suggestions"}


@pytest.fixture(autouse=True)
def _own_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEREVIR_DATA_DIR", str(tmp_path / "data"))


def test_ask_jsonl_answers_every_line_in_order_and_reports_bad_lines() -> None:
    lines = [
        {"text": "can my employer keep my passport", "lang": "en"},
        "this is not json",
        {"text": "чи можна працювати в Польщі по безвізу"},
        {"lang": "en"},
        {"text": "работодатель забрал паспорт", "lang": "de"},
    ]
    given = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
    result = runner.invoke(app, ["ask", "--jsonl", "-"], input=given + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 5
    assert set(out[0]) == ASK_KEYS and out[0]["topic"] == "passport-safekeeping"
    assert out[1] == {"error": "not JSON: Expecting value at column 1"}
    assert out[2]["topic"] == "visa-free-work" and out[2]["answer_language"] == "uk"
    assert out[3] == {"error": 'each line must be an object with a "text" string'}
    assert out[4] == {"error": '"lang" must be "uk" or "en"'}


def test_ask_wants_a_question_or_a_file_not_both(tmp_path: Path) -> None:
    assert runner.invoke(app, ["ask"]).exit_code == 2
    (tmp_path / "q.jsonl").write_text('{"text": "hello"}\n', encoding="utf-8")
    both = runner.invoke(app, ["ask", "hello", "--jsonl", str(tmp_path / "q.jsonl")])
    assert both.exit_code == 2


def test_check_ad_jsonl_checks_every_advert_with_the_json_shape(tmp_path: Path) -> None:
    adverts = [
        "Warehouse work in Poland, 5000 EUR a month, no experience. The coordinator keeps your "
        "passport, pay 200 EUR for the papers before departure.",
        "Bakery in Gdansk hires a baker: contract of employment, 28 PLN gross per hour, "
        "training, 40 hours a week. Apply on our website with your CV.",
    ]
    source = tmp_path / "ads.jsonl"
    source.write_text("\n".join(json.dumps({"text": a}) for a in adverts) + "\n", "utf-8")
    single = json.loads(runner.invoke(app, ["check-ad", "--json", "-"], input=adverts[0]).stdout)
    result = runner.invoke(app, ["check-ad", "--jsonl", str(source)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 2 and out[0] == single
    assert out[0]["risk"] in ("medium", "high") and out[1]["risk"] == "low"
