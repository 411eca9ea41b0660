"""The trained risk model: plain arrays and JSON, checked on load, scored without scikit-learn.

Files in models/risk/: `weights.npz` (idf, coef, intercept; loaded with allow_pickle=False),
`vocabulary.json` (feature strings in column order) and `model_card.json` (version, data hash,
labels, weights, thresholds, metrics, library versions, and the SHA-256 of the two other files).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.domain.explain import evidence_phrases
from bot.domain.risk import Assessment, Flag, assess
from bot.nlp import Lemmatizer, detect_language
from bot.nlp.features import TfidfSpace
from bot.risk.features import Word, bigram_feature, word_features, words

FORMAT = "perevir-risk/1"
ARRAYS = frozenset({"idf", "coef", "intercept"})
FILES = ("weights.npz", "vocabulary.json", "model_card.json")
WORD_CACHE_SIZE = 200_000


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
        self._cache: dict[tuple[str, bool], tuple[int, ...]] = {}

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
        card = _read_json(folder / "model_card.json")
        if not isinstance(card, dict) or card.get("format") != FORMAT:
            raise ModelError(f"{folder} does not hold a Perevir risk model ({FORMAT})")
        _check_files(folder, card.get("files"))
        labels = _card_labels(folder, card)
        try:
            # Opened here: np.load leaves its own file open when the archive is broken.
            with (folder / "weights.npz").open("rb") as handle:
                arrays = np.load(handle, allow_pickle=False)
                if not isinstance(arrays, np.lib.npyio.NpzFile):
                    raise ModelError("weights.npz is not an .npz archive of arrays")
                with arrays:
                    if set(arrays.files) != ARRAYS:
                        raise ModelError(
                            f"weights.npz holds unexpected arrays: {sorted(arrays.files)}"
                        )
                    idf = np.asarray(arrays["idf"], dtype=np.float64)
                    coef = np.asarray(arrays["coef"], dtype=np.float32)
                    intercept = np.asarray(arrays["intercept"], dtype=np.float32)
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
            raise ModelError(f"weights.npz cannot be read safely: {exc}") from None
        columns = _read_json(folder / "vocabulary.json")
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise ModelError(f"{folder / 'vocabulary.json'} is not a list of feature strings")
        if len(set(columns)) != len(columns):
            raise ModelError(f"{folder / 'vocabulary.json'} lists a feature twice")
        if (
            coef.shape != (len(labels), len(columns))
            or idf.shape != (len(columns),)
            or intercept.shape != (len(labels),)
        ):
            raise ModelError("the model's arrays do not fit its labels and vocabulary")
        if not all(np.isfinite(a).all() for a in (idf, coef, intercept)):
            raise ModelError("the model's arrays hold values that are not finite numbers")
        if expected_labels is not None and labels != expected_labels:
            raise ModelError("the model was trained on a different label set: run `perevir train`")
        space = TfidfSpace({f: i for i, f in enumerate(columns)}, idf)
        return cls(card, space, coef, intercept, lemmatizer or Lemmatizer())

    # ---- scoring ----------------------------------------------------------------------
    def _word_columns(self, lemma: str, negated: bool) -> tuple[int, ...]:
        key = (lemma, negated)
        cols = self._cache.get(key)
        if cols is None:
            vocabulary = self.space.vocabulary
            cols = tuple(
                c for f in word_features(lemma, negated) if (c := vocabulary.get(f)) is not None
            )
            if len(self._cache) < WORD_CACHE_SIZE:
                self._cache[key] = cols
        return cols

    def _occurrences(
        self, ws: list[Word]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        """Columns of every known feature occurrence, with its first and last word."""
        cols: list[int] = []
        first: list[int] = []
        last: list[int] = []
        vocabulary = self.space.vocabulary
        for i, w in enumerate(ws):
            own = self._word_columns(w.lemma, w.negated)
            cols.extend(own)
            first.extend([i] * len(own))
            last.extend([i] * len(own))
            if i + 1 < len(ws):
                col = vocabulary.get(bigram_feature(w, ws[i + 1]))
                if col is not None:
                    cols.append(col)
                    first.append(i)
                    last.append(i + 1)
        return (
            np.asarray(cols, dtype=np.int64),
            np.asarray(first, dtype=np.int64),
            np.asarray(last, dtype=np.int64),
        )

    def probabilities(self, lang: str, text: str) -> dict[str, float]:
        """Probability of each label for a text in a known language."""
        return self._score(lang, text)[0]

    def _score(self, lang: str, text: str) -> tuple[dict[str, float], _Trace]:
        ws = words(self.lemmatizer, lang, text)
        cols, first, last = self._occurrences(ws)
        if len(cols):
            idx, inverse, counts = np.unique(cols, return_inverse=True, return_counts=True)
            weights = (1.0 + np.log(counts)) * self.space.idf[idx]
            norm = float(np.sqrt(weights @ weights))
            weights = weights / norm if norm > 0 else weights
            logits = self.coef[:, idx] @ weights.astype(np.float32) + self.intercept
            per_occurrence = (weights / counts)[inverse]
        else:
            logits = self.intercept.copy()
            per_occurrence = np.zeros(0)
        probs = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))
        result = {label: float(p) for label, p in zip(self.labels, probs, strict=True)}
        return result, _Trace(ws, cols, first, last, per_occurrence)

    def check(self, text: str, lang: str | None = None) -> CheckResult:
        """Flags with evidence, overall risk and score for one advert."""
        language = lang or detect_language(text).lang or "en"
        model_lang = language if language in ("uk", "en", "ru") else "en"
        probs, trace = self._score(model_lang, text)
        verdict = assess(probs, self.thresholds, self.weights)
        flags = tuple(
            Flag(flag.id, flag.confidence, self._evidence(text, flag.id, trace))
            for flag in verdict.flags
        )
        return CheckResult(language, Assessment(verdict.level, verdict.score, flags), self.version)

    def _evidence(self, text: str, label: str, trace: _Trace) -> tuple[str, ...]:
        """How much each word pushed this label up, then the strongest phrases."""
        if not len(trace.cols):
            return ()
        row = self.coef[self.labels.index(label)]
        push_per_occurrence = row[trace.cols] * trace.per_occurrence
        span = (trace.last - trace.first + 1).astype(np.float64)
        push = np.zeros(len(trace.words))
        np.add.at(push, trace.first, push_per_occurrence / span)
        bigram = trace.last != trace.first
        np.add.at(push, trace.last[bigram], (push_per_occurrence / span)[bigram])
        spans = [(w.start, w.end) for w in trace.words]
        if label in CONTACT_EVIDENCE:
            push = _only_on_contact_lines(text, trace.words, push)
        return evidence_phrases(text, spans, push.tolist())


CONTACT_EVIDENCE = frozenset({"vague_employer"})
"""Labels about what a text lacks (a named employer): the evidence is how it asks to be reached
(a messenger, a mobile, "details in private"), not the other words that happen to weigh."""
_CONTACT_LINE = re.compile(
    r"\+\d|@\w|\b(telegram|телеграм|viber|вайбер|whatsapp|ватсап|directs?|директ|лс|особист"
    r"|личк|private|dm|gmail|e-?mail|пошт|почт|дзвон|звон|call|пиш|write|message)",
    re.IGNORECASE,
)


def _only_on_contact_lines(
    text: str, ws: list[Word], push: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The push of the words on lines that give a contact; all of it when no line does."""
    lines = text.split("\n")
    contact = {k for k, row in enumerate(lines) if _CONTACT_LINE.search(row)}
    if not contact:
        return push
    keep = np.asarray([text.count("\n", 0, w.start) in contact for w in ws])
    return np.where(keep, push, 0.0)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} is not valid JSON: {exc}") from None
    except OSError as exc:
        raise ModelError(f"{path} cannot be read: {exc.strerror or exc}") from None


