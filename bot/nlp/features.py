"""Sparse text features from lemmas, and a hand-rolled TF-IDF scorer that matches scikit-learn's."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse


def lemma_features(lemmas: Sequence[str], char_ngrams: tuple[int, int] = (3, 5)) -> list[str]:
    """Word unigrams and bigrams of lemmas, plus character n-grams inside each lemma."""
    out = [f"w:{w}" for w in lemmas]
    out.extend(f"b:{a} {b}" for a, b in itertools.pairwise(lemmas))
    low, high = char_ngrams
    for word in lemmas:
        padded = f" {word} "
        for n in range(low, high + 1):
            out.extend(f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1))
    return out


@dataclass
class TfidfSpace:
    """A fitted TF-IDF vocabulary that turns feature lists into L2-normalised sparse rows."""

    vocabulary: dict[str, int]
    idf: NDArray[np.float64]

    @classmethod
    def fit(cls, documents: Iterable[list[str]], min_df: int = 1) -> TfidfSpace:
        """Fit vocabulary and IDF with scikit-learn on already-extracted feature lists."""
        from sklearn.feature_extraction.text import TfidfVectorizer  # only when training

        vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=min_df)
        vectorizer.fit(list(documents))
        vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
        return cls(vocabulary, np.asarray(vectorizer.idf_, dtype=np.float64))

    @property
    def size(self) -> int:
        """Number of features."""
        return len(self.vocabulary)

    def vector(self, features: list[str]) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Column indices and weights of one document (sublinear tf, idf, L2 norm)."""
        counts = Counter(features)
        cols = []
        weights = []
        for feature, count in counts.items():
            col = self.vocabulary.get(feature)
            if col is not None:
                cols.append(col)
                weights.append((1.0 + math.log(count)) * self.idf[col])
        idx = np.asarray(cols, dtype=np.int64)
        w = np.asarray(weights, dtype=np.float64)
        norm = float(np.sqrt(w @ w)) if len(w) else 0.0
        if norm > 0:
            w /= norm
        return idx, w

    def matrix(self, documents: Sequence[list[str]]) -> sparse.csr_matrix:
        """Rows for many documents."""
        rows, cols, vals = [], [], []
        for i, doc in enumerate(documents):
            idx, w = self.vector(doc)
            rows.extend([i] * len(idx))
            cols.extend(idx.tolist())
            vals.extend(w.tolist())
        return sparse.csr_matrix((vals, (rows, cols)), shape=(len(documents), self.size))


def _identity(features: list[str]) -> list[str]:
    return features


Analyzer = Callable[[str, str], list[str]]
"""(language, text) -> lemmas."""
