"""FAQ path: from a message's text to the reply's text inside the process, per language; and
over the held-out questions (paraphrases the content does not hold), where the encoder is asked
whenever the lexical model is unsure."""

from __future__ import annotations

import statistics
from collections.abc import Callable

from benchmarks.questions import BY_LANGUAGE
from benchmarks.report import Row, timing_row
from benchmarks.stats import time_each
from bot.config import EVALUATION_DIR
from bot.knowledge import Knowledge
from bot.quality.faq_eval import load_eval_items

CALLS = 2_000
P50_TARGET_MS, P99_TARGET_MS = 2.0, 10.0
HELD_OUT_P50_MS, HELD_OUT_P99_MS = 5.0, 60.0
"""The targets per question in process (issue 12), lexical and semantic matching together."""


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


def bench_held_out(knowledge: Knowledge, rounds: int = 3) -> list[Row]:
    """Question → reply over the held-out questions of every language (the measured questions
    only time the path here: nothing is chosen on them), and how often the encoder ran."""
    items = load_eval_items(EVALUATION_DIR / "faq")
    texts = [(i.question, "uk" if i.lang == "ru" else i.lang) for i in items]
    encoder = knowledge.faq.encoder
    asked = [0]
    if encoder is not None:
        encode = encoder.encode

        def counted(batch: list[str]) -> object:
            asked[0] += 1
            return encode(batch)

        encoder.encode = counted  # type: ignore[method-assign,assignment]
    try:
        timing = time_each(
            lambda pair: knowledge.dialogue.question(*pair), texts, rounds * len(texts)
        )
    finally:
        if encoder is not None:
            encoder.encode = encode  # type: ignore[method-assign]
    met = timing.p50_ms <= HELD_OUT_P50_MS and timing.p99_ms <= HELD_OUT_P99_MS
    target = f"p50 ≤ {HELD_OUT_P50_MS:g} ms, p99 ≤ {HELD_OUT_P99_MS:g} ms"
    row = timing_row("FAQ held-out questions → reply (encoder when unsure)", timing, target, met)
    share = asked[0] / max(timing.count, 1)
    return [
        row,
        Row("share of those questions that asked the encoder", share * 100, unit="%"),
    ]
