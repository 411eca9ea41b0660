"""Semantic FAQ matching: sentence embeddings of the entries' phrasings, blended with the
lexical classifier's probabilities.

Two views of the embeddings: nearest phrasings (an entry's score for a question is the mean
cosine similarity of its `TOP` closest phrasings; out-of-scope examples form one more class)
and a linear classifier trained on the embeddings. The blend,
`w * lexical + v * linear + (1 - w - v) * softmax(nearest / T)`, its calibration, the answer
threshold and the point from which the lexical model alone is trusted are all chosen by
cross-validation on the content's own phrasings (each phrasing scored without itself), never
on the evaluation set.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.domain.faq import ANSWER_THRESHOLD
from bot.faq.encoder import Encoder

TOPS = (1, 3)
"""An entry's nearest-phrasing score is the mean of its `top` closest phrasings' similarities:
the numbers tried."""
WEIGHTS = (0.2, 0.3, 0.4, 0.5)
"""Lexical shares of the blend tried."""
LINEAR_WEIGHTS = (0.0, 0.3, 0.5)
"""Shares of the linear classifier on the embeddings tried."""
TEMPERATURES = (0.01, 0.02, 0.03)
LINEAR_C = (50.0,)
"""Inverse regularisation of the linear classifier on the embeddings tried (cross-validation
on the phrasings preferred 50 to 10 in both languages; one value keeps a rebuild quick)."""
ANSWER_AT = (*(round(0.5 + 0.05 * i, 2) for i in range(10)), 0.97, 0.99)
"""Answer thresholds tried; the lowest whose cross-validated wrong answers stay within
`WRONG_LIMIT` is kept."""
WRONG_LIMIT = 0.03
SURE_AT = (0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99)
SURE_COST = 0.005
"""The lexical model alone answers from the lowest of `SURE_AT` that costs at most this much
cross-validated answered-right (against asking the encoder always), with wrong answers still
within `WRONG_LIMIT`: the encoder runs only where it helps."""
FOLDS = 5
Progress = Callable[[str, int, int], None]


def class_scores(
    sims: NDArray[np.float64], members: Sequence[NDArray[np.int64]], top: int
) -> NDArray[np.float64]:
    """Per class, the mean of its `top` highest similarities (-1 for a class with none)."""
    out = np.full(len(members), -1.0)
    for c, rows in enumerate(members):
        if len(rows):
            values = sims[rows]
            k = min(top, len(values))
            out[c] = float(np.partition(values, len(values) - k)[-k:].mean())
    return out


def _softmax(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    result: NDArray[np.float64] = shifted / shifted.sum(axis=1, keepdims=True)
    return result


@dataclass(frozen=True)
class Blend:
    """How the three views are mixed: lexical share `w`, linear share `v`, the rest nearest
    phrasings (the mean of an entry's `top` closest) sharpened by temperature `t`."""

    top: int
    w: float
    v: float
    t: float


def features(
    lexical: NDArray[np.float64],
    nearest: NDArray[np.float64],
    linear: NDArray[np.float64],
    oos: int,
    blend: Blend,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The blended probabilities (rows) and the calibration features of each row: the blend's
    top, margin and out-of-scope share, the nearest-phrasing top, margin and out-of-scope lead,
    the lexical and linear tops, and whether the three views pick the same entry."""
    near = _softmax(nearest / blend.t)
    blended = blend.w * lexical + blend.v * linear + (1 - blend.w - blend.v) * near
    entries = np.delete(blended, oos, axis=1)
    sem = np.delete(nearest, oos, axis=1)
    lex = np.delete(lexical, oos, axis=1)
    lin = np.delete(linear, oos, axis=1)
    top_b, top_s = np.sort(entries, axis=1), np.sort(sem, axis=1)
    pick = entries.argmax(axis=1)
    agree = (lex.argmax(axis=1) == pick) & (sem.argmax(axis=1) == pick) & (lin.argmax(1) == pick)
    feats = np.column_stack(
        [
            top_b[:, -1],
            top_b[:, -1] - top_b[:, -2],
            blended[:, oos],
            top_s[:, -1],
            top_s[:, -1] - top_s[:, -2],
            nearest[:, oos] - top_s[:, -1],
            lex.max(axis=1),
            lin.max(axis=1),
            agree.astype(np.float64),
        ]
    )
    return blended, feats


@dataclass
class SemanticPart:
    """What semantic matching adds to one language's index (stored in the artefact)."""

    embeddings: NDArray[np.float32]
    """One row per phrasing and out-of-scope example."""
    owners: NDArray[np.int64]
    classes: int
    top: int
    """How many of an entry's closest phrasings its nearest-phrasing score averages."""
    weight: float
    linear_weight: float
    temperature: float
    linear: NDArray[np.float64]
    """The linear classifier on the embeddings: one row of weights per class, then a column
    of intercepts."""
    calibration: NDArray[np.float64]
    """The calibrator's weights over `features`, then its intercept."""
    answer_at: float
    sure_at: float
    """From this lexical confidence on, the encoder is not asked."""
    cv_picks: NDArray[np.int64]
    """Per row, the entry the cross-validated blend picks (each row scored without itself)."""
    cv_confidence: NDArray[np.float64]
    """Per row, the cross-validated calibrated confidence of that pick."""

    def __post_init__(self) -> None:
        self.members = [np.nonzero(self.owners == c)[0] for c in range(self.classes)]

    def blend(
        self, lexical: NDArray[np.float64], query: NDArray[np.float32]
    ) -> tuple[NDArray[np.float64], float]:
        """The blended probabilities for an encoded question and the calibrated chance that
        the top entry is right."""
        vector = query.astype(np.float64)
        nearest = class_scores(self.embeddings.astype(np.float64) @ vector, self.members, self.top)
        linear = _softmax((self.linear[:, :-1] @ vector + self.linear[:, -1])[None, :])
        blended, feats = features(
            lexical[None, :],
            nearest[None, :],
            linear,
            self.classes - 1,
            Blend(self.top, self.weight, self.linear_weight, self.temperature),
        )
        z = float(feats[0] @ self.calibration[:-1] + self.calibration[-1])
        return blended[0], float(1.0 / (1.0 + np.exp(-z)))


def _embed(
    texts: Sequence[str], encoder: Encoder, progress: Progress | None
) -> NDArray[np.float32]:
    embeddings = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    batch = 64
    for start in range(0, len(texts), batch):
        embeddings[start : start + batch] = encoder.encode(texts[start : start + batch])
        if progress is not None:
            progress("phrasings embedded", min(start + batch, len(texts)), len(texts))
    return embeddings


def _linear_classifier(c: float) -> Any:
    from sklearn.linear_model import LogisticRegression  # only when building (slow to import)

    return LogisticRegression(C=c, max_iter=3000)


def _linear_cv(
    embeddings: NDArray[np.float64], owners: NDArray[np.int64], classes: int, c: float
) -> NDArray[np.float64]:
    """Each row's linear-classifier probabilities from a model that never saw it."""
    probs = np.zeros((len(owners), classes))
    fold = np.arange(len(owners)) % FOLDS
    for k in range(FOLDS):
        held = fold == k
        model = _linear_classifier(c).fit(embeddings[~held], owners[~held])
        probs[np.ix_(held, model.classes_)] = model.predict_proba(embeddings[held])
    return probs


def _linear_weights(
    embeddings: NDArray[np.float64], owners: NDArray[np.int64], classes: int, c: float
) -> NDArray[np.float64]:
    """The linear classifier fitted on every row, as weights and intercepts per class (a class
    with no rows gets a score it never wins)."""
    model = _linear_classifier(c).fit(embeddings, owners)
    weights = np.zeros((classes, embeddings.shape[1] + 1))
    weights[:, -1] = -1e9
    weights[model.classes_, :-1] = model.coef_
    weights[model.classes_, -1] = model.intercept_
    return weights


def fit_semantic(
    texts: Sequence[str],
    owners: NDArray[np.int64],
    lexical_cv: NDArray[np.float64],
    lexical_confidence: NDArray[np.float64],
    classes: int,
    encoder: Encoder,
    progress: Progress | None = None,
) -> tuple[SemanticPart, dict[str, object]]:
    """Embed the rows (phrasings and out-of-scope examples) and choose the blend, calibration
    and thresholds by cross-validation; also what was measured, for the card."""
    embeddings = _embed(texts, encoder, progress)
    vectors = embeddings.astype(np.float64)
    oos = classes - 1
    members = [np.nonzero(owners == c)[0] for c in range(classes)]
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)  # each phrasing scored without itself
    nearest = {top: np.vstack([class_scores(row, members, top) for row in sims]) for top in TOPS}
    entry_rows = owners != oos
    linear_cv = {c: _linear_cv(vectors, owners, classes, c) for c in LINEAR_C}
    best: tuple[float, float, Blend, float] | None = None
    grid = itertools.product(LINEAR_C, TOPS, WEIGHTS, LINEAR_WEIGHTS, TEMPERATURES)
    for c, top, w, v, t in grid:
        blend = Blend(top, w, v, t)
        right, conf, _ = _cross_validated(
            lexical_cv, nearest[top], linear_cv[c], owners, oos, blend
        )
        answer_at = _answer_at(conf, right)
        answered_right = float(((conf >= answer_at) & (right == 1)).sum() / entry_rows.sum())
        if best is None or answered_right > best[0]:
            best = (answered_right, c, blend, answer_at)
    assert best is not None
    _, c, blend, answer_at = best
    chosen = nearest[blend.top]
    right, conf, picks = _cross_validated(lexical_cv, chosen, linear_cv[c], owners, oos, blend)
    _, feats = features(lexical_cv, chosen, linear_cv[c], oos, blend)
    from sklearn.linear_model import LogisticRegression

    calibrator = LogisticRegression(C=1.0, max_iter=2000).fit(feats, right)
    trade_off = _sure_trade_off(lexical_cv, lexical_confidence, owners, oos, picks, conf, answer_at)
    always = float(((conf >= answer_at) & (right == 1)).sum() / entry_rows.sum())
    sure_at = next(
        (
            row["sure_at"]
            for row in trade_off
            if row["answered_right"] >= always - SURE_COST and row["wrong"] <= WRONG_LIMIT
        ),
        1.01,
    )
    part = SemanticPart(
        embeddings=embeddings,
        owners=owners,
        classes=classes,
        top=blend.top,
        weight=blend.w,
        linear_weight=blend.v,
        temperature=blend.t,
        linear=_linear_weights(vectors, owners, classes, c),
        calibration=np.concatenate([calibrator.coef_[0], calibrator.intercept_]),
        answer_at=answer_at,
        sure_at=sure_at,
        cv_picks=picks,
        cv_confidence=conf,
    )
    answered = conf >= answer_at
    measured: dict[str, object] = {
        "top": blend.top,
        "weight": blend.w,
        "linear_weight": blend.v,
        "temperature": blend.t,
        "linear_c": c,
        "answer_at": answer_at,
        "sure_at": sure_at,
        "cv_top1": round(float(right.sum() / entry_rows.sum()), 4),
        "cv_answered_right": round(float((answered & (right == 1)).sum() / entry_rows.sum()), 4),
        "cv_wrong": round(float((answered & (right == 0)).mean()), 4),
        "cv_lexical_sure_share": round(float((lexical_confidence >= sure_at).mean()), 4),
        "sure_trade_off": trade_off,
    }
    return part, measured


def _sure_trade_off(
    lexical_cv: NDArray[np.float64],
    lexical_confidence: NDArray[np.float64],
    owners: NDArray[np.int64],
    oos: int,
    picks: NDArray[np.int64],
    conf: NDArray[np.float64],
    answer_at: float,
) -> list[dict[str, float]]:
    """What each point of `SURE_AT` costs, cross-validated: the share of questions the lexical
    model answers alone (no encoder call) and the answered-right and wrong rates that follow."""
    entry_rows = owners != oos
    lexical_picks = np.delete(lexical_cv, oos, 1).argmax(1)
    out = []
    for s in SURE_AT:
        alone = lexical_confidence >= s
        pick = np.where(alone, lexical_picks, picks)
        answered = np.where(alone, lexical_confidence >= ANSWER_THRESHOLD, conf >= answer_at)
        right = answered & (pick == owners) & entry_rows
        out.append(
            {
                "sure_at": s,
                "without_encoder": round(float(alone.mean()), 4),
                "answered_right": round(float(right.sum() / entry_rows.sum()), 4),
                "wrong": round(float((answered & ~((pick == owners) & entry_rows)).mean()), 4),
            }
        )
    return out


def _cross_validated(
    lexical_cv: NDArray[np.float64],
    nearest: NDArray[np.float64],
    linear_cv: NDArray[np.float64],
    owners: NDArray[np.int64],
    oos: int,
    blend: Blend,
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Whether each row's top entry is right under a blend, its cross-validated confidence,
    and the entry picked."""
    from sklearn.linear_model import LogisticRegression  # only when building (slow to import)
    from sklearn.model_selection import cross_val_predict

    blended, feats = features(lexical_cv, nearest, linear_cv, oos, blend)
    picks = np.delete(blended, oos, 1).argmax(1).astype(np.int64)
    right = ((picks == owners) & (owners != oos)).astype(np.int64)
    calibrator = LogisticRegression(C=1.0, max_iter=2000)
    conf = cross_val_predict(calibrator, feats, right, cv=FOLDS, method="predict_proba")[:, 1]
    return right, np.asarray(conf, dtype=np.float64), picks


def _answer_at(conf: NDArray[np.float64], right: NDArray[np.int64]) -> float:
    """The lowest threshold of `ANSWER_AT` whose wrong answers stay within `WRONG_LIMIT`."""
    return next((a for a in ANSWER_AT if ((conf >= a) & (right == 0)).mean() <= WRONG_LIMIT), 0.99)
