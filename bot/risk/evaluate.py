"""`perevir evaluate risk`: honest measurements of the checker on the held-out test split."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from bot.domain.risk import RiskLevel, assess, level_for
from bot.risk.baseline import keyword_flags
from bot.risk.data import Example
from bot.risk.model import RiskModel

LEVELS = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH)
Scorer = Callable[[Example], dict[str, float]]


def gold_level(example: Example, weights: dict[str, float]) -> RiskLevel:
    """The level the risk rule gives to the text's gold labels."""
    return level_for(sorted(example.labels), weights)


@dataclass
class SystemReport:
    """Metrics of one system (the model or the baseline) on a set of texts."""

    per_label: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    """language ('all', 'uk', ...) -> label -> precision, recall, f1, support."""
    levels: dict[str, dict[str, float]] = field(default_factory=dict)
    """'medium+' / 'high' -> recall on risky texts, false-positive rate on legitimate ones."""
    confusion: list[list[int]] = field(default_factory=list)
    probabilities: dict[str, list[float]] = field(default_factory=dict)


def _scores(
    examples: list[Example],
    labels: list[str],
    scorer: Scorer,
    thresholds: dict[str, float],
    weights: dict[str, float],
) -> SystemReport:
    probs = [scorer(ex) for ex in examples]
    report = SystemReport()
    report.probabilities = {label: [p[label] for p in probs] for label in labels}
    groups: dict[str, list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        groups["all"].append(i)
        groups[ex.lang].append(i)
    for lang, idx in sorted(groups.items()):
        report.per_label[lang] = {}
        for label in labels:
            y = np.asarray([label in examples[i].labels for i in idx])
            pred = np.asarray([probs[i][label] >= thresholds[label] for i in idx])
            p, r, f1, _ = precision_recall_fscore_support(
                y, pred, average="binary", zero_division=0
            )
            report.per_label[lang][label] = {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f1), 4),
                "support": int(y.sum()),
            }
    predicted = [assess(p, thresholds, weights).level for p in probs]
    gold = [gold_level(ex, weights) for ex in examples]
    risky = [bool(ex.labels) for ex in examples]
    for name, cut in (("medium+", (RiskLevel.MEDIUM, RiskLevel.HIGH)), ("high", (RiskLevel.HIGH,))):
        called = [lvl in cut for lvl in predicted]
        tp = sum(c and r for c, r in zip(called, risky, strict=True))
        fp = sum(c and not r for c, r in zip(called, risky, strict=True))
        report.levels[name] = {
            "recall_risky": round(tp / max(1, sum(risky)), 4),
            "false_positive_rate": round(fp / max(1, len(risky) - sum(risky)), 4),
        }
    report.confusion = [
        [
            sum(1 for g, p in zip(gold, predicted, strict=True) if g == gl and p == pl)
            for pl in LEVELS
        ]
        for gl in LEVELS
    ]
    return report


def evaluate_split(model: RiskModel, examples: list[Example]) -> dict[str, SystemReport]:
    """The model and the keyword baseline on the same texts."""

    def by_model(ex: Example) -> dict[str, float]:
        return model.probabilities(ex.lang, ex.text)

    baseline_thresholds = dict.fromkeys(model.labels, 0.5)
    return {
        "model": _scores(examples, model.labels, by_model, model.thresholds, model.weights),
        "baseline": _scores(
            examples,
            model.labels,
            lambda ex: keyword_flags(ex.text),
            baseline_thresholds,
            model.weights,
        ),
    }


def write_charts(
    model: RiskModel, examples: list[Example], reports: dict[str, SystemReport], folder: Path
) -> list[Path]:
    """PNG: precision-recall curves per label, and the confusion matrix of risk levels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve

    folder.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(9, 7))
    for label in model.labels:
        y = [label in ex.labels for ex in examples]
        if not any(y):
            continue
        precision, recall, _ = precision_recall_curve(y, reports["model"].probabilities[label])
        ax.plot(recall, precision, label=label)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Risk model: precision-recall per label (test split)")
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(alpha=0.3)
    pr_path = folder / "precision_recall.png"
    fig.savefig(pr_path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    for ax, name in zip(axes, ("model", "baseline"), strict=True):
        matrix = np.asarray(reports[name].confusion)
        ax.imshow(matrix, cmap="Blues")
        for i in range(3):
            for j in range(3):
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center")
        ticks = [lvl.value for lvl in LEVELS]
        ax.set_xticks(range(3), ticks)
        ax.set_yticks(range(3), ticks)
        ax.set_xlabel("predicted level")
        ax.set_ylabel("gold level")
        ax.set_title(f"{name}: risk levels (test split)")
    cm_path = folder / "risk_levels_confusion.png"
    fig.savefig(cm_path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return [pr_path, cm_path]


EXTERNAL_ADVERTS = ("locanto_ie_ads.jsonl", "emscad_subset.jsonl")
"""The files of real adverts in ../shared/data/external (read for measuring, never copied)."""


def read_jsonl(path: Path) -> Iterable[dict[str, Any]]:
    """The objects of a JSON-lines file."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def evaluate_external(model: RiskModel, folder: Path) -> dict[str, Any]:
    """Shares the checker flags on real adverts nobody on the project wrote."""
    result: dict[str, Any] = {}
    irish_path = folder / "locanto_ie_ads.jsonl"
    if irish_path.exists():
        rows = []
        for ad in read_jsonl(irish_path):
            check = model.check(f"{ad.get('title', '')}\n{ad.get('text', '')}", "en")
            rows.append((check.assessment.score, check.assessment.level, ad, check))
        n = len(rows)
        high = sum(1 for r in rows if r[1] is RiskLevel.HIGH)
        medium = sum(1 for r in rows if r[1] is RiskLevel.MEDIUM)
        top = sorted(rows, key=lambda r: -r[0])[:20]
        result["irish"] = {
            "adverts": n,
            "high": high,
            "medium": medium,
            "high_share": round(high / max(1, n), 4),
            "medium_share": round(medium / max(1, n), 4),
            "top20": [
                {
                    "id": r[2]["id"],
                    "title": r[2].get("title", ""),
                    "level": r[1].value,
                    "score": r[0],
                    "flags": [f.id for f in r[3].assessment.flags],
                    "evidence": [e for f in r[3].assessment.flags for e in f.evidence][:4],
                }
                for r in top
            ],
        }
    emscad_path = folder / "emscad_subset.jsonl"
    if emscad_path.exists():
        counts: dict[str, dict[str, int]] = {
            "fraudulent": defaultdict(int),
            "legitimate": defaultdict(int),
        }
        for ad in read_jsonl(emscad_path):
            check = model.check(f"{ad.get('title', '')}\n{ad.get('text', '')}", "en")
            kind = "fraudulent" if int(ad.get("fraudulent", 0)) else "legitimate"
            counts[kind]["n"] += 1
            counts[kind][check.assessment.level.value] += 1
            counts[kind]["flagged"] += bool(check.assessment.flags)
        emscad: dict[str, Any] = {}
        for kind, c in counts.items():
            n = max(1, c["n"])
            emscad[kind] = {
                "adverts": c["n"],
                "high_share": round(c["high"] / n, 4),
                "medium_plus_share": round((c["high"] + c["medium"]) / n, 4),
                "any_flag_share": round(c["flagged"] / n, 4),
            }
        result["emscad"] = emscad
    return result
