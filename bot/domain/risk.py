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
* The score in [0, 1] is a noisy-OR of weight x probability over all labels, so it rises with
  every additional signal and never depends on one keyword.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

WEIGHTS = {"severe": 1.0, "moderate": 0.5, "weak": 0.25}
HIGH_AT = 1.0
MEDIUM_AT = 0.4


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


def noisy_or(probabilities: dict[str, float], weights: dict[str, float]) -> float:
    """Combined score: 1 - prod(1 - weight x probability)."""
    remaining = 1.0
    for label, p in probabilities.items():
        remaining *= 1.0 - min(1.0, max(0.0, weights[label] * p))
    return round(1.0 - remaining, 4)


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
    return Assessment(level, noisy_or(probabilities, weights), flags)
