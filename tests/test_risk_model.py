"""The committed risk model: it matches the data, loads safely, and handles denial."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.domain.risk import RiskLevel
from bot.nlp import Lemmatizer
from bot.risk.data import data_hash, load_examples, load_labels, load_splits
from bot.risk.model import ModelError, RiskModel
from tests.conftest import MODELS_DIR

RISK_DIR = MODELS_DIR / "risk"


@pytest.fixture(scope="module")
def model(lemmatizer: Lemmatizer) -> RiskModel:
    return RiskModel.load(RISK_DIR, lemmatizer, [label.id for label in load_labels()])


def test_the_model_was_trained_on_the_current_data(model: RiskModel) -> None:
    assert model.card["data_sha256"] == data_hash(), "run `perevir train`"


def test_the_training_data_is_large_and_has_provenance() -> None:
    examples = load_examples()
    per_lang = {lang: sum(ex.lang == lang for ex in examples) for lang in ("uk", "en", "ru")}
    assert len(examples) >= 1200
    assert per_lang["uk"] >= 450 and per_lang["en"] >= 450 and per_lang["ru"] >= 150
    assert all(ex.provenance_kind in {"written", "modelled", "adapted"} for ex in examples)


def test_every_text_has_a_fixed_split() -> None:
    splits = load_splits()
    assert {ex.id for ex in load_examples()} <= set(splits)


def test_the_model_card_records_what_a_reader_needs(model: RiskModel) -> None:
    card = model.card
    for key in ("version", "data_sha256", "labels", "thresholds", "weights", "libraries", "test"):
        assert key in card
    assert (RISK_DIR / "MODEL_CARD.md").read_text(encoding="utf-8").startswith("# Risk model")


@pytest.mark.parametrize(
    "text",
    [
        "We never keep your passport: it stays with you at all times. Warehouse job in Poznań, "
        "contract signed before departure, 28 PLN/h gross.",
        "Ми ніколи не забираємо паспорти і не беремо жодних оплат з кандидатів. Склад у Вроцлаві, "
        "офіційний договір українською до виїзду, 26 злотих брутто за годину.",
    ],
)
def test_a_denied_red_flag_is_not_raised(model: RiskModel, text: str) -> None:
    flags = {f.id for f in model.check(text).assessment.flags}
    assert "document_retention" not in flags
    assert "fees_debt" not in flags


@pytest.mark.parametrize(
    "text",
    [
        "Your passport will be kept by the coordinator for the whole season for registration. "
        "Registration fee 150 EUR before departure. Leave tomorrow, places are running out!",
        "Паспорт на час роботи залишаєте у бригадира. За оформлення документів 200 євро, "
        "виїзд завтра, місць мало, пишіть у вайбер.",
    ],
)
def test_a_typical_trafficking_lure_is_high_risk_with_evidence(model: RiskModel, text: str) -> None:
    result = model.check(text)
    flags = {f.id: f for f in result.assessment.flags}
    assert result.assessment.level is RiskLevel.HIGH
    assert "document_retention" in flags
    assert all(len(e) < 80 and e in text for f in flags.values() for e in f.evidence)


def test_a_missing_model_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="run `perevir train`"):
        RiskModel.load(tmp_path / "risk")


def test_a_tampered_model_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "risk"
    shutil.copytree(RISK_DIR, copy)
    vocabulary = json.loads((copy / "vocabulary.json").read_text(encoding="utf-8"))
    (copy / "vocabulary.json").write_text(json.dumps(vocabulary[::-1]), encoding="utf-8")
    with pytest.raises(ModelError, match="does not match its model card"):
        RiskModel.load(copy)


def test_a_pickle_in_place_of_the_weights_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "risk"
    shutil.copytree(RISK_DIR, copy)
    np.save(copy / "weights.npy", np.array([object()], dtype=object), allow_pickle=True)
    (copy / "weights.npy").replace(copy / "weights.npz")
    card = json.loads((copy / "model_card.json").read_text(encoding="utf-8"))
    card["files"]["weights.npz"] = (
        __import__("hashlib").sha256((copy / "weights.npz").read_bytes()).hexdigest()
    )
    (copy / "model_card.json").write_text(json.dumps(card), encoding="utf-8")
    with pytest.raises(ModelError):
        RiskModel.load(copy)


def test_a_foreign_card_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "risk"
    shutil.copytree(RISK_DIR, copy)
    (copy / "model_card.json").write_text('{"format": "something-else"}', encoding="utf-8")
    with pytest.raises(ModelError, match="does not hold a Perevir risk model"):
        RiskModel.load(copy)


def test_on_the_test_split_the_model_beats_the_keyword_baseline_and_its_floors(
    model: RiskModel,
) -> None:
    from bot.risk.data import split_examples
    from bot.risk.evaluate import evaluate_split

    test = split_examples(load_examples(), load_splits())["test"]
    reports = evaluate_split(model, test)
    ours, keywords = reports["model"].levels, reports["baseline"].levels
    # Measured 0.882 / 0.062 (medium+) and 0.826 / 0.037 (high) on the test split with its
    # contrastive pairs (issue 13); floors leave a small margin.
    assert ours["medium+"]["recall_risky"] >= 0.85
    assert ours["medium+"]["false_positive_rate"] <= 0.09
    assert ours["high"]["recall_risky"] >= 0.79
    assert ours["high"]["false_positive_rate"] <= 0.06
    assert ours["high"]["false_positive_rate"] < keywords["high"]["false_positive_rate"] / 5
    assert ours["medium+"]["recall_risky"] > keywords["medium+"]["recall_risky"]
    assert reports["model"].per_label["all"]["vague_employer"]["f1"] >= 0.8  # 30+ test examples
