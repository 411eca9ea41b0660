"""FAQ retrieval: which entry answers a question, and how sure we are.

Per language, a linear classifier (logistic loss, trained by SGD) learns the entries from
their question phrasings, titles and answer sentences, plus one extra class, "out of scope",
from the small
talk and unrelated questions editors list in content/out_of_scope.yaml. Its raw probabilities
are then calibrated: a second, small logistic regression learns from cross-validated
predictions (each phrasing predicted by a model that never saw it) how often the top entry is
right for a given top probability and margin. That calibrated probability picks the band;
when "out of scope" is likelier than every entry, the bot offers no suggestions.

With an encoder (`bot/faq/encoder.py`), a question the lexical model is not sure of is also
matched by meaning (`bot/faq/semantic.py`): the two are blended and calibrated anew.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from bot.domain.faq import (
    ANSWER_THRESHOLD,
    SUGGEST_THRESHOLD,
    SUGGESTIONS,
    Band,
    FaqDocument,
    FaqMatch,
)
from bot.faq.encoder import Encoder, plain_enough
from bot.faq.semantic import Progress, SemanticPart, fit_semantic
from bot.nlp.features import Analyzer, TfidfSpace, lemma_features

log = logging.getLogger(__name__)
FOLDS = 5
ALPHA = 1e-4
OUT_OF_SCOPE = "__out_of_scope__"
_SENTENCE = re.compile(r"(?<=[.!?\n])\s+")
_TAG = re.compile(r"<[^>]+>")


def answer_sentences(answer: str) -> list[str]:
    """Sentences of an answer long enough to teach the classifier its topic."""
    plain = _TAG.sub(" ", answer).replace("•", "\n")
    return [s.strip() for s in _SENTENCE.split(plain) if len(s.split()) > 3]


def _fit(x: sparse.csr_matrix, y: NDArray[np.int64]) -> Any:
    from sklearn.linear_model import SGDClassifier  # only when training (a second to import)

    model = SGDClassifier(loss="log_loss", alpha=ALPHA, random_state=0, max_iter=100, tol=1e-4)
    model.fit(x, y)
    return model


def softmax(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """Row-wise softmax of decision scores."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    result: NDArray[np.float64] = exp / exp.sum(axis=-1, keepdims=True)
    return result


def _cross_validate(x: sparse.csr_matrix, y: NDArray[np.int64], oos: int) -> NDArray[np.float64]:
    """Each phrasing's probabilities from a model that never saw it (5 folds)."""
    probs = np.zeros((len(y), oos + 1))
    fold = np.arange(len(y)) % FOLDS
    for k in range(FOLDS):
        held = fold == k
        model = _fit(x[~held], y[~held])
        scores = np.full((int(held.sum()), oos + 1), -1e9)
        scores[:, model.classes_] = model.decision_function(x[held])
        probs[held] = softmax(scores)
    return probs


def _calibrate(
    cv_probs: NDArray[np.float64], y: NDArray[np.int64], oos: int
) -> NDArray[np.float64]:
    """How often the top entry is right, learnt from cross-validated predictions."""
    feats = _calibration_features(cv_probs, oos)
    entries = np.delete(cv_probs, oos, axis=1)
    right = (entries.argmax(axis=1) == y) & (y != oos)
    from sklearn.linear_model import LogisticRegression

    calibrator = LogisticRegression(C=1.0)
    calibrator.fit(feats, right.astype(int))
    return np.concatenate([calibrator.coef_[0], calibrator.intercept_]).astype(np.float64)


def _calibration_features(probs: NDArray[np.float64], oos: int) -> NDArray[np.float64]:
    """Top entry probability, its margin over the runner-up, and the out-of-scope probability."""
    entries = np.delete(probs, oos, axis=1)
    ordered = np.sort(entries, axis=1)
    top = ordered[:, -1]
    second = ordered[:, -2] if ordered.shape[1] > 1 else np.zeros_like(top)
    return np.column_stack([top, top - second, probs[:, oos]])


