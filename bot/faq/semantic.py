"""Semantic FAQ matching: sentence embeddings of the entries' phrasings, blended with the
lexical classifier's probabilities.

An entry's semantic score for a question is the mean cosine similarity of its three closest
phrasings (out-of-scope examples form one more class). The blend, `w * lexical + (1 - w) *
softmax(semantic / T)`, its calibration, the answer threshold and the point from which the
lexical model alone is trusted are all chosen by cross-validation on the content's own
phrasings (each phrasing scored without itself), never on the evaluation set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from bot.faq.encoder import Encoder

TOP = 3
"""An entry's score: the mean of its closest phrasings' similarities."""
WEIGHTS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
TEMPERATURES = (0.01, 0.02, 0.03, 0.05)
ANSWER_AT = (*(round(0.5 + 0.05 * i, 2) for i in range(10)), 0.97, 0.99)
"""Answer thresholds tried; the lowest whose cross-validated wrong answers stay within
`WRONG_LIMIT` is kept."""
WRONG_LIMIT = 0.03
SURE_AT = (0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99)
SURE_PRECISION = 0.99
"""The lexical model alone answers from the lowest of `SURE_AT` that is right this often."""
Progress = Callable[[str, int, int], None]


def class_scores(
    sims: NDArray[np.float64], members: Sequence[NDArray[np.int64]]
) -> NDArray[np.float64]:
    """Per class, the mean of its `TOP` highest similarities (-1 for a class with none)."""
    out = np.full(len(members), -1.0)
    for c, rows in enumerate(members):
        if len(rows):
            values = sims[rows]
            k = min(TOP, len(values))
            out[c] = float(np.partition(values, len(values) - k)[-k:].mean())
    return out


def features(
    lexical: NDArray[np.float64], semantic: NDArray[np.float64], oos: int, w: float, t: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The blended probabilities (rows) and the calibration features of each row: the blend's
    top, margin and out-of-scope share, the semantic top, margin and out-of-scope lead, the
    lexical top, and whether both models pick the same entry."""
    scaled = semantic / t
    scaled = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    blended = w * lexical + (1 - w) * scaled / scaled.sum(axis=1, keepdims=True)
    entries = np.delete(blended, oos, axis=1)
    sem = np.delete(semantic, oos, axis=1)
    lex = np.delete(lexical, oos, axis=1)
    top_b, top_s, top_l = (np.sort(a, axis=1) for a in (entries, sem, lex))
    agree = (lex.argmax(axis=1) == sem.argmax(axis=1)) & (entries.argmax(axis=1) == sem.argmax(1))
    feats = np.column_stack(
        [
            top_b[:, -1],
            top_b[:, -1] - top_b[:, -2],
            blended[:, oos],
            top_s[:, -1],
            top_s[:, -1] - top_s[:, -2],
            semantic[:, oos] - top_s[:, -1],
            top_l[:, -1],
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
    weight: float
    temperature: float
    calibration: NDArray[np.float64]
    """The calibrator's weights over `features`, then its intercept."""
    answer_at: float
    sure_at: float
    """From this lexical confidence on, the encoder is not asked."""

    def __post_init__(self) -> None:
        self.members = [np.nonzero(self.owners == c)[0] for c in range(self.classes)]

    def scores(self, query: NDArray[np.float32]) -> NDArray[np.float64]:
        """Each class's semantic score for an encoded question."""
        sims = self.embeddings.astype(np.float64) @ query.astype(np.float64)
        return class_scores(sims, self.members)

    def blend(
        self, lexical: NDArray[np.float64], semantic: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], float]:
        """The blended probabilities and the calibrated chance that the top entry is right."""
        blended, feats = features(
            lexical[None, :], semantic[None, :], self.classes - 1, self.weight, self.temperature
        )
        z = float(feats[0] @ self.calibration[:-1] + self.calibration[-1])
        return blended[0], float(1.0 / (1.0 + np.exp(-z)))


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
    embeddings = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    batch = 64
    for start in range(0, len(texts), batch):
        embeddings[start : start + batch] = encoder.encode(texts[start : start + batch])
        if progress is not None:
            progress("phrasings embedded", min(start + batch, len(texts)), len(texts))
    oos = classes - 1
    members = [np.nonzero(owners == c)[0] for c in range(classes)]
    sims = embeddings.astype(np.float64) @ embeddings.T.astype(np.float64)
    np.fill_diagonal(sims, -np.inf)  # each phrasing scored without itself
    semantic = np.vstack([class_scores(row, members) for row in sims])
    entry_rows = owners != oos
    best: tuple[float, float, float, float, float] | None = None
    for w in WEIGHTS:
        for t in TEMPERATURES:
            right, conf = _cross_validated(lexical_cv, semantic, owners, oos, w, t)
            answer_at = _answer_at(conf, right)
            answered_right = float(((conf >= answer_at) & (right == 1)).sum() / entry_rows.sum())
            if best is None or answered_right > best[0]:
                best = (answered_right, w, t, answer_at, float(right.sum() / entry_rows.sum()))
    assert best is not None
    _, w, t, answer_at, cv_top1 = best
    _, feats = features(lexical_cv, semantic, oos, w, t)
    right, conf = _cross_validated(lexical_cv, semantic, owners, oos, w, t)
    from sklearn.linear_model import LogisticRegression

    calibrator = LogisticRegression(C=1.0, max_iter=2000)
    lexical_right = (np.delete(lexical_cv, oos, 1).argmax(1) == owners) & entry_rows
    sure_at = next(
        (
            s
            for s in SURE_AT
            if (lexical_confidence >= s).any()
            and lexical_right[lexical_confidence >= s].mean() >= SURE_PRECISION
        ),
        1.01,
    )
    calibrator.fit(feats, right)
    weights = np.concatenate([calibrator.coef_[0], calibrator.intercept_]).astype(np.float64)
    part = SemanticPart(embeddings, owners, classes, w, t, weights, answer_at, sure_at)
    answered = conf >= answer_at
    measured: dict[str, object] = {
        "weight": w,
        "temperature": t,
        "answer_at": answer_at,
        "sure_at": sure_at,
        "cv_top1": round(cv_top1, 4),
        "cv_answered_right": round(float((answered & (right == 1)).sum() / entry_rows.sum()), 4),
        "cv_wrong": round(float((answered & (right == 0)).mean()), 4),
        "cv_lexical_sure_share": round(float((lexical_confidence >= sure_at).mean()), 4),
    }
    return part, measured


def _cross_validated(
    lexical_cv: NDArray[np.float64],
    semantic: NDArray[np.float64],
    owners: NDArray[np.int64],
    oos: int,
    w: float,
    t: float,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Whether each row's top entry is right under a blend, and its cross-validated confidence."""
    from sklearn.linear_model import LogisticRegression  # only when building (slow to import)
    from sklearn.model_selection import cross_val_predict

    blended, feats = features(lexical_cv, semantic, oos, w, t)
    right = ((np.delete(blended, oos, 1).argmax(1) == owners) & (owners != oos)).astype(np.int64)
    calibrator = LogisticRegression(C=1.0, max_iter=2000)
    conf = cross_val_predict(calibrator, feats, right, cv=5, method="predict_proba")[:, 1]
    return right, np.asarray(conf, dtype=np.float64)


def _answer_at(conf: NDArray[np.float64], right: NDArray[np.int64]) -> float:
    """The lowest threshold of `ANSWER_AT` whose wrong answers stay within `WRONG_LIMIT`."""
    return next((a for a in ANSWER_AT if ((conf >= a) & (right == 0)).mean() <= WRONG_LIMIT), 0.99)
