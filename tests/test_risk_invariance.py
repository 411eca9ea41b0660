"""Edits that must not change the checker's verdict, over the whole test split, and the
training data's surface shortcuts: a model that learns the writers' habits fails here."""

from __future__ import annotations

import pytest

from bot.nlp import Lemmatizer
from bot.quality.risk_invariance import (
    InvarianceReport,
    check_invariance,
    swap_company,
    swap_country,
    swap_currency,
)
from bot.risk.data import load_examples, load_labels, load_splits, split_examples
from bot.risk.model import RiskModel
from bot.risk.shortcuts import check as shortcut_check
from tests.conftest import MODELS_DIR

# Measured with `perevir evaluate risk-invariance` on the test split (see the model card). The
# aim is zero everywhere; these are the counts reached (issue 13, 2026-12-03; before: 42 of 110,
# 0 of 138, 0 of 24, 1 of 39, 49 of 198, 4 of 13 on the smaller test split), so a change that
# makes the checker lean on the writers' habits again fails here.
ALLOWED = {
    "neutral employer line lowers a risky level": 31,
    "swapping the currency changes a level": 2,
    "swapping the country changes a level": 0,
    "swapping the company name changes a level": 3,
    "a neutral season or contract end raises withheld_wages": 24,
    "a denial lowers document_retention": 4,
}
SURFACE_AUC_LIMIT = 0.80  # measured 0.770 (was 0.903 before the new texts); the aim is 0.75
"""Surface features alone (`perevir data risk-shortcuts`) must not tell the classes apart better
than this, cross-validated."""


@pytest.fixture(scope="module")
def report(lemmatizer: Lemmatizer) -> InvarianceReport:
    model = RiskModel.load(MODELS_DIR / "risk", lemmatizer, [label.id for label in load_labels()])
    test = split_examples(load_examples(), load_splits())["test"]
    return check_invariance(model, test)


@pytest.mark.parametrize("check", list(ALLOWED))
def test_an_edit_that_should_not_matter_does_not_change_the_verdict(
    report: InvarianceReport, check: str
) -> None:
    changed, tried = report.counts[check]
    assert tried > 0, check
    assert changed <= ALLOWED[check], (check, report.examples[check])


def test_the_swaps_change_only_what_they_name() -> None:
    text = "Робота в Польщі, 3000 € брутто. Роботодавець: Baltic Logistic Sp. z o.o."
    assert swap_currency(text) == text.replace("€", "zł")
    assert swap_country(text) == text.replace("Польщі", "Чехії")
    assert swap_company(text) == text.replace("Baltic Logistic", "Nordwind Harbour Services")
    assert swap_country("Work in Germany") == "Work in Lithuania"


def test_surface_features_alone_do_not_separate_risky_from_legitimate_texts() -> None:
    assert shortcut_check(load_examples()).auc <= SURFACE_AUC_LIMIT
