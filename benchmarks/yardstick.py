"""Cost per update against a yardstick (issue 14): a bare python-telegram-bot echo bot and
Perevir, side by side in one run, each a real process on the same local Bot API server code,
Telegram's rate limits off in both.

For each bot: a flood (every update injected at once, from many people) gives its throughput,
from the first update injected to the last answer; a paced run (PACE updates a second) gives
its latency from an update injected to its answer's sendMessage, p50 and p99. Perevir runs
as `perevir run` (long polling, SQLite) and, when PEREVIR_TEST_POSTGRES_URL is set, as one
webhook worker (`perevir ingress` + `perevir worker`, PostgreSQL). Printed: each figure and
its ratio to the echo bot's.

`python -m benchmarks.yardstick [--flood 600] [--paced 200] [--people 100]`
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.load import MESSAGES, PSEUDONYM_KEY, SECRET, kind_of
from benchmarks.processes import Process, free_port, until_healthy, until_ready
from benchmarks.report import Row
from benchmarks.stats import Timing
from bot.config import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
from tests.crash.harness import TOKEN, reset_database
from tests.support.bot_api import BotApiServer
from tests.support.environment import clean_environment

PACE = 20.0
"""Updates a second in the paced run (the issue's latency point)."""
PEOPLE_BASE = 8_000_000
WARM_UP = 30
TIMEOUT = 300.0


@dataclass(frozen=True)
class Measured:
    """One bot's figures."""

    name: str
    throughput: float
    latency: Timing


Answered = Callable[[dict[str, Any]], bool]


async def _answers(
    server: BotApiServer, people: list[int], expected: int, answered: Answered
) -> dict[int, list[float]]:
    """Per person, when each answer arrived, once `expected` answers have come in all."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        found: dict[int, list[float]] = {}
        for call in server.calls("sendMessage"):
            if call.error is None and isinstance(call.result, dict) and answered(call.result):
                found.setdefault(int(call.params["chat_id"]), []).append(call.at)
        if sum(len(found.get(p, [])) for p in people) >= expected:
            return found
        if time.monotonic() > deadline:
            raise RuntimeError(f"{sum(map(len, found.values()))} of {expected} answers came")
        await asyncio.sleep(0.05)


async def _drive(
    server: BotApiServer, people: list[int], flood: int, paced: int, answered: Answered
) -> tuple[float, Timing]:
    """Warm up, flood, then pace; the flood's throughput and the paced latencies."""
    sent: dict[int, list[float]] = {p: [] for p in people}

    def send(person: int) -> None:
        text, _ = MESSAGES[len(sent[person]) % len(MESSAGES)]
        sent[person].append(time.monotonic())
        server.send_text(person, text)

    for n in range(WARM_UP):
        send(people[n % len(people)])
    await _answers(server, people, WARM_UP, answered)
    before = WARM_UP
    started = time.monotonic()
    for n in range(flood):
        send(people[n % len(people)])
    found = await _answers(server, people, before + flood, answered)
    last = max(at for times in found.values() for at in times)
    throughput = flood / (last - started)
    before += flood
    marks: list[tuple[int, int]] = []
    began = time.monotonic()
    for n in range(paced):
        await asyncio.sleep(max(0.0, began + n / PACE - time.monotonic()))
        person = people[n % len(people)]
        send(person)
        marks.append((person, len(sent[person]) - 1))
    found = await _answers(server, people, before + paced, answered)
    latencies = [found[p][k] - sent[p][k] for p, k in marks]
    return throughput, Timing(tuple(latencies))


async def measure(
    name: str,
    start: Callable[[BotApiServer, dict[str, str], Path], Any],
    answered: Answered,
    people: int,
    flood: int,
    paced: int,
) -> Measured:
    """Start a bot against a fresh local Bot API server and drive it."""
    folder = Path(tempfile.mkdtemp(prefix="perevir-yardstick-"))
    async with BotApiServer(TOKEN) as server:
        who = [PEOPLE_BASE + n for n in range(people)]
        for person in who:
            server.user(person, "P", "en")
        env = clean_environment()
        env.update(
            PYTHONUNBUFFERED="1",
            TELEGRAM_BOT_TOKEN=TOKEN,
            PEREVIR_TELEGRAM_API_URL=server.base_url,
            PEREVIR_DATA_DIR=str(folder / "data"),
            PEREVIR_PSEUDONYM_KEY=PSEUDONYM_KEY,
            PEREVIR_RATE_LIMIT="false",
            PEREVIR_LOG_LEVEL="WARNING",
        )
        processes: list[Process] = await start(server, env, folder)
        try:
            throughput, latency = await _drive(server, who, flood, paced, answered)
        finally:
            for process in processes:
                process.kill()
    return Measured(name, throughput, latency)


async def start_echo(server: BotApiServer, env: dict[str, str], folder: Path) -> list[Process]:
    """The echo bot."""
    bot = Process(["benchmarks.echo_bot"], env, folder, "echo")
    bot.start()
    await until_ready(bot)
    return [bot]


async def start_run(server: BotApiServer, env: dict[str, str], folder: Path) -> list[Process]:
    """`perevir run`: long polling, SQLite."""
    bot = Process(["bot.cli", "run"], env, folder, "run")
    bot.start()
    await until_ready(bot)
    return [bot]


def start_worker(database_url: str) -> Callable[..., Any]:
    """`perevir ingress` and one `perevir worker` on PostgreSQL, fed by webhook."""

    async def start(server: BotApiServer, env: dict[str, str], folder: Path) -> list[Process]:
        reset_database(database_url)
        env = {**env, "PEREVIR_DATABASE_URL": database_url, "PEREVIR_WEBHOOK_SECRET": SECRET}
        port = free_port()
        ingress = Process(["bot.cli", "ingress", "--port", str(port)], env, folder, "ingress")
        worker = Process(["bot.cli", "worker", "--name", "w0"], env, folder, "w0")
        ingress.start()
        await until_healthy(ingress, port)
        worker.start()
        await until_ready(worker)
        from bot.tg.app import bare_application, set_webhook

        hook = f"http://127.0.0.1:{port}/telegram"
        assert await set_webhook(bare_application(TOKEN, server.base_url), hook, SECRET)
        return [ingress, worker]

    return start


def _any_text(message: dict[str, Any]) -> bool:
    return bool(message.get("text"))


def _perevir_answer(message: dict[str, Any]) -> bool:
    return kind_of(message) is not None


async def run_all(people: int, flood: int, paced: int) -> list[Measured]:
    """The echo bot, then Perevir in each mode available."""
    bots: list[tuple[str, Any, Answered]] = [
        ("echo bot (PTB, polling)", start_echo, _any_text),
        ("perevir run (polling, SQLite)", start_run, _perevir_answer),
    ]
    url = os.environ.get("PEREVIR_TEST_POSTGRES_URL")
    if url:
        bots.append(("perevir worker (webhook, PostgreSQL)", start_worker(url), _perevir_answer))
    return [await measure(name, s, a, people, flood, paced) for name, s, a in bots]


def rows_of(measured: list[Measured]) -> list[Row]:
    """Each bot's throughput and paced latency, with the ratios to the echo bot's."""
    echo, rows = measured[0], []
    for m in measured:
        ratio = m.throughput / echo.throughput
        slower = m.latency.p50_ms / echo.latency.p50_ms
        is_perevir = m is not echo
        rows.append(
            Row(
                f"{m.name}: flood throughput",
                m.throughput,
                unit="upd/s",
                runs="flood",
                target="≥ 0.5× echo" if is_perevir else "",
                met=ratio >= 0.5 if is_perevir else None,
                note=f"{ratio:.2f}× echo",
            )
        )
        rows.append(
            Row(
                f"{m.name}: latency at {PACE:g} upd/s",
                m.latency.p50_ms,
                m.latency.p99_ms,
                runs=f"{m.latency.count:,}",
                target="p50 ≤ 1.5× echo" if is_perevir else "",
                met=slower <= 1.5 if is_perevir else None,
                note=f"p50 {slower:.2f}× echo",
            )
        )
    return rows


def bench_yardstick(people: int = 100, flood: int = 600, paced: int = 200) -> list[Row]:
    """The rows for `make bench`."""
    return rows_of(asyncio.run(run_all(people, flood, paced)))


def main(argv: list[str] | None = None) -> int:
    """Measure and print the table."""
    from benchmarks.report import plain_table

    parser = argparse.ArgumentParser(prog="python -m benchmarks.yardstick", description=__doc__)
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--flood", type=int, default=600)
    parser.add_argument("--paced", type=int, default=200)
    args = parser.parse_args(argv)
    print(plain_table(bench_yardstick(args.people, args.flood, args.paced)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
