"""Evidence for a raised flag: the short phrases of the text that pushed its score up."""

from __future__ import annotations

import re
from collections.abc import Sequence

_SENTENCE_END = re.compile(r"[.!?;,\n]")
MAX_PHRASES = 3
MAX_PHRASE_WORDS = 6
KEEP_SHARE = 0.45
"""A word joins the evidence when it carries at least this share of the strongest word's push."""


def evidence_phrases(
    text: str,
    word_spans: Sequence[tuple[int, int]],
    word_push: Sequence[float],
) -> tuple[str, ...]:
    """Quote up to three phrases: strong words joined within six words, never across a sentence."""
    if not word_push:
        return ()
    top = max(word_push)
    if top <= 0:
        return ()
    strong = [i for i, push in enumerate(word_push) if push >= KEEP_SHARE * top]
    groups: list[list[int]] = []
    for i in strong:
        if groups and i - groups[-1][0] < MAX_PHRASE_WORDS:
            between = text[word_spans[groups[-1][-1]][1] : word_spans[i][0]]
            if not _SENTENCE_END.search(between):
                groups[-1].append(i)
                continue
        groups.append([i])
    ranked = sorted(groups, key=lambda g: -sum(word_push[j] for j in g))[:MAX_PHRASES]
    ranked.sort(key=lambda g: g[0])
    phrases = []
    for group in ranked:
        start, end = word_spans[group[0]][0], word_spans[group[-1]][1]
        # A lone surrogate (from a JSON escape) cannot be sent back: it is quoted as "?".
        phrase = " ".join(text[start:end].split()).encode("utf-8", "replace").decode()
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    return tuple(phrases)
