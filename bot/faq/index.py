"""FAQ retrieval: which entry answers a question, and how sure we are.

Per language, a linear classifier (logistic loss, trained by SGD) learns the entries from
their question phrasings, titles and answer sentences, plus one extra class, "out of scope",
from the small
talk and unrelated questions editors list in content/out_of_scope.yaml. Its raw probabilities
are then calibrated: a second, small logistic regression learns from cross-validated
predictions (each phrasing predicted by a model that never saw it) how often the top entry is
right for a given top probability and margin. That calibrated probability picks the band;
when "out of scope" is likelier than every entry, the bot offers no suggestions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.linear_model import LogisticRegression, SGDClassifier

from bot.domain.faq import (
    ANSWER_THRESHOLD,
    SUGGEST_THRESHOLD,
    SUGGESTIONS,
    Band,
    FaqDocument,
    FaqMatch,
)
from bot.nlp.features import Analyzer, TfidfSpace, lemma_features

FOLDS = 5
ALPHA = 1e-4
OUT_OF_SCOPE = "__out_of_scope__"
_SENTENCE = re.compile(r"(?<=[.!?\n])\s+")
_TAG = re.compile(r"<[^>]+>")


def answer_sentences(answer: str) -> list[str]:
    """Sentences of an answer long enough to teach the classifier its topic."""
    plain = _TAG.sub(" ", answer).replace("•", "\n")
    return [s.strip() for s in _SENTENCE.split(plain) if len(s.split()) > 3]


def _fit(x: sparse.csr_matrix, y: NDArray[np.int64]) -> SGDClassifier:
    model = SGDClassifier(loss="log_loss", alpha=ALPHA, random_state=0, max_iter=100, tol=1e-4)
    model.fit(x, y)
    return model


def softmax(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row-wise softmax of decision scores."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    result: NDArray[np.float64] = exp / exp.sum(axis=-1, keepdims=True)
    return result


def _calibration_features(probs: NDArray[np.float64], oos: int) -> NDArray[np.float64]:
    """Top entry probability, its margin over the runner-up, and the out-of-scope probability."""
    entries = np.delete(probs, oos, axis=1)
    ordered = np.sort(entries, axis=1)
    top = ordered[:, -1]
    second = ordered[:, -2] if ordered.shape[1] > 1 else np.zeros_like(top)
    return np.column_stack([top, top - second, probs[:, oos]])


class _LanguageIndex:
    def __init__(
        self, lang: str, docs: Sequence[FaqDocument], out_of_scope: Sequence[str], analyze: Analyzer
    ) -> None:
        self.lang = lang
        self.entry_ids = [d.entry_id for d in docs]
        self.oos = len(docs)
        texts: list[str] = []
        owners: list[int] = []
        phrasing: list[bool] = []
        for i, doc in enumerate(docs):
            for text in (doc.title, *doc.questions):
                texts.append(text)
                owners.append(i)
                phrasing.append(True)
            for sentence in answer_sentences(doc.answer):
                texts.append(sentence)
                owners.append(i)
                phrasing.append(False)
        for text in out_of_scope:
            texts.append(text)
            owners.append(self.oos)
            phrasing.append(False)
        feats = [lemma_features(analyze(lang, t)) for t in texts]
        self.space = TfidfSpace.fit(feats)
        x = self.space.matrix(feats)
        y = np.asarray(owners, dtype=np.int64)
        model = _fit(x, y)
        self.classes = [int(c) for c in model.classes_]
        self.coef = np.zeros((self.oos + 1, self.space.size), dtype=np.float32)
        self.intercept = np.full(self.oos + 1, -1e9)
        for row, cls in enumerate(self.classes):
            self.coef[cls] = model.coef_[row]
            self.intercept[cls] = model.intercept_[row]
        self.texts = texts
        self.owners = y
        self.is_phrasing = np.asarray(phrasing)
        self.phrasings = x[self.is_phrasing]
        self.cv_probs = self._cross_validate(x, y)
        self.calibrator = self._calibrate(y)

    def _cross_validate(self, x: sparse.csr_matrix, y: NDArray[np.int64]) -> NDArray[np.float64]:
        probs = np.zeros((len(y), self.oos + 1))
        fold = np.arange(len(y)) % FOLDS
        for k in range(FOLDS):
            held = fold == k
            model = _fit(x[~held], y[~held])
            scores = np.full((int(held.sum()), self.oos + 1), -1e9)
            scores[:, model.classes_] = model.decision_function(x[held])
            probs[held] = softmax(scores)
        return probs

    def _calibrate(self, y: NDArray[np.int64]) -> LogisticRegression:
        feats = _calibration_features(self.cv_probs, self.oos)
        entries = np.delete(self.cv_probs, self.oos, axis=1)
        right = (entries.argmax(axis=1) == y) & (y != self.oos)
        calibrator = LogisticRegression(C=1.0)
        calibrator.fit(feats, right.astype(int))
        return calibrator

    def probabilities(self, lemmas: list[str]) -> NDArray[np.float64]:
        idx, w = self.space.vector(lemma_features(lemmas))
        scores = self.intercept + (self.coef[:, idx] @ w if len(idx) else 0.0)
        return softmax(scores)

    def calibrated(self, probs: NDArray[np.float64]) -> float:
        x = _calibration_features(probs[None, :], self.oos)[0]
        z = float(x @ self.calibrator.coef_[0] + self.calibrator.intercept_[0])
        return float(1.0 / (1.0 + np.exp(-z)))


class FaqIndex:
    """Per-language retrieval over FAQ entries with a calibrated confidence."""

    def __init__(
        self,
        documents: Mapping[str, Sequence[FaqDocument]],
        analyze: Analyzer,
        out_of_scope: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._analyze = analyze
        out_of_scope = out_of_scope or {}
        self._indexes = {
            lang: _LanguageIndex(lang, docs, out_of_scope.get(lang, ()), analyze)
            for lang, docs in documents.items()
            if docs
        }

    @property
    def languages(self) -> tuple[str, ...]:
        """Languages the index answers in."""
        return tuple(self._indexes)

    def search(self, lang: str, text: str) -> FaqMatch:
        """The best entry for a question in a language, with band and up to three suggestions."""
        index = self._indexes[lang]
        lemmas = self._analyze(lang, text)
        if not lemmas:
            return FaqMatch(None, 0.0, Band.MISS, (), None)
        probs = index.probabilities(lemmas)
        confidence = round(index.calibrated(probs), 4)
        entries = probs[: index.oos]
        order = np.argsort(-entries, kind="stable")
        best = index.entry_ids[int(order[0])]
        if confidence >= ANSWER_THRESHOLD:
            return FaqMatch(best, confidence, Band.ANSWER, (), best)
        if confidence >= SUGGEST_THRESHOLD and probs[index.oos] < entries.max():
            top = tuple(index.entry_ids[int(i)] for i in order[:SUGGESTIONS])
            return FaqMatch(None, confidence, Band.SUGGEST, top, best)
        return FaqMatch(None, confidence, Band.MISS, (), best)

    def self_retrieval(self, lang: str) -> list[tuple[str, str, str]]:
        """For each phrasing: (its entry, the phrasing, the entry a model without it picks)."""
        index = self._indexes[lang]
        out = []
        for j in np.nonzero(index.is_phrasing)[0]:
            picked = int(np.delete(index.cv_probs[j], index.oos).argmax())
            out.append(
                (index.entry_ids[int(index.owners[j])], index.texts[j], index.entry_ids[picked])
            )
        return out

    def phrasings(self, lang: str) -> tuple[list[tuple[str, str]], sparse.csr_matrix]:
        """(entry, phrasing) pairs and their TF-IDF rows, for finding confusable entries."""
        index = self._indexes[lang]
        pairs = [
            (index.entry_ids[int(index.owners[j])], index.texts[j])
            for j in np.nonzero(index.is_phrasing)[0]
        ]
        return pairs, index.phrasings
