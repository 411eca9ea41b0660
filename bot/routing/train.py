"""Training the router (`perevir train`): fit on the pool, cross-validate the whole decision
(rules first, then the model) to fill the card, and measure the held-out split for the record."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from bot.domain.routing import Route, route
from bot.nlp.features import TfidfSpace
from bot.quality.routing_eval import (
    ADVERT_AS_QUESTION_LIMIT,
    STORY_AS_ADVERT_LIMIT,
    RoutingScores,
    summary,
)
from bot.routing.data import RoutingItem, data_hash, load_pool, training_files
from bot.routing.model import RouterModel, char_features, decide, prepared, word_features

C = 1.0
"""Inverse regularisation: 1, 4 and 16 tried; 1 had the least cost in 5-fold cross-validation
over the development splits (the helpers' files always in training)."""
FOLDS = 5
SEED = 0
CONFIDENT = (0.0, 0.3, 0.4, 0.5, 0.6, 0.8, 1.01)
"""Candidate thresholds for naming a kind outside the open ones (1.01: never)."""
LIGHT = frozenset({Route.SMALL_TALK, Route.ABOUT_BOT, Route.NONSENSE})
"""Replies that answer nothing: a message that needs an answer sent here costs double."""

Progress = Callable[[str, int, int], None]


def fit(items: Sequence[RoutingItem], c: float = C) -> RouterModel:
    """A router fitted on these messages."""
    texts = [prepared(item.text) for item in items]
    chars = TfidfSpace.fit([char_features(t) for t in texts], min_df=2)
    words = TfidfSpace.fit([word_features(t) for t in texts])
    model = RouterModel(list(Route), chars, words, np.zeros((0, 0)), np.zeros(0))
    matrix = model.matrix([item.text for item in items])
    labels = [item.label.value for item in items]
    regression = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    regression.fit(matrix, labels)
    model.classes = [Route(kind) for kind in regression.classes_]
    model.coef = np.asarray(regression.coef_, dtype=np.float64)
    model.intercept = np.asarray(regression.intercept_, dtype=np.float64)
    return model


def cross_validated(
    items: Sequence[RoutingItem],
    progress: Progress | None = None,
    *,
    extra: Sequence[RoutingItem] = (),
    c: float = C,
) -> list[dict[Route, float]]:
    """Each message's probabilities from a router that did not learn from it (`extra`: always
    learnt from)."""
    labels = [item.label.value for item in items]
    out: list[dict[Route, float]] = [{} for _ in items]
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(items, labels)
    for done, (train_rows, test_rows) in enumerate(folds, start=1):
        model = fit([items[i] for i in train_rows] + list(extra), c)
        for i in test_rows:
            out[i] = model.probabilities(items[i].text)
        if progress is not None:
            progress("cross-validation", done, FOLDS)
    return out


def routed(
    items: Sequence[RoutingItem], probabilities: Sequence[dict[Route, float]], confident: float
) -> list[Route]:
    """The whole decision (rules first, then the model) for each message, given its text's
    probabilities."""

    def judge_of(probs: dict[Route, float]) -> Callable[[str], Route]:
        return lambda _text: decide(probs, confident)

    return [
        route(item.text, forwarded=item.forwarded, judge=judge_of(probs)).route
        for item, probs in zip(items, probabilities, strict=True)
    ]


def scored(
    items: Sequence[RoutingItem], probabilities: Sequence[dict[Route, float]], confident: float
) -> RoutingScores:
    """The whole decision scored, given each text's probabilities."""
    scores = RoutingScores()
    for item, got in zip(items, routed(items, probabilities, confident), strict=True):
        scores.add(item, got)
    return scores


def cost(scores: RoutingScores) -> int:
    """Errors, a message that needed an answer given none (a light reply) counted twice."""
    return sum(
        n * (2 if got in LIGHT and want not in LIGHT else 1)
        for (want, got), n in scores.pairs.items()
        if want is not got
    )


def choose_confident(
    items: Sequence[RoutingItem], probabilities: Sequence[dict[Route, float]]
) -> tuple[float, dict[str, int]]:
    """The threshold of least cost among those keeping the guarded errors under their limits
    (ties: the higher threshold), and the cost of each."""
    costs: dict[str, int] = {}
    best: tuple[int, float] | None = None
    for confident in CONFIDENT:
        scores = scored(items, probabilities, confident)
        costs[str(confident)] = errors = cost(scores)
        guarded = (
            scores.story_as_advert <= STORY_AS_ADVERT_LIMIT
            and scores.advert_as_question <= ADVERT_AS_QUESTION_LIMIT
        )
        if guarded and (best is None or errors <= best[0]):
            best = (errors, confident)
    return (best[1] if best is not None else CONFIDENT[-1]), costs


def train(files: Sequence[Path] | None = None, progress: Progress | None = None) -> RouterModel:
    """Fit the router on the whole pool; the threshold is chosen, and the card's figures
    measured, by cross-validation."""
    files = list(files) if files is not None else training_files()
    pool = load_pool(files)
    probabilities = cross_validated(pool, progress)
    confident, costs = choose_confident(pool, probabilities)
    scores = scored(pool, probabilities, confident)
    model = fit(pool)
    model.confident = confident
    card: dict[str, Any] = {
        "data_sha256": data_hash(files),
        "trained_on": [path.name for path in files],
        "messages": len(pool),
        "per_kind": {kind.value: sum(i.label is kind for i in pool) for kind in Route},
        "regularisation_C": C,
        "confident_costs": costs,
        "cross_validation": {"folds": FOLDS, "confident": confident, **summary(scores)},
    }
    model.card = card
    return model


def choices(
    c_values: Sequence[float] = (1.0, 4.0, 16.0), progress: Progress | None = None
) -> list[tuple[float, float, RoutingScores]]:
    """How C and the threshold were chosen: 5-fold cross-validation over the development
    splits, the files of training_data/routing always in training. (C, threshold, scores)."""
    from bot.routing.data import DEV_SPLITS, ROUTING_SET, TRAINING_DIR

    dev = load_pool([ROUTING_SET / f"{s}.yaml" for s in DEV_SPLITS])
    extra = load_pool(sorted(TRAINING_DIR.glob("*.yaml")))
    out: list[tuple[float, float, RoutingScores]] = []
    for c in c_values:
        probabilities = cross_validated(dev, extra=extra, c=c)
        out.extend((c, t, scored(dev, probabilities, t)) for t in CONFIDENT)
        if progress is not None:
            progress("choices", len(out) // len(CONFIDENT), len(c_values))
    return out
