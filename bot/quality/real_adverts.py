"""The risk checker on real adverts quoted verbatim in public sources (`evaluation/risk/real.yaml`,
collected with their URLs, never used for training or for any choice)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.domain.risk import RiskLevel
from bot.risk.model import RiskModel

REAL_FILE = Path("risk") / "real.yaml"


@dataclass(frozen=True)
class RealAdvert:
    """One real advert, its source and its labels."""

    id: str
    lang: str
    text: str
    risky: bool
    flags: frozenset[str]
    source_url: str


@dataclass
class RealScore:
    """How the checker's levels and flags compare with the labels, for one group of adverts."""

    risky: int = 0
    risky_medium_plus: int = 0
    legit: int = 0
    legit_medium_plus: int = 0
    legit_high: int = 0
    flags: int = 0
    flags_found: int = 0

    @property
    def recall(self) -> float:
        """Risky adverts called medium or high."""
        return self.risky_medium_plus / self.risky if self.risky else 0.0

    @property
    def false_alarms(self) -> float:
        """Legitimate adverts called medium or high."""
        return self.legit_medium_plus / self.legit if self.legit else 0.0

    @property
    def false_high(self) -> float:
        """Legitimate adverts called high."""
        return self.legit_high / self.legit if self.legit else 0.0


def load_real(folder: Path) -> list[RealAdvert]:
    """The real adverts of `folder / REAL_FILE`."""
    raw: list[dict[str, Any]] = yaml.safe_load((folder / REAL_FILE).read_text(encoding="utf-8"))
    return [
        RealAdvert(
            str(r["id"]),
            str(r["lang"]),
            str(r["text"]),
            bool(r["risky"]),
            frozenset(r.get("flags") or ()),
            str(r["source_url"]),
        )
        for r in raw
    ]


def score_real(model: RiskModel, adverts: Sequence[RealAdvert]) -> dict[str, RealScore]:
    """Per language and overall ("all"): levels on risky and legitimate adverts, flags found."""
    scores: dict[str, RealScore] = {}
    for advert in adverts:
        verdict = model.check(advert.text, advert.lang).assessment
        raised = {f.id for f in verdict.flags}
        for key in (advert.lang, "all"):
            row = scores.setdefault(key, RealScore())
            alarm = verdict.level is not RiskLevel.LOW
            if advert.risky:
                row.risky += 1
                row.risky_medium_plus += alarm
            else:
                row.legit += 1
                row.legit_medium_plus += alarm
                row.legit_high += verdict.level is RiskLevel.HIGH
            row.flags += len(advert.flags)
            row.flags_found += len(advert.flags & raised)
    return scores
