"""How well the checker's quoted evidence carries its flags, against a gold set of spans written
for it (`evaluation/risk/spans.yaml`, never used for training or choices).

A quoted phrase of a flag is right when at least half of its characters lie inside a gold span
of that flag. Precision: right phrases over all phrases quoted for flags the gold set also
marks (a wrong flag is the classifier's error, measured elsewhere). Recall: gold spans with at
least one right phrase over all gold spans.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.risk.model import RiskModel

SPANS_FILE = Path("risk") / "spans.yaml"
INSIDE = 0.5


@dataclass(frozen=True)
class GoldText:
    """A text with the spans that carry each of its flags."""

    id: str
    lang: str
    text: str
    spans: dict[str, list[str]]


@dataclass
class EvidenceScore:
    """Counts behind span precision and recall, overall and per label."""

    phrases: int = 0
    right_phrases: int = 0
    gold_spans: int = 0
    found_spans: int = 0
    per_label: dict[str, list[int]] = field(default_factory=dict)
    """Per label: [phrases, right phrases, gold spans, found spans]."""

    @property
    def precision(self) -> float:
        """Share of quoted phrases that lie inside a gold span of their flag."""
        return self.right_phrases / self.phrases if self.phrases else 0.0

    @property
    def recall(self) -> float:
        """Share of gold spans quoted by at least one right phrase."""
        return self.found_spans / self.gold_spans if self.gold_spans else 0.0


PARTS = ("dev", "test", "all")


def load_gold(folder: Path, part: str = "test") -> list[GoldText]:
    """The gold texts of `folder / SPANS_FILE` in one part (dev: odd ids, test: even ids)."""
    raw: list[dict[str, Any]] = yaml.safe_load((folder / SPANS_FILE).read_text(encoding="utf-8"))
    texts = [
        GoldText(str(r["id"]), str(r["lang"]), str(r["text"]), dict(r.get("flags") or {}))
        for r in raw
    ]
    if part == "all":
        return texts
    odd = part == "dev"
    return [t for t in texts if (int(t.id.rsplit("-", 1)[1]) % 2 == 1) == odd]


def _where(text: str, phrase: str) -> tuple[int, int] | None:
    """Where a phrase (whitespace collapsed, as quoted) lies in the text."""
    pattern = r"\s+".join(re.escape(part) for part in phrase.split())
    found = re.search(pattern, text)
    return found.span() if found else None


def _inside(part: tuple[int, int], whole: tuple[int, int]) -> bool:
    overlap = min(part[1], whole[1]) - max(part[0], whole[0])
    return overlap >= INSIDE * (part[1] - part[0])


def score_evidence(model: RiskModel, gold: Sequence[GoldText]) -> EvidenceScore:
    """Precision and recall of the model's evidence phrases against the gold spans."""
    score = EvidenceScore()
    for item in gold:
        flags = {f.id: f.evidence for f in model.check(item.text, item.lang).assessment.flags}
        for label, spans in item.spans.items():
            places = [p for s in spans if (p := _where(item.text, s)) is not None]
            quoted = [p for q in flags.get(label, ()) if (p := _where(item.text, q)) is not None]
            right = [q for q in quoted if any(_inside(q, g) for g in places)]
            found = [g for g in places if any(_inside(q, g) for q in quoted)]
            row = score.per_label.setdefault(label, [0, 0, 0, 0])
            for k, value in enumerate((len(quoted), len(right), len(places), len(found))):
                row[k] += value
            score.phrases += len(quoted)
            score.right_phrases += len(right)
            score.gold_spans += len(places)
            score.found_spans += len(found)
    return score
