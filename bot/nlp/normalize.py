"""Text normalisation shared by every language step."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"ʼ": "'", "’": "'", "‘": "'", "`": "'", "´": "'", "ʹ": "'"})
_SPACES = re.compile(r"\s+")


SYMBOL_RUN = 8
_SYMBOLS = re.compile(rf"[^\w\s]{{{SYMBOL_RUN + 1},}}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _broken_run(match: re.Match[str]) -> str:
    run = match.group()
    return "".join(" " if i % (SYMBOL_RUN + 1) == SYMBOL_RUN else ch for i, ch in enumerate(run))


def break_symbol_runs(text: str) -> str:
    """Put a space after every 8 symbols in a long run of them (€€€…, ))))…, emoji), keeping the
    length: spaCy's tokenizer takes quadratic time on such runs, and they carry no words. Lone
    surrogates (a JSON "\\ud800" escape) become U+FFFD: spaCy and fastText refuse them."""
    return _SYMBOLS.sub(_broken_run, _SURROGATE.sub("\ufffd", text))


def normalize_text(text: str) -> str:
    """NFC, one kind of apostrophe (pymorphy3's ASCII one), lower case, single spaces."""
    text = break_symbol_runs(unicodedata.normalize("NFC", text).translate(_APOSTROPHES))
    return _SPACES.sub(" ", text).strip().lower()


def normalize_keep_offsets(text: str) -> str:
    """Lower case and one kind of apostrophe, keeping the length so offsets still match."""
    unified = break_symbol_runs(text.translate(_APOSTROPHES))
    lowered = unified.lower()
    if len(lowered) == len(unified):
        return lowered
    # A few characters lower-case to two (e.g. "İ"): keep those as they are.
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in unified)