@dataclass
class LanguageIndex:
    """The fitted retrieval model of one language (what the artefact stores)."""

    lang: str
    entry_ids: list[str]
    space: TfidfSpace
    coef: NDArray[np.float32]
    intercept: NDArray[np.float64]
    calibration: NDArray[np.float64]
    """The calibrator's three weights, then its intercept."""
    texts: list[str]
    owners: NDArray[np.int64]
    is_phrasing: NDArray[np.bool_]
    phrasings: sparse.csr_matrix
    cv_probs: NDArray[np.float64]

    @property
    def oos(self) -> int:
        """The class index of "out of scope" (after every entry)."""
        return len(self.entry_ids)

    @classmethod
    def fit(
        cls, lang: str, docs: Sequence[FaqDocument], out_of_scope: Sequence[str], analyze: Analyzer
    ) -> LanguageIndex:
        """Train the classifier and its calibration on the entries' phrasings (seconds)."""
        entry_ids = [d.entry_id for d in docs]
        oos = len(docs)
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
            owners.append(oos)
            phrasing.append(False)
        feats = [lemma_features(analyze(lang, t)) for t in texts]
        space = TfidfSpace.fit(feats)
        x = space.matrix(feats)
        y = np.asarray(owners, dtype=np.int64)
        model = _fit(x, y)
        coef = np.zeros((oos + 1, space.size), dtype=np.float32)
        intercept = np.full(oos + 1, -1e9)
        for row, klass in enumerate(int(c) for c in model.classes_):
            coef[klass] = model.coef_[row]
            intercept[klass] = model.intercept_[row]
        is_phrasing = np.asarray(phrasing, dtype=np.bool_)
        cv_probs = _cross_validate(x, y, oos)
        return cls(
            lang=lang,
            entry_ids=entry_ids,
            space=space,
            coef=coef,
            intercept=intercept,
            calibration=_calibrate(cv_probs, y, oos),
            texts=texts,
            owners=y,
            is_phrasing=is_phrasing,
            phrasings=x[is_phrasing],
            cv_probs=cv_probs,
        )

    def probabilities(self, lemmas: list[str]) -> NDArray[np.float64]:
        """Each class's probability for a question's lemmas."""
        idx, w = self.space.vector(lemma_features(lemmas))
        scores = self.intercept + (self.coef[:, idx] @ w if len(idx) else 0.0)
        return softmax(scores)

    def calibrated(self, probs: NDArray[np.float64]) -> float:
        """How likely the top entry is right, given the probabilities."""
        x = _calibration_features(probs[None, :], self.oos)[0]
        z = float(x @ self.calibration[:3] + self.calibration[3])
        return float(1.0 / (1.0 + np.exp(-z)))

    def semantic_rows(self) -> NDArray[np.int64]:
        """The rows semantic matching compares with: phrasings and out-of-scope examples."""
        return np.nonzero(self.is_phrasing | (self.owners == self.oos))[0]

    def fit_semantic(
        self, encoder: Encoder, progress: Progress | None = None
    ) -> tuple[SemanticPart, dict[str, object]]:
        """Embed this language's phrasings and choose the blend by cross-validation."""
        rows = self.semantic_rows()
        cv = self.cv_probs[rows]
        feats = _calibration_features(cv, self.oos)
        z = feats @ self.calibration[:3] + self.calibration[3]
        confidence = 1.0 / (1.0 + np.exp(-z))
        texts = [self.texts[int(i)] for i in rows]
        return fit_semantic(
            texts, self.owners[rows], cv, confidence, self.oos + 1, encoder, progress
        )


