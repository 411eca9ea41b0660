"""Accuracy of language identification on a labelled set of short messages."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.nlp import detect_language


def evaluate_langid(path: Path) -> tuple[int, int, list[tuple[str, str, str | None]]]:
    """(correct, total, mistakes): a guess is correct when its language matches the label.

    Confidence is not used here; in the bot a weak guess falls back to the user's saved
    language, which this set cannot know.
    """
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    correct = 0
    mistakes = []
    for item in items:
        guess = detect_language(str(item["text"]))
        if guess.lang == item["lang"]:
            correct += 1
        else:
            mistakes.append((str(item["text"]), str(item["lang"]), guess.lang))
    return correct, len(items), mistakes
