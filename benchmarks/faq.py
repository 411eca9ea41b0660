"""FAQ path: from a message's text to the reply's text inside the process, per language."""

from __future__ import annotations

import statistics
from collections.abc import Callable

from benchmarks.questions import BY_LANGUAGE
from benchmarks.report import Row, timing_row
from benchmarks.stats import time_each
from bot.knowledge import Knowledge

CALLS = 2_000
P50_TARGET_MS, P99_TARGET_MS = 2.0, 10.0


def asker(knowledge: Knowledge, lang: str) -> Callable[[str], str]:
    """A call from a question to the text of the bot's first reply, the user's language saved."""

    def ask(text: str) -> str:
        return knowledge.dialogue.question(text, lang).replies[0].text

    return ask


def bench_faq(knowledge: Knowledge, calls: int = CALLS) -> list[Row]:
    """Cold first pass (the warm-up) and steady state over the question list, per language."""
    rows = []
    for lang, questions in BY_LANGUAGE.items():
        ask = asker(knowledge, lang)
        cold = time_each(ask, questions, len(questions))
        steady = time_each(ask, questions, calls)
        rows.append(
            Row(
                f"FAQ {lang}: first pass (cold lemma cache), median",
                statistics.median(cold.samples) * 1000,
                runs=str(cold.count),
            )
        )
        met = steady.p50_ms < P50_TARGET_MS and steady.p99_ms < P99_TARGET_MS
        target = f"p50 < {P50_TARGET_MS:g} ms, p99 < {P99_TARGET_MS:g} ms"
        rows.append(timing_row(f"FAQ {lang}: question → reply (warm)", steady, target, met))
    return rows