class FaqIndex:
    """Per-language retrieval over FAQ entries with a calibrated confidence."""

    def __init__(
        self,
        indexes: Mapping[str, LanguageIndex],
        analyze: Analyzer,
        semantic: Mapping[str, SemanticPart] | None = None,
        encoder: Encoder | None = None,
        measured: Mapping[str, Mapping[str, object]] | None = None,
    ) -> None:
        self._analyze = analyze
        self._indexes = dict(indexes)
        self.semantic = dict(semantic or {}) if encoder is not None else {}
        """Per language, what semantic matching adds (empty without an encoder)."""
        self.encoder = encoder
        self.measured = dict(measured or {})
        """Per language, the cross-validated figures the blend was chosen by."""

    @classmethod
    def build(
        cls,
        documents: Mapping[str, Sequence[FaqDocument]],
        analyze: Analyzer,
        out_of_scope: Mapping[str, Sequence[str]] | None = None,
        encoder: Encoder | None = None,
        progress: Progress | None = None,
    ) -> FaqIndex:
        """Train the index of some FAQ documents (seconds; with an encoder, a minute more to
        embed the phrasings; `bot.faq.artefact` keeps the result)."""
        out_of_scope = out_of_scope or {}
        indexes = {
            lang: LanguageIndex.fit(lang, docs, out_of_scope.get(lang, ()), analyze)
            for lang, docs in documents.items()
            if docs
        }
        semantic: dict[str, SemanticPart] = {}
        measured: dict[str, Mapping[str, object]] = {}
        if encoder is not None:
            for lang, index in indexes.items():
                semantic[lang], measured[lang] = index.fit_semantic(encoder, progress)
        return cls(indexes, analyze, semantic, encoder, measured)

    @property
    def indexes(self) -> Mapping[str, LanguageIndex]:
        """The fitted index of each language."""
        return self._indexes

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
        confidence = index.calibrated(probs)
        answer_at = ANSWER_THRESHOLD
        semantic = self.semantic.get(lang)
        if (
            semantic is not None
            and self.encoder is not None
            and confidence < semantic.sure_at
            and plain_enough(text)
        ):
            try:
                query = self.encoder.encode([text])[0]
            except Exception as exc:  # an optional model's fault: the lexical answer stands
                log.warning(
                    "the encoder failed (%s); this question is matched lexically",
                    type(exc).__name__,
                )
            else:
                probs, confidence = semantic.blend(probs, query)
                answer_at = semantic.answer_at
        confidence = round(confidence, 4)
        entries = probs[: index.oos]
        order = np.argsort(-entries, kind="stable")
        best = index.entry_ids[int(order[0])]
        ranked = tuple(index.entry_ids[int(i)] for i in order[:SUGGESTIONS])
        if confidence >= answer_at:
            return FaqMatch(best, confidence, Band.ANSWER, (), best, ranked)
        if confidence >= SUGGEST_THRESHOLD and probs[index.oos] < entries.max():
            return FaqMatch(None, confidence, Band.SUGGEST, ranked, best, ranked)
        return FaqMatch(None, confidence, Band.MISS, (), best, ranked)

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

    def answered_wrongly(self, lang: str) -> list[tuple[str, str, str]]:
        """The phrasings and out-of-scope examples a matcher that never saw them would answer
        with a wrong entry, confidently: (the owner, or OUT_OF_SCOPE; the text; the entry)."""
        index = self._indexes[lang]
        semantic = self.semantic.get(lang)
        rows = index.semantic_rows()
        if semantic is not None:
            picks, confidence, answer_at = (
                semantic.cv_picks,
                semantic.cv_confidence,
                semantic.answer_at,
            )
        else:
            cv = index.cv_probs[rows]
            picks = np.delete(cv, index.oos, axis=1).argmax(axis=1)
            z = _calibration_features(cv, index.oos) @ index.calibration[:3] + index.calibration[3]
            confidence, answer_at = 1.0 / (1.0 + np.exp(-z)), ANSWER_THRESHOLD
        names = [*index.entry_ids, OUT_OF_SCOPE]
        return [
            (names[int(index.owners[row])], index.texts[int(row)], index.entry_ids[int(pick)])
            for row, pick, sure in zip(rows, picks, confidence, strict=True)
            if sure >= answer_at and int(pick) != int(index.owners[row])
        ]

    def phrasings(self, lang: str) -> tuple[list[tuple[str, str]], sparse.csr_matrix]:
        """(entry, phrasing) pairs and their TF-IDF rows, for finding confusable entries."""
        index = self._indexes[lang]
        pairs = [
            (index.entry_ids[int(index.owners[j])], index.texts[j])
            for j in np.nonzero(index.is_phrasing)[0]
        ]
        return pairs, index.phrasings


def known_embeddings(index: FaqIndex) -> dict[str, NDArray[np.float32]]:
    """Text → vector of every phrasing an index embedded (to reuse when it is rebuilt)."""
    known: dict[str, NDArray[np.float32]] = {}
    for lang, semantic in index.semantic.items():
        part = index.indexes[lang]
        for row, text in zip(part.semantic_rows(), semantic.embeddings, strict=True):
            known[part.texts[int(row)]] = text
    return known
