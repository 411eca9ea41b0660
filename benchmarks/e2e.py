"""End to end over HTTP: the real bot polling the local Bot API server, one message at a time.

Measures from injecting a text update into the server to the bot's sendMessage reaching it:
long polling, PTB, the SQLite inbox and user state, the FAQ engine, the rate limiter, HTTP.
Once paced below the rate limiter (the bot's own latency), once back to back (its throughput:
PTB's AIORateLimiter lets 30 messages a second out, Telegram's overall limit).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.questions import EN, UK
from benchmarks.report import Row, timing_row
from benchmarks.stats import Timing
from bot.config import PROJECT_ROOT
from bot.knowledge import Knowledge

USER = 5_550_900
MESSAGES = 200
WARM_UP = 10
TIMEOUT = 10.0
PACE = 20.0  # messages a second, below the rate limiter's 30


def mixed_questions() -> list[str]:
    """Ukrainian and English questions, alternating."""
    return [q for pair in itertools.zip_longest(UK, EN) for q in pair if q is not None]


async def round_trip(server: Any, text: str) -> float:
    """Send one text as the user and wait for the bot's reply; seconds elapsed."""
    started = time.perf_counter()
    server.send_text(USER, text)
    await server.wait_for_message(USER, timeout=TIMEOUT)
    return time.perf_counter() - started


async def paced(server: Any, questions: list[str], messages: int) -> Timing:
    """Round trips started at most PACE a second, so the rate limiter never holds one back."""
    samples = []
    for i in range(messages):
        elapsed = await round_trip(server, questions[i % len(questions)])
        samples.append(elapsed)
        await asyncio.sleep(max(0.0, 1 / PACE - elapsed))
    return Timing(tuple(samples))


async def conversation(knowledge: Knowledge, messages: int) -> tuple[Timing, Timing, float]:
    """Choose a language, warm up, then time questions paced and back to back (and in total)."""
    os.environ["PTB_TIMEDELTA"] = "1"
    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    from tests.e2e_support import make_bot, running_bot
    from tests.support.bot_api import BotApiServer

    questions = mixed_questions()
    with tempfile.TemporaryDirectory(prefix="perevir-bench-") as folder:
        perevir = make_bot(knowledge, Path(folder))
        try:
            async with BotApiServer() as server, running_bot(server, perevir):
                server.user(USER, "Olena", "uk")
                server.send_command(USER, "/start")
                [choice] = await server.wait_for_message(USER, timeout=TIMEOUT)
                server.press_button(USER, choice["message_id"], "lang:uk")
                await server.wait_for_message(USER, count=3, timeout=TIMEOUT)
                await paced(server, questions, WARM_UP)
                slow = await paced(server, questions, messages)
                started = time.perf_counter()
                samples = [
                    await round_trip(server, questions[i % len(questions)]) for i in range(messages)
                ]
                total = time.perf_counter() - started
        finally:
            await perevir.people.close()
    return slow, Timing(tuple(samples)), total


def bench_e2e(knowledge: Knowledge, messages: int = MESSAGES) -> list[Row]:
    """Latency per message and sequential throughput of the whole bot over HTTP."""
    slow, fast, total = asyncio.run(conversation(knowledge, messages))
    return [
        timing_row(f"end to end over HTTP, {PACE:g} msg/s: text update → sendMessage", slow),
        timing_row("end to end over HTTP, back to back: text update → sendMessage", fast),
        Row(
            "end to end over HTTP, back to back: throughput (rate limiter: 30 msg/s)",
            messages / total,
            unit="msg/s",
            runs=f"{messages:,}",
        ),
    ]
