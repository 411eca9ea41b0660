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
    unified = text.translate(_APOSTROPHES)
    lowered = unified.lower()
    if len(lowered) == len(unified):
        return lowered
    # A few characters lower-case to two (e.g. "İ"): keep those as they are.
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in unified)
