"""A small deterministic encoder for tests: hashed character trigrams, L2-normalised. Texts
that share letters are close, so matching by it behaves like a (weak) semantic model."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

DIM = 64


class TrigramEncoder:
    """Hashed character trigrams in `DIM` dimensions; counts its calls."""

    name = "fake-trigram-64"
    dim = DIM

    def __init__(self) -> None:
        self.calls = 0
        self.texts = 0

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """One unit row per text."""
        self.calls += 1
        self.texts += len(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            padded = f"  {text.lower()}  "
            for j in range(len(padded) - 2):
                digest = hashlib.blake2b(padded[j : j + 3].encode(), digest_size=2).digest()
                out[i, int.from_bytes(digest, "big") % DIM] += 1.0
            norm = float(np.linalg.norm(out[i]))
            if norm:
                out[i] /= norm
        return out


def make() -> TrigramEncoder:
    """The factory `PEREVIR_ENCODER=tests.support.fake_encoder:make` names."""
    return TrigramEncoder()
