"""The human-readable model card (MODEL_CARD.md) written next to the model files."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def render_model_card(card: dict[str, Any]) -> str:
    """Markdown for people: what the model is, what it was trained on, how well it does."""
    lines = [
        f"# Risk model {card['version']}",
        "",
        "Flags red signs of labour exploitation and trafficking in job adverts and recruiters'",
        "messages (Ukrainian, English, Russian). One logistic regression per label over",
        "negation-aware TF-IDF features of spaCy lemmas; trained by `perevir train`.",
        "",
        f"- Data SHA-256: `{card['data_sha256']}` (training_data/: labels, adverts, splits)",
        f"- Texts: {card['training']}",
        f"- Features: {card['features']}",
        f"- Libraries: {', '.join(f'{k} {v}' for k, v in card['libraries'].items())}",
        "",
        "## Labels, weights and thresholds (chosen on the dev split for the best "
        f"F{card['beta']:g})",
        "",
        f"| label | weight | threshold | C | dev F{card['beta']:g} |",
        "|---|---|---|---|---|",
    ]
    for label in card["labels"]:
        lines.append(
            f"| {label} | {card['weights'][label]} | {card['thresholds'][label]} | "
            f"{card['C'][label]} | {card['dev_f_beta'][label]} |"
        )
    test = card.get("test")
    if test:
        lines += [
            "",
            "## Test split (never used for any choice)",
            "",
            "| label | "
            + " | ".join(f"F1 {lang}" for lang in test["per_label"])
            + " | support (all) |",
            "|---|" + "---|" * (len(test["per_label"]) + 1),
        ]
        for label in card["labels"]:
            cells = [f"{test['per_label'][lang][label]['f1']:.2f}" for lang in test["per_label"]]
            lines.append(
                f"| {label} | "
                + " | ".join(cells)
                + f" | {test['per_label']['all'][label]['support']} |"
            )
        lines += [
            "",
            "| called | recall on risky texts | false-positive rate on legitimate |",
            "|---|---|---|",
        ]
        for name, row in test["levels"].items():
            lines.append(
                f"| {name} | {row['recall_risky']:.3f} | {row['false_positive_rate']:.3f} |"
            )
        baseline = test.get("baseline_levels")
        if baseline:
            lines += [
                "",
                "Keyword baseline on the same texts:",
                "",
                "| called | recall on risky texts | false-positive rate on legitimate |",
                "|---|---|---|",
            ]
            for name, row in baseline.items():
                lines.append(
                    f"| {name} | {row['recall_risky']:.3f} | {row['false_positive_rate']:.3f} |"
                )
    lines += _invariance_and_real(card)
    lines += [
        "",
        "## Limits",
        "",
        "Trained on synthetic texts written by the project (see training_data/DATA_CARD.md);",
        "an automatic check can miss warning signs and can flag honest offers. The bot",
        "says so with every result.",
        "",
    ]
    return "\n".join(lines)


def _invariance_and_real(card: dict[str, Any]) -> list[str]:
    """The invariance checks on the test split and the real adverts, when the card has them."""
    lines: list[str] = []
    if invariance := card.get("invariance"):
        lines += ["", "## Invariance on the test split (`perevir evaluate risk-invariance`)", ""]
        lines += ["| edit | adverts changed |", "|---|---|"]
        lines += [f"| {k} | {v['changed']} of {v['tried']} |" for k, v in invariance.items()]
    if real := card.get("real_adverts"):
        lines += [
            "",
            "## Real adverts quoted in public sources (evaluation/risk/real.yaml, measure only)",
            "",
            "| language | risky called medium+ | legitimate called medium+ | legitimate high |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {k} | {v['risky_medium_plus']} of {v['risky']} | "
            f"{v['legit_medium_plus']} of {v['legit']} | {v['legit_high']} of {v['legit']} |"
            for k, v in real.items()
        ]
    return lines


def write_model_card(card: dict[str, Any], folder: Path) -> Path:
    """Write MODEL_CARD.md."""
    path = folder / "MODEL_CARD.md"
    path.write_text(render_model_card(card), encoding="utf-8")
    return path
