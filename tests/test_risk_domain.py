"""The overall risk rule and evidence quoting, with plain values."""

from __future__ import annotations

import pytest

from bot.domain.explain import evidence_phrases
from bot.domain.risk import RiskLevel, assess, level_for, risk_score

WEIGHTS = {
    "passport": 1.0,
    "fees": 1.0,
    "wages": 0.5,
    "contract": 0.5,
    "haste": 0.25,
    "vague": 0.25,
    "pay": 0.25,
}
THRESHOLDS = dict.fromkeys(WEIGHTS, 0.5)


@pytest.mark.parametrize(
    ("raised", "level"),
    [
        ([], RiskLevel.LOW),
        (["vague"], RiskLevel.LOW),
        (["vague", "haste"], RiskLevel.MEDIUM),
        (["wages"], RiskLevel.MEDIUM),
        (["wages", "contract"], RiskLevel.HIGH),
        (["wages", "vague", "haste"], RiskLevel.HIGH),
        (["passport"], RiskLevel.HIGH),
        (["vague", "haste", "pay"], RiskLevel.MEDIUM),
    ],
)
def test_the_level_comes_from_the_combination_of_flags(raised: list[str], level: RiskLevel) -> None:
    assert level_for(raised, WEIGHTS) is level


def test_one_weak_keyword_alone_never_makes_an_offer_risky() -> None:
    probs = dict.fromkeys(WEIGHTS, 0.0) | {"vague": 0.99}
    assert assess(probs, THRESHOLDS, WEIGHTS).level is RiskLevel.LOW


def test_the_score_rises_with_each_signal_and_stays_low_without_flags() -> None:
    none = dict.fromkeys(WEIGHTS, 0.1)
    one = none | {"passport": 0.6}
    two = one | {"fees": 0.6}
    assert risk_score(none, THRESHOLDS, WEIGHTS) < 0.1
    assert (
        risk_score(none, THRESHOLDS, WEIGHTS)
        < risk_score(one, THRESHOLDS, WEIGHTS)
        < risk_score(two, THRESHOLDS, WEIGHTS)
        <= 1.0
    )


def test_flags_are_listed_severe_first() -> None:
    probs = dict.fromkeys(WEIGHTS, 0.0) | {"vague": 0.9, "passport": 0.6}
    assert [f.id for f in assess(probs, THRESHOLDS, WEIGHTS).flags] == ["passport", "vague"]


def test_evidence_quotes_short_phrases_not_the_whole_text() -> None:
    text = "Great job in Poland. Passport stays with the coordinator. Call now."
    spans = [
        (0, 5),
        (6, 9),
        (10, 12),
        (13, 19),
        (21, 29),
        (30, 35),
        (36, 40),
        (41, 44),
        (45, 56),
        (58, 62),
        (63, 66),
    ]
    push = [0, 0, 0, 0, 2.0, 0.1, 0.2, 0.1, 1.5, 0, 0]
    assert evidence_phrases(text, spans, push) == ("Passport stays with the coordinator",)


def test_no_positive_push_means_no_evidence() -> None:
    assert evidence_phrases("text", [(0, 4)], [-1.0]) == ()
