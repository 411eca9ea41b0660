"""Text normalisation shared by every language step."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"ʼ": "'", "’": "'", "‘": "'", "`": "'", "´": "'", "ʹ": "'"})
_SPACES = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """NFC, one kind of apostrophe (pymorphy3's ASCII one), lower case, single spaces."""
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES)
    return _SPACES.sub(" ", text).strip().lower()


def normalize_keep_offsets(text: str) -> str:
    """Lower case and one kind of apostrophe, keeping the length so offsets still match."""
    out = []
    for ch in text.translate(_APOSTROPHES):
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
    return "".join(out)
