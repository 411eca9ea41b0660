"""The router's model as a built artefact: TF-IDF of characters and words, and a logistic
regression over the nine kinds of message. Stored as numpy arrays and JSON (no pickle) with a
card naming the data it learnt from and the SHA-256 of every file; loads in milliseconds.

The engine asks it only what the high-precision rules leave open (see `routing.route`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from bot.domain.routing import Route
from bot.domain.translit import looks_transliterated, to_cyrillic
from bot.nlp.features import TfidfSpace

FORMAT = 1
"""Bump when features or storage change: older artefacts are then refused and rebuilt."""
ARRAYS = "router.npz"
VOCABULARY = "vocabulary.json"
CARD = "model_card.json"
TOOLS = ("scikit-learn", "numpy", "scipy")
OPEN = frozenset({Route.QUESTION, Route.ADVERT, Route.SITUATION, Route.DANGER})
"""The kinds the rules leave open; the model may name another kind only when it is confident."""

CHAR_RANGE = (2, 5)
WORD_RANGE = (1, 2)
_TOKEN = re.compile(r"(?u)\b\w+\b")
_SPACES = re.compile(r"\s\s+")


class RouterError(Exception):
    """The router's artefact is missing, from another format, or does not match its card."""


def prepared(text: str) -> str:
    """The text the model reads: Ukrainian in Latin letters turned back into Cyrillic."""
    return to_cyrillic(text) if looks_transliterated(text) else text


def char_features(text: str) -> list[str]:
    """Character 2- to 5-grams inside word boundaries, lower-cased (as scikit-learn's
    `char_wb` analyzer makes them, without importing it at run time)."""
    low, high = CHAR_RANGE
    out: list[str] = []
    for word in _SPACES.sub(" ", text.lower()).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            offset = 0
            out.append(padded[offset : offset + n])
            while offset + n < len(padded):
                offset += 1
                out.append(padded[offset : offset + n])
            if offset == 0:  # a word shorter than n is counted once
                break
    return out


def word_features(text: str) -> list[str]:
    """Word unigrams and bigrams, lower-cased (as scikit-learn's `word` analyzer)."""
    tokens = _TOKEN.findall(text.lower())
    low, high = WORD_RANGE
    out: list[str] = []
    for n in range(low, min(high, len(tokens)) + 1):
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class RouterModel:
    """A fitted router: two feature spaces, one weight row per kind, and its card."""

    classes: list[Route]
    chars: TfidfSpace
    words: TfidfSpace
    coef: NDArray[np.float64]
    intercept: NDArray[np.float64]
    confident: float = 0.5
    """From this probability on, the model may name a kind outside `OPEN` (chosen in training)."""
    card: dict[str, Any] = field(default_factory=dict)

    def matrix(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Feature rows of many texts."""
        ready = [prepared(t) for t in texts]
        chars = self.chars.matrix([char_features(t) for t in ready])
        words = self.words.matrix([word_features(t) for t in ready])
        return sparse.hstack([chars, words]).tocsr()

    def probabilities(self, text: str) -> dict[Route, float]:
        """How likely each kind is (they add up to one)."""
        scores = np.asarray(self.matrix([text]) @ self.coef.T).ravel() + self.intercept
        scores = np.exp(scores - scores.max())
        scores /= scores.sum()
        return {kind: float(p) for kind, p in zip(self.classes, scores, strict=True)}

    def judge(self, text: str) -> Route:
        """The kind of a message the rules left open (see `decide`)."""
        return decide(self.probabilities(text), self.confident)

    def save(self, folder: Path) -> None:
        """Write the arrays, the vocabularies, then the card that names their hashes."""
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            folder / ARRAYS,
            allow_pickle=False,
            coef=self.coef,
            intercept=self.intercept,
            chars_idf=self.chars.idf,
            words_idf=self.words.idf,
        )
        vocab = {
            "classes": [kind.value for kind in self.classes],
            "chars": _ordered(self.chars.vocabulary),
            "words": _ordered(self.words.vocabulary),
        }
        (folder / VOCABULARY).write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        card = dict(self.card)
        card |= {
            "name": "message-router",
            "confident": self.confident,
            "format": FORMAT,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "tools": {p: _version(p) for p in TOOLS},
            "features": {"chars": self.chars.size, "words": self.words.size},
            "sha256": {name: _sha256(folder / name) for name in (ARRAYS, VOCABULARY)},
        }
        (folder / CARD).write_text(json.dumps(card, ensure_ascii=False, indent=1), "utf-8")
        self.card = card

    @classmethod
    def load(cls, folder: Path) -> RouterModel:
        """The stored router; RouterError when it is missing, older or altered."""
        try:
            card = json.loads((folder / CARD).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RouterError(f"no message router in {folder} (run `make model`)") from exc
        if card.get("format") != FORMAT:
            raise RouterError(f"the message router in {folder} is of another format")
        for name in (ARRAYS, VOCABULARY):
            path = folder / name
            if not path.is_file() or _sha256(path) != card.get("sha256", {}).get(name):
                raise RouterError(f"the message router's {name} does not match its card")
        vocab = json.loads((folder / VOCABULARY).read_text(encoding="utf-8"))
        with np.load(folder / ARRAYS, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        return cls(
            [Route(kind) for kind in vocab["classes"]],
            TfidfSpace(_indexed(vocab["chars"]), arrays["chars_idf"]),
            TfidfSpace(_indexed(vocab["words"]), arrays["words_idf"]),
            arrays["coef"],
            arrays["intercept"],
            float(card.get("confident", 0.5)),
            card,
        )


def decide(probabilities: dict[Route, float], confident: float) -> Route:
    """The most likely of the open kinds, or another kind the model is confident of (the rules
    missed a request for a person, small talk, a question about the bot, nonsense)."""
    allowed = {k: p for k, p in probabilities.items() if k in OPEN or p >= confident}
    return max(allowed, key=lambda kind: allowed[kind])


def _ordered(vocabulary: dict[str, int]) -> list[str]:
    return [feature for feature, _ in sorted(vocabulary.items(), key=lambda item: item[1])]


def _indexed(features: list[str]) -> dict[str, int]:
    return {feature: i for i, feature in enumerate(features)}
