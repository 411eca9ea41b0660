"""The overall risk of a job offer, from the combination of red flags the model raised.

The rule (also in training_data/DATA_CARD.md):

* Each label has a weight class: severe (1.0), moderate (0.5) or weak (0.25).
* A flag is raised when its probability reaches the label's threshold (tuned on the dev split).
* The evidence sum is the sum of the weights of the raised flags (the threshold already says
  the model is sure enough, so a raised flag counts fully).
* Level: HIGH when the sum reaches 1.0 (one confident severe flag, or two moderate ones, or a
  moderate one with two weak ones); MEDIUM when it reaches 0.4 (a moderate flag, or two weak
  ones); LOW otherwise, including a single weak flag, which alone describes too many honest
  adverts to alarm anyone.
* The score in [0, 1] is 1 - exp(-S), where S sums, over all labels, the weight times
  (probability / threshold)^4, each term capped at 2. A flag at its threshold adds its full
  weight, one well below it adds almost nothing, so one severe flag scores about 0.63, two
  about 0.86, and an advert with no flag near its threshold stays low.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

WEIGHTS = {"severe": 1.0, "moderate": 0.5, "weak": 0.25}
HIGH_AT = 1.0
MEDIUM_AT = 0.4
SCORE_POWER = 4
SCORE_TERM_CAP = 2.0


class RiskLevel(StrEnum):
    """Overall risk of an offer."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Flag:
    """A raised red flag: label id, probability, and the phrases that support it."""

    id: str
    confidence: float
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assessment:
    """The verdict on one text."""

    level: RiskLevel
    score: float
    flags: tuple[Flag, ...]


def level_for(raised: list[str], weights: dict[str, float]) -> RiskLevel:
    """The risk level for the raised flags: the sum of their weights against two bars."""
    total = sum(weights[label] for label in raised)
    if total >= HIGH_AT:
        return RiskLevel.HIGH
    if total >= MEDIUM_AT:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def risk_score(
    probabilities: dict[str, float], thresholds: dict[str, float], weights: dict[str, float]
) -> float:
    """Combined score in [0, 1], relative to each label's threshold (see the module doc)."""
    total = 0.0
    for label, p in probabilities.items():
        ratio = max(0.0, p) / max(thresholds[label], 1e-6)
        total += weights[label] * min(SCORE_TERM_CAP, ratio**SCORE_POWER)
    return round(1.0 - math.exp(-total), 4)


def assess(
    probabilities: dict[str, float], thresholds: dict[str, float], weights: dict[str, float]
) -> Assessment:
    """Raise flags whose probability reaches their threshold, then rate the combination."""
    raised = {label: p for label, p in probabilities.items() if p >= thresholds[label]}
    level = level_for(list(raised), weights)
    flags = tuple(
        Flag(label, round(p, 4))
        for label, p in sorted(raised.items(), key=lambda kv: (-weights[kv[0]], -kv[1]))
    )
    return Assessment(level, risk_score(probabilities, thresholds, weights), flags)
