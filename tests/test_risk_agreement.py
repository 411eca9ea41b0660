"""Cohen's kappa between the two annotators, as the data card reports it."""

from __future__ import annotations

from bot.risk.agreement import LabelAgreement, agreement, first_pass, load_second_pass
from bot.risk.data import load_examples, load_labels


def test_kappa_is_one_for_perfect_agreement_and_zero_for_chance() -> None:
    assert LabelAgreement("x", 10, 0, 0, 90).kappa == 1.0
    assert abs(LabelAgreement("x", 25, 25, 25, 25).kappa) < 1e-9


def test_the_second_pass_covers_200_texts_and_every_label_agrees_well() -> None:
    second = load_second_pass()
    assert len(second) >= 200
    examples = load_examples()
    rows = agreement(first_pass(examples), second, [label.id for label in load_labels()])
    assert all(row.kappa >= 0.8 for row in rows), [(r.label, round(r.kappa, 2)) for r in rows]
    before = next(row for row in rows if row.label == "vague_employer")
    settled = agreement({e.id: e.labels for e in examples}, second, ["vague_employer"])[0]
    assert settled.kappa > before.kappa  # the settled labels moved towards the second pass
