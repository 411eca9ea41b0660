"""Cold starts, each a fresh process: `perevir ask --json hello`, `perevir content check` when
nothing changed, and `perevir run` until its first poll of a local Bot API server, with the
running bot's resident memory after it answered 20 messages. The yardstick is a bare
`python -c pass` in the same run."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks.report import Row
from bot.config import PROJECT_ROOT

RUNS = 5
PEREVIR = [sys.executable, "-m", "bot.cli"]
ASK_TARGET_S = 2.0
CHECK_TARGET_S = 5.0
POLL_TARGET_S = 3.0
RSS_TARGET_MB = 300.0
WARM_UP = (
    "роботодавець забрав паспорт",
    "my employer took my passport",
    "Як легально працювати в Польщі?",
    "Терміново! Робота в Німеччині, 3000 євро, без досвіду, оплата за візу 200 євро наперед, "
    "пишіть у Viber",
)


def _wall(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True, cwd=PROJECT_ROOT, env=env)
    return time.perf_counter() - started


def _row(name: str, samples: list[float], target: float | None = None) -> Row:
    p50 = statistics.median(samples)
    return Row(
        name,
        p50,
        max(samples),
        "s",
        str(len(samples)),
        f"median ≤ {target:g} s" if target else "",
        p50 <= target if target else None,
        note="max shown as p99" if len(samples) < 20 else "",
    )


def _rss_mb(pid: int) -> float:
    """The resident memory of a process in MB (1 MB = 2^20 bytes)."""
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise LookupError("VmRSS")


async def _first_poll(env: dict[str, str]) -> tuple[float, float]:
    """Seconds from spawning `perevir run` to its first getUpdates on a local Bot API server,
    and its resident memory (MB) once it answered 20 messages (questions and adverts)."""
    # A database of its own: each local server numbers its updates from the same first id, which
    # a database shared with an earlier run would take for updates it already handled.
    with tempfile.TemporaryDirectory() as data:
        return await _poll_and_answer(env | {"PEREVIR_DATA_DIR": data})


async def _poll_and_answer(env: dict[str, str]) -> tuple[float, float]:
    sys.path.insert(0, str(PROJECT_ROOT))
    from tests.support.bot_api import BotApiServer

    async with BotApiServer() as server:
        env = env | {
            "TELEGRAM_BOT_TOKEN": "123456:TEST-token-for-the-local-server-only",
            "PEREVIR_TELEGRAM_API_URL": server.base_url,
            "PEREVIR_PSEUDONYM_KEY": "benchmark-only-key-0123456789abcdef",
        }
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *PEREVIR,
            "run",
            cwd=PROJECT_ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            # A long poll is logged when it returns (10 s later): count it once it is waiting.
            await server.wait_for(
                lambda: server.polls_waiting > 0 or server.calls("getUpdates"), timeout=60
            )
            polling = time.perf_counter() - started
            for i in range(20):
                server.send_text(1000 + i, WARM_UP[i % len(WARM_UP)])
            await server.wait_for(lambda: len(server.calls("sendMessage")) >= 20, timeout=120)
            return polling, _rss_mb(process.pid)
        finally:
            process.terminate()
            await process.wait()


def bench_cold() -> list[Row]:
    """Median wall seconds of each cold start over `RUNS` fresh processes."""
    with tempfile.TemporaryDirectory() as data:
        env = os.environ | {"PEREVIR_DATA_DIR": data}
        bare = [_wall([sys.executable, "-c", "pass"]) for _ in range(RUNS)]
        ask = [_wall([*PEREVIR, "ask", "--json", "hello"], env) for _ in range(RUNS)]
        check = [_wall([*PEREVIR, "content", "check", "--summary"], env) for _ in range(3)]
        runs = [asyncio.run(_first_poll(env)) for _ in range(3)]
    polls, rss = [r[0] for r in runs], [r[1] for r in runs]
    return [
        _row("yardstick: a bare `python -c pass`", bare),
        _row("cold `perevir ask --json hello`", ask, ASK_TARGET_S),
        _row("cold `perevir content check` (nothing changed)", check, CHECK_TARGET_S),
        _row("cold `perevir run` until its first poll", polls, POLL_TARGET_S),
        Row(
            "resident memory of `perevir run` after 20 messages",
            statistics.median(rss),
            max(rss),
            "MB",
            str(len(rss)),
            f"median ≤ {RSS_TARGET_MB:.0f} MB",
            statistics.median(rss) <= RSS_TARGET_MB,
            note="max shown as p99",
        ),
    ]
