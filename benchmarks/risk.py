"""Job-advert checker: scoring adverts of two sizes, and loading the model files."""

from __future__ import annotations

from pathlib import Path

from benchmarks.adverts import ADVERTS, SHORT
from benchmarks.report import Row, timing_row
from benchmarks.stats import time_each
from bot.nlp import Lemmatizer
from bot.risk.model import RiskModel

CALLS = 500
WARM_UP = 20
LOADS = 10
P50_TARGET_MS = 3.0


def bench_checks(model: RiskModel, calls: int = CALLS) -> list[Row]:
    """`model.check(text)` for each benchmark advert, after a warm-up."""
    rows = []
    for name, text in ADVERTS.items():
        time_each(model.check, [text], WARM_UP)
        timing = time_each(model.check, [text], calls)
        if name in SHORT:
            target, met = f"p50 < {P50_TARGET_MS:g} ms", timing.p50_ms < P50_TARGET_MS
        else:
            target, met = "", None
        rows.append(timing_row(f"advert check ({name})", timing, target, met))
    return rows


def bench_load(folder: Path, lemmatizer: Lemmatizer, runs: int = LOADS) -> Row:
    """`RiskModel.load` with a shared lemmatizer, so only the model files are measured."""
    RiskModel.load(folder, lemmatizer)
    timing = time_each(lambda _: RiskModel.load(folder, lemmatizer), [None], runs)
    return timing_row("risk model load (files only)", timing)
