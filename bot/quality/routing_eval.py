"""How well `routing.route` sorts messages: a confusion matrix, precision and recall per kind,
and the two errors that hurt people most (a story shown a risk card, an advert answered as a
question). Reads evaluation/routing/ (written for it by others, blind to the rules)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.routing import Route, RouteJudge, route
from bot.routing.data import RoutingItem, load_items

__all__ = [
    "RoutingItem",
    "RoutingScores",
    "evaluate_routing",
    "load_items",
    "route_external_adverts",
    "summary",
]

STORY_AS_ADVERT_LIMIT = 0.02
"""At most 2 % of personal stories may be shown a risk card."""
ADVERT_AS_QUESTION_LIMIT = 0.05
"""At most 5 % of adverts may be answered as a question."""
ANSWERED_AS_QUESTION = frozenset({Route.QUESTION, Route.SITUATION})


@dataclass
class RoutingScores:
    """Counts of (expected, routed) pairs, and what they add up to."""

    pairs: Counter[tuple[Route, Route]] = field(default_factory=Counter)
    wrong: list[tuple[RoutingItem, Route]] = field(default_factory=list)
    translit_total: int = 0
    translit_right: int = 0

    def add(self, item: RoutingItem, got: Route) -> None:
        """Count one routed message."""
        self.pairs[(item.label, got)] += 1
        if got is not item.label:
            self.wrong.append((item, got))
        if item.translit:
            self.translit_total += 1
            self.translit_right += got is item.label

    @property
    def total(self) -> int:
        """Messages scored."""
        return sum(self.pairs.values())

    @property
    def accuracy(self) -> float:
        """Share routed to their label."""
        right = sum(n for (want, got), n in self.pairs.items() if want is got)
        return right / self.total if self.total else 0.0

    def support(self, kind: Route) -> int:
        """Messages labelled `kind`."""
        return sum(n for (want, _), n in self.pairs.items() if want is kind)

    def precision(self, kind: Route) -> float:
        """Of the messages routed to `kind`, the share labelled `kind`."""
        routed = sum(n for (_, got), n in self.pairs.items() if got is kind)
        return self.pairs[(kind, kind)] / routed if routed else 0.0

    def recall(self, kind: Route) -> float:
        """Of the messages labelled `kind`, the share routed to it."""
        labelled = self.support(kind)
        return self.pairs[(kind, kind)] / labelled if labelled else 0.0

    def rate(self, label: Route, routed: frozenset[Route]) -> float:
        """Of the messages labelled `label`, the share routed to one of `routed`."""
        labelled = self.support(label)
        hit = sum(n for (want, got), n in self.pairs.items() if want is label and got in routed)
        return hit / labelled if labelled else 0.0

    @property
    def story_as_advert(self) -> float:
        """Personal stories shown a risk card."""
        return self.rate(Route.SITUATION, frozenset({Route.ADVERT}))

    @property
    def advert_as_question(self) -> float:
        """Adverts answered as a question (or as a story)."""
        return self.rate(Route.ADVERT, ANSWERED_AS_QUESTION)


def evaluate_routing(items: list[RoutingItem], judge: RouteJudge | None = None) -> RoutingScores:
    """Route every message (rules, then the model's judge when given) and count."""
    scores = RoutingScores()
    for item in items:
        scores.add(item, route(item.text, forwarded=item.forwarded, judge=judge).route)
    return scores


def summary(scores: RoutingScores) -> dict[str, object]:
    """The figures a model card keeps: accuracy, the guarded rates, precision and recall."""
    return {
        "messages": scores.total,
        "accuracy": round(scores.accuracy, 4),
        "story_as_advert": round(scores.story_as_advert, 4),
        "advert_as_question": round(scores.advert_as_question, 4),
        "per_kind": {
            kind.value: {
                "support": scores.support(kind),
                "precision": round(scores.precision(kind), 4),
                "recall": round(scores.recall(kind), 4),
            }
            for kind in Route
            if scores.support(kind)
        },
    }


def confusion_table(scores: RoutingScores) -> str:
    """The confusion matrix (rows: label, columns: routed) and precision / recall, as text."""
    kinds = list(Route)
    short = {k: k.value[:9] for k in kinds}
    lines = ["label \\ routed  " + " ".join(f"{short[k]:>9}" for k in kinds) + "   prec  recall"]
    for want in kinds:
        if not scores.support(want):
            continue
        cells = " ".join(f"{scores.pairs[(want, got)]:9d}" for got in kinds)
        lines.append(
            f"{want.value:15} {cells}  {scores.precision(want):5.1%} {scores.recall(want):6.1%}"
        )
    return "\n".join(lines)


def route_external_adverts(folder: Path, judge: RouteJudge | None) -> dict[str, RoutingScores]:
    """Real adverts nobody on the project wrote (../shared/data/external), pasted as text:
    per file, how they are routed (every one labelled an advert)."""
    from bot.risk.evaluate import EXTERNAL_ADVERTS, read_jsonl

    out = {}
    for name in EXTERNAL_ADVERTS:
        path = folder / name
        if not path.exists():
            continue
        items = [
            RoutingItem(str(ad["id"]), "en", Route.ADVERT, f"{ad.get('title', '')}\n{ad['text']}")
            for ad in read_jsonl(path)
        ]
        out[name] = evaluate_routing(items, judge)
    return out