def _check_files(folder: Path, files: object) -> None:
    """The card lists the two other files with their SHA-256, and they match."""
    if not isinstance(files, dict) or set(files) != set(FILES[:2]):
        raise ModelError(
            f"the model card in {folder} does not list the model's files "
            f"({', '.join(FILES[:2])} with their SHA-256)"
        )
    for name, digest in files.items():
        try:
            actual = file_sha256(folder / name)
        except OSError as exc:
            raise ModelError(f"{folder / name} cannot be read: {exc.strerror or exc}") from None
        if actual != digest:
            raise ModelError(f"{folder / name} does not match its model card (changed or foreign)")


def _card_labels(folder: Path, card: dict[str, Any]) -> list[str]:
    """Check the card's labels, thresholds, weights and version; the labels."""
    where = folder / "model_card.json"
    labels = card.get("labels")
    if (
        not isinstance(labels, list)
        or not labels
        or not all(isinstance(label, str) and label for label in labels)
        or len(set(labels)) != len(labels)
    ):
        raise ModelError(f"{where}: `labels` must be a list of distinct label ids")
    for key, low, high in (("thresholds", 0.0, 1.0), ("weights", 0.0, math.inf)):
        values = card.get(key)
        if values is None:
            raise ModelError(f"{where} has no `{key}` (one number per label): run `perevir train`")
        if not isinstance(values, dict):
            raise ModelError(f"{where}: `{key}` must map each label to a number")
        missing = [label for label in labels if label not in values]
        if missing:
            raise ModelError(f"{where}: `{key}` has no value for {', '.join(missing)}")
        for label in labels:
            value = values[label]
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or not low <= value <= high
                or (key == "thresholds" and value == 0)
            ):
                bounds = "above 0 and at most 1" if key == "thresholds" else "0 or more"
                raise ModelError(
                    f"{where}: `{key}` for {label} is {value!r}, not a number {bounds}"
                )
    version = card.get("version")
    if not isinstance(version, str) or not version:
        raise ModelError(f"{where} has no `version`")
    return labels


@dataclass(frozen=True)
class _Trace:
    words: list[Word]
    cols: NDArray[np.int64]
    first: NDArray[np.int64]
    last: NDArray[np.int64]
    per_occurrence: NDArray[np.float64]
