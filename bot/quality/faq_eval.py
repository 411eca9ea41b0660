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
    """Every item of every YAML file in the folder (or of one file)."""
    items = []
    for path in [folder] if folder.is_file() else sorted(folder.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            items.append(EvalItem(str(raw["lang"]), str(raw["q"]), raw.get("topic")))
    return items


def evaluate_faq(dialogue: Dialogue, items: list[EvalItem]) -> dict[str, LanguageScore]:
    """Score the engine per language (questions are searched in their labelled language;
    Russian ones in Ukrainian, as the bot answers them)."""
    scores: dict[str, LanguageScore] = defaultdict(LanguageScore)
    for item in items:
        search = "uk" if item.lang == "ru" else item.lang
        result = dialogue.understand(item.question, search, force=search)
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


@dataclass(frozen=True)
class TranslitScore:
    """FAQ matching of the Ukrainian held-out questions written in one way."""

    style: str
    questions: int
    noticed: int
    """How many were recognised as Ukrainian in Latin letters."""
    top1: int
    answered_right: int


def evaluate_translit(dialogue: Dialogue, items: list[EvalItem]) -> list[TranslitScore]:
    """The Ukrainian in-scope questions in Cyrillic and in each romanisation style, matched as
    the bot matches them (transliterated back before the search)."""
    from bot.domain.translit import looks_transliterated
    from bot.quality.romanise import STYLES, romanise

    ukrainian = [i for i in items if i.lang == "uk" and i.topic is not None]
    out = []
    for style in ("cyrillic", *STYLES):
        noticed = top1 = right = 0
        for item in ukrainian:
            text = item.question if style == "cyrillic" else romanise(item.question, style)
            noticed += looks_transliterated(text)
            match = dialogue.understand(text, "uk", force="uk").match
            top1 += match.nearest == item.topic
            right += match.band is Band.ANSWER and match.topic == item.topic
        out.append(TranslitScore(style, len(ukrainian), noticed, top1, right))
    return out
