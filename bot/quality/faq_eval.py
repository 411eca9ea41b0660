"""Top-1 accuracy of FAQ retrieval on held-out questions that are not in the content."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.domain.dialogue import Dialogue
from bot.domain.faq import Band


@dataclass(frozen=True)
class EvalItem:
    """A held-out question, its language and the entry that answers it (None: out of scope)."""

    lang: str
    question: str
    topic: str | None


@dataclass
class LanguageScore:
    """Results for one language."""

    questions: int = 0
    top1: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    out_of_scope: int = 0
    out_of_scope_answered: int = 0
    failures: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    @property
    def top1_accuracy(self) -> float:
        """Share of in-scope questions whose best-ranked entry is right."""
        return self.top1 / self.questions if self.questions else 0.0

    @property
    def answer_accuracy(self) -> float:
        """Share of in-scope questions answered directly with the right entry."""
        return self.answered_right / self.questions if self.questions else 0.0

    @property
    def wrong_answer_rate(self) -> float:
        """Share of all questions answered directly with a wrong entry (the costly error)."""
        total = self.questions + self.out_of_scope
        wrong = self.answered_wrong + self.out_of_scope_answered
        return wrong / total if total else 0.0


def load_eval_items(folder: Path) -> list[EvalItem]:
    """Every item of every YAML file in the folder."""
    items = []
    for path in sorted(folder.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            items.append(EvalItem(str(raw["lang"]), str(raw["q"]), raw.get("topic")))
    return items


def evaluate_faq(dialogue: Dialogue, items: list[EvalItem]) -> dict[str, LanguageScore]:
    """Score the engine per language (questions are searched in their labelled language)."""
    scores: dict[str, LanguageScore] = defaultdict(LanguageScore)
    for item in items:
        result = dialogue.understand(item.question, item.lang, force=item.lang)
        match = result.match
        score = scores[item.lang]
        if item.topic is None:
            score.out_of_scope += 1
            if match.band is Band.ANSWER:
                score.out_of_scope_answered += 1
                score.failures.append((item.question, None, match.topic))
            continue
        score.questions += 1
        if match.nearest == item.topic:
            score.top1 += 1
        else:
            score.failures.append((item.question, item.topic, match.nearest))
        if match.band is Band.ANSWER:
            if match.topic == item.topic:
                score.answered_right += 1
            else:
                score.answered_wrong += 1
    return dict(scores)
