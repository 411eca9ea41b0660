"""Agreement between the first annotator (the writers' labels) and an independent second
annotator over a sample of the same texts: Cohen's kappa per label, measured before their
disagreements were settled (`perevir data agreement`). The settled labels are in the data; the
decisions and the rule behind each are in `annotation/adjudication.jsonl`."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.risk.data import TRAINING_DIR, Example

SECOND_PASS = TRAINING_DIR / "annotation" / "second_pass.jsonl"
ADJUDICATION = TRAINING_DIR / "annotation" / "adjudication.jsonl"


@dataclass(frozen=True)
class LabelAgreement:
    """How two annotators agree on one label over the same texts."""

    label: str
    both: int
    first_only: int
    second_only: int
    neither: int

    @property
    def kappa(self) -> float:
        """Cohen's kappa (1 = perfect, 0 = chance); 1.0 when neither ever uses the label."""
        n = self.both + self.first_only + self.second_only + self.neither
        observed = (self.both + self.neither) / n
        first = (self.both + self.first_only) / n
        second = (self.both + self.second_only) / n
        expected = first * second + (1 - first) * (1 - second)
        return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def load_second_pass(path: Path = SECOND_PASS) -> dict[str, frozenset[str]]:
    """The second annotator's labels by text id."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out[str(row["id"])] = frozenset(row["labels"])
    return out


def first_pass(examples: Sequence[Example], path: Path = ADJUDICATION) -> dict[str, frozenset[str]]:
    """The first annotator's labels before the disagreements were settled."""
    labels = {e.id: set(e.labels) for e in examples}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row["first_annotator"]:
                    labels[row["id"]].add(row["label"])
                else:
                    labels[row["id"]].discard(row["label"])
    return {k: frozenset(v) for k, v in labels.items()}


def agreement(
    first_labels: Mapping[str, frozenset[str]],
    second: Mapping[str, frozenset[str]],
    labels: Sequence[str],
) -> list[LabelAgreement]:
    """Per label, the 2×2 table of the two annotators over the texts both labelled."""
    first = {i: v for i, v in first_labels.items() if i in second}
    out = []
    for label in (*labels, "any"):
        cells = [0, 0, 0, 0]
        for text_id, a in first.items():
            b = second[text_id]
            x, y = (bool(a), bool(b)) if label == "any" else (label in a, label in b)
            cells[(0 if x and y else 1 if x else 2 if y else 3)] += 1
        out.append(LabelAgreement(label, *cells))
    return out
