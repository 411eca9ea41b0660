"""The trained risk model: plain arrays and JSON, checked on load, scored without scikit-learn.

Files in models/risk/: `weights.npz` (idf, coef, intercept; loaded with allow_pickle=False),
`vocabulary.json` (feature strings in column order) and `model_card.json` (version, data hash,
labels, weights, thresholds, metrics, library versions, and the SHA-256 of the two other files).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.domain.explain import evidence_phrases
from bot.domain.features import TfidfSpace
from bot.domain.risk import Assessment, Flag, assess
from bot.nlp import Lemmatizer, detect_language
from bot.risk.features import features, words

FORMAT = "perevir-risk/1"
ARRAYS = frozenset({"idf", "coef", "intercept"})
FILES = ("weights.npz", "vocabulary.json", "model_card.json")


class ModelError(Exception):
    """The model files are missing, foreign or inconsistent."""


@dataclass(frozen=True)
class CheckResult:
    """The checker's answer for one text."""

    language: str
    assessment: Assessment
    model_version: str


def file_sha256(path: Path) -> str:
    """SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


class RiskModel:
    """Scores a text for every label and explains the raised flags."""

    def __init__(
        self,
        card: dict[str, Any],
        space: TfidfSpace,
        coef: NDArray[np.float32],
        intercept: NDArray[np.float32],
        lemmatizer: Lemmatizer,
    ) -> None:
        self.card = card
        self.labels: list[str] = list(card["labels"])
        self.thresholds: dict[str, float] = {k: float(v) for k, v in card["thresholds"].items()}
        self.weights: dict[str, float] = {k: float(v) for k, v in card["weights"].items()}
        self.version: str = str(card["version"])
        self.space = space
        self.coef = coef
        self.intercept = intercept
        self.lemmatizer = lemmatizer

    # ---- persistence -----------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write the three files; the card records the others' hashes."""
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            folder / "weights.npz",
            idf=self.space.idf.astype(np.float32),
            coef=self.coef,
            intercept=self.intercept,
        )
        columns = sorted(self.space.vocabulary, key=self.space.vocabulary.__getitem__)
        (folder / "vocabulary.json").write_text(
            json.dumps(columns, ensure_ascii=False), encoding="utf-8"
        )
        card = dict(self.card)
        card["files"] = {name: file_sha256(folder / name) for name in FILES[:2]}
        (folder / "model_card.json").write_text(
            json.dumps(card, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        self.card = card

    @classmethod
    def load(
        cls,
        folder: Path,
        lemmatizer: Lemmatizer | None = None,
        expected_labels: list[str] | None = None,
    ) -> RiskModel:
        """Load and verify a model; ModelError with a clear message otherwise."""
        for name in FILES:
            if not (folder / name).is_file():
                raise ModelError(f"the risk model is missing {folder / name}: run `perevir train`")
        try:
            card = json.loads((folder / "model_card.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ModelError(f"{folder / 'model_card.json'} is not valid JSON: {exc}") from None
        if not isinstance(card, dict) or card.get("format") != FORMAT:
            raise ModelError(f"{folder} does not hold a Perevir risk model ({FORMAT})")
        for name, digest in (card.get("files") or {}).items():
            if name not in FILES[:2] or file_sha256(folder / name) != digest:
                raise ModelError(
                    f"{folder / name} does not match its model card (changed or foreign)"
                )
        if set(card.get("files") or {}) != set(FILES[:2]):
            raise ModelError("the model card does not list the model's files")
        try:
            with np.load(folder / "weights.npz", allow_pickle=False) as arrays:
                if set(arrays.files) != ARRAYS:
                    raise ModelError(f"weights.npz holds unexpected arrays: {sorted(arrays.files)}")
                idf = np.asarray(arrays["idf"], dtype=np.float64)
                coef = np.asarray(arrays["coef"], dtype=np.float32)
                intercept = np.asarray(arrays["intercept"], dtype=np.float32)
        except (ValueError, OSError) as exc:
            raise ModelError(f"weights.npz cannot be read safely: {exc}") from None
        columns = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
        labels = card.get("labels", [])
        if (
            coef.shape != (len(labels), len(columns))
            or idf.shape != (len(columns),)
            or intercept.shape != (len(labels),)
        ):
            raise ModelError("the model's arrays do not fit its labels and vocabulary")
        if expected_labels is not None and labels != expected_labels:
            raise ModelError("the model was trained on a different label set: run `perevir train`")
        space = TfidfSpace({str(f): i for i, f in enumerate(columns)}, idf)
        return cls(card, space, coef, intercept, lemmatizer or Lemmatizer())

    # ---- scoring ---------------------------------------------------------------------
    def probabilities(self, lang: str, text: str) -> dict[str, float]:
        """Probability of each label for a text in a known language."""
        probs, _ = self._score(lang, text, explain=False)
        return probs

    def _score(self, lang: str, text: str, explain: bool) -> tuple[dict[str, float], Any]:
        ws = words(self.lemmatizer, lang, text)
        feats, where = features(ws)
        idx, w = self.space.vector(feats)
        logits = (
            self.coef[:, idx] @ w.astype(np.float32) + self.intercept
            if len(idx)
            else self.intercept.copy()
        )
        probs = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
        result = {label: float(p) for label, p in zip(self.labels, probs, strict=True)}
        return result, (ws, feats, where) if explain else None

    def check(self, text: str, lang: str | None = None) -> CheckResult:
        """Flags with evidence, overall risk and score for one advert."""
        language = lang or detect_language(text).lang or "en"
        model_lang = language if language in ("uk", "en", "ru") else "en"
        probs, trace = self._score(model_lang, text, explain=True)
        verdict = assess(probs, self.thresholds, self.weights)
        ws, feats, where = trace
        flags = tuple(
            Flag(flag.id, flag.confidence, self._evidence(text, flag.id, ws, feats, where))
            for flag in verdict.flags
        )
        return CheckResult(language, Assessment(verdict.level, verdict.score, flags), self.version)

    def _evidence(
        self, text: str, label: str, ws: list[Any], feats: list[str], where: list[tuple[int, int]]
    ) -> tuple[str, ...]:
        row = self.coef[self.labels.index(label)]
        counts = Counter(feats)
        idx, w = self.space.vector(feats)
        weight_of = dict(zip(idx.tolist(), w.tolist(), strict=True))
        push = [0.0] * len(ws)
        for feature, (first, last) in zip(feats, where, strict=True):
            col = self.space.vocabulary.get(feature)
            if col is None:
                continue
            share = float(row[col]) * weight_of[col] / counts[feature] / (last - first + 1)
            for i in range(first, last + 1):
                push[i] += share
        return evidence_phrases(text, [(x.start, x.end) for x in ws], push)
