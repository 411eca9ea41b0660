"""How well pictures of adverts are read: character error rate over the rendered test set.

The set is evaluation/ocr/adverts.yaml drawn in every style of `bot.ocr.render` (Telegram,
Telegram dark, Viber, OLX, a noisy phone photo). The character error rate of a picture is the
edit distance between what was read and the text drawn on it, over the length of that text;
both sides have their whitespace collapsed first (line breaks are layout, not content).
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.config import EVALUATION_DIR
from bot.ocr import OcrError, TextReader
from bot.ocr.render import STYLES, Advert, Rendered, Style, render_set

OCR_SET = EVALUATION_DIR / "ocr" / "adverts.yaml"
"""The known advert texts the test pictures are drawn from."""


def load_adverts(path: Path = OCR_SET) -> list[Advert]:
    """The advert texts of the OCR set."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Advert(**{k: str(v) for k, v in item.items()}) for item in items]


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the fewest insertions, deletions and substitutions from a to b."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _flat(text: str) -> str:
    return " ".join(text.split())


def cer(read: str, reference: str) -> float:
    """Character error rate of what was read against the reference (0 = perfect)."""
    ref = _flat(reference)
    return edit_distance(_flat(read), ref) / max(len(ref), 1)


@dataclass(frozen=True)
class Reading:
    """One picture of the set: what was read, its error rate, and the CPU seconds it took."""

    picture: Rendered
    text: str
    cer: float
    cpu_seconds: float


@dataclass
class OcrScores:
    """The readings of the whole set, with totals per style."""

    readings: list[Reading] = field(default_factory=list)

    def per_style(self) -> dict[str, float]:
        """CER per style: errors over reference characters of that style's pictures."""
        errors: dict[str, float] = defaultdict(float)
        chars: dict[str, int] = defaultdict(int)
        for r in self.readings:
            length = len(_flat(r.picture.reference))
            errors[r.picture.style] += r.cer * length
            chars[r.picture.style] += length
        return {style: errors[style] / chars[style] for style in errors}

    def overall(self, *, photo: bool | None = None) -> float:
        """CER over every picture (or only photos, or only clean screenshots)."""
        chosen = [
            r for r in self.readings if photo is None or (r.picture.style == "photo") == photo
        ]
        length = sum(len(_flat(r.picture.reference)) for r in chosen)
        return sum(r.cer * len(_flat(r.picture.reference)) for r in chosen) / max(length, 1)

    def median_cpu(self) -> float:
        """The median CPU seconds to read one picture."""
        return statistics.median(r.cpu_seconds for r in self.readings)


def evaluate_ocr(
    reader: TextReader,
    adverts: list[Advert] | None = None,
    styles: tuple[Style, ...] = STYLES,
) -> OcrScores:
    """Draw the set and read every picture; a picture read as nothing counts as all wrong."""
    scores = OcrScores()
    pictures = render_set(adverts if adverts is not None else load_adverts(), styles)
    reader.read(pictures[0].data)  # the engine is made on first use: not part of the timing
    for picture in pictures:
        started = time.process_time()
        try:
            text = reader.read(picture.data).text
        except OcrError:
            text = ""
        spent = time.process_time() - started
        scores.readings.append(Reading(picture, text, cer(text, picture.reference), spent))
    return scores
