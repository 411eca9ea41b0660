"""One slow link must not stall other people (issue 10): a 10 s link, 20 others within 1 s.

The real bot polls the local Bot API server over HTTP, on a real SQLite database, with the real
content and model; only the link fetcher is replaced, by a site that takes 10 s and then returns
an advert. Each round, one person sends a link; as soon as its fetch has started, 20 other people
each send an FAQ question, and each one's wait is timed from sending to their answer reaching the
server. The yardstick, measured in the same run and interleaved with those rounds, is the same 20
people asking the same question at once with no link in flight. Target: every one of the 20 is
answered within 1 s while the link loads, and the link's own card arrives after about 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.report import Row, machine, timing_row
from benchmarks.stats import Timing
from bot.config import PROJECT_ROOT
from bot.knowledge import Knowledge
from bot.web.fetch import FetchedPage

if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
from tests.e2e_support import choose_english, make_bot, running_bot, settled
from tests.support.bot_api import BotApiServer

SLOW_USER = 5_552_000
OTHERS = tuple(range(SLOW_USER + 1, SLOW_USER + 21))
QUESTION = "can I work in Poland without a visa"
LINK = "https://jobs.example/offer/1"
ADVERT = (
    "Warehouse packers wanted in Poland. Work on a tourist visa, no contract needed. "
    "The coordinator keeps your passport for registration. Pay 3000 EUR a month, "
    "travel costs deducted from the first wages. Leave this week, places are limited."
)
SLOW_SECONDS = 10.0
ROUNDS = 3
TARGET_SECONDS = 1.0
TIMEOUT = 15.0  # longer than the slow link, so a stalled answer is still timed
REFILL_SECONDS = 1.0  # a pause between rounds: the rate limiter's bucket (30 a second) refills


class SlowSite:
    """A link fetcher whose site takes `seconds` to answer, then returns the advert."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.entered = asyncio.Event()
        self.started = 0.0
        self.finished = 0.0

    async def __call__(self, url: str) -> FetchedPage:
        """Wait like a slow site, then return the advert's page."""
        self.started = time.perf_counter()
        self.entered.set()
        await asyncio.sleep(self.seconds)
        self.finished = time.perf_counter()
        return FetchedPage(url, ADVERT)


@dataclass(frozen=True)
class Answer:
    """One person's answer: when it was asked and arrived (perf_counter seconds), its text."""

    sent: float
    arrived: float
    text: str

    @property
    def wait(self) -> float:
        """Seconds from sending the question to the answer reaching the server."""
        return self.arrived - self.sent


@dataclass
class Measured:
    """What a run measured: waits and card times in seconds, and what was checked."""

    idle: list[float] = dataclasses.field(default_factory=list)
    during: list[float] = dataclasses.field(default_factory=list)
    cards: list[float] = dataclasses.field(default_factory=list)
    answered_while_loading: int = 0
    unexpected_answers: int = 0
    cards_with_flags: int = 0


async def ask(server: BotApiServer, user: int) -> Answer:
    """The user asks the question; their answer, once it reaches the server."""
    sent = time.perf_counter()
    server.send_text(user, QUESTION)
    [message] = await server.wait_for_message(user, timeout=TIMEOUT)
    return Answer(sent, time.perf_counter(), str(message.get("text") or ""))


async def burst(server: BotApiServer) -> list[Answer]:
    """The 20 others ask at once (one update each, back to back); their answers."""
    return list(await asyncio.gather(*(ask(server, user) for user in OTHERS)))


async def link_round(
    server: BotApiServer, perevir: Any, seconds: float
) -> tuple[list[Answer], Answer, SlowSite]:
    """The slow user sends a link; once its fetch has started, the 20 others ask at once."""
    site = SlowSite(seconds)
    perevir.fetch_link = site
    sent = time.perf_counter()
    server.send_text(SLOW_USER, LINK)
    card = asyncio.create_task(server.wait_for_message(SLOW_USER, timeout=seconds + TIMEOUT))
    await asyncio.wait_for(site.entered.wait(), timeout=TIMEOUT)
    answers = await burst(server)
    [message] = await card
    return answers, Answer(sent, time.perf_counter(), str(message.get("text") or "")), site


async def run(knowledge: Knowledge, rounds: int = ROUNDS) -> Measured:
    """Onboard everyone, warm up, then alternate idle and slow-link rounds."""
    os.environ["PTB_TIMEDELTA"] = "1"
    measured = Measured()
    with tempfile.TemporaryDirectory(prefix="perevir-concurrency-") as folder:
        perevir = make_bot(knowledge, Path(folder))
        try:
            async with BotApiServer() as server, running_bot(server, perevir):
                for user in (SLOW_USER, *OTHERS):
                    server.user(user, f"User {user}", "en")
                    await choose_english(server, user)
                await link_round(server, perevir, 0.0)  # warm-up: the advert path
                expected = {a.text for a in await burst(server)}  # warm-up: the FAQ path
                for _ in range(rounds):
                    await asyncio.sleep(REFILL_SECONDS)
                    idle = await burst(server)
                    measured.idle += [a.wait for a in idle]
                    measured.unexpected_answers += sum(a.text not in expected for a in idle)
                    await settled(server, perevir)
                    await asyncio.sleep(REFILL_SECONDS)
                    during, card, site = await link_round(server, perevir, SLOW_SECONDS)
                    measured.during += [a.wait for a in during]
                    measured.unexpected_answers += sum(a.text not in expected for a in during)
                    measured.answered_while_loading += sum(
                        site.started <= a.arrived <= site.finished for a in during
                    )
                    measured.cards.append(card.wait)
                    measured.cards_with_flags += "passport" in card.text.lower()
                    await settled(server, perevir)
        finally:
            await perevir.people.close()
    return measured


def rows_of(measured: Measured) -> list[Row]:
    """The figures as report rows: yardstick, waits during the slow link, ratio, the card."""
    idle, during = Timing(tuple(measured.idle)), Timing(tuple(measured.during))
    cards = Timing(tuple(measured.cards))
    worst = max(measured.during)
    loading = measured.answered_while_loading == during.count
    within = worst <= TARGET_SECONDS
    card_ok = all(SLOW_SECONDS <= c <= SLOW_SECONDS + TARGET_SECONDS for c in measured.cards)
    others = f"{len(OTHERS)} people's questions at once"
    checks = (
        f"{measured.answered_while_loading} of {during.count} answered while the link was "
        f"loading; {measured.unexpected_answers} answers differed from the idle answer"
    )
    return [
        timing_row(f"{others}, no link in flight (yardstick)", idle),
        Row(
            f"{others}: slowest answer, no link in flight (yardstick)",
            max(measured.idle) * 1000,
            runs=f"{idle.count:,}",
        ),
        dataclasses.replace(
            timing_row(
                f"{others}, while another's link takes {SLOW_SECONDS:g} s",
                during,
                target=f"all ≤ {TARGET_SECONDS * 1000:g} ms",
                met=within and loading,
            ),
            note=checks,
        ),
        Row(
            f"{others}: slowest answer while the link loads",
            worst * 1000,
            runs=f"{during.count:,}",
            target=f"≤ {TARGET_SECONDS * 1000:g} ms",
            met=within,
        ),
        Row(
            f"{others}: slow-link wait ÷ yardstick (p50, p99)",
            during.p50_ms / idle.p50_ms,
            during.p99_ms / idle.p99_ms,
            unit="×",
            runs=f"{during.count:,}",
        ),
        Row(
            f"the {SLOW_SECONDS:g} s link's own card: link sent → card",
            cards.p50_ms / 1000,
            max(measured.cards),
            unit="s",
            runs=f"{cards.count:,}",
            target=f"{SLOW_SECONDS:g}–{SLOW_SECONDS + TARGET_SECONDS:g} s",
            met=card_ok and measured.cards_with_flags == cards.count,
            note=f"{measured.cards_with_flags} of {cards.count} cards name the passport flag",
        ),
    ]


def bench_concurrency(knowledge: Knowledge, rounds: int = ROUNDS) -> list[Row]:
    """Other people's waits while one person's link takes 10 s, beside the idle yardstick."""
    return rows_of(asyncio.run(run(knowledge, rounds)))


def report(measured: Measured, rows: list[Row]) -> dict[str, object]:
    """The run as JSON: the machine, the rows and every sample (seconds)."""
    return {
        "benchmark": "concurrency",
        "machine": machine(),
        "slow_link_seconds": SLOW_SECONDS,
        "others": len(OTHERS),
        "rows": [dataclasses.asdict(r) for r in rows],
        "samples": dataclasses.asdict(measured),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark on its own; print the tables and, if asked, write the JSON report."""
    from benchmarks.report import markdown_table, plain_table

    parser = argparse.ArgumentParser(prog="python -m benchmarks.concurrency", description=__doc__)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"slow-link rounds ({ROUNDS})")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)
    where = machine()
    loaded = Knowledge.load(PROJECT_ROOT / "content", PROJECT_ROOT / "models")
    measured = asyncio.run(run(loaded, args.rounds))
    rows = rows_of(measured)
    print(f"\nA slow link and other people, on {where}\n")
    print(plain_table(rows))
    print("\n" + markdown_table(rows))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(report(measured, rows), indent=2, ensure_ascii=False)
        args.json.write_text(text + "\n", encoding="utf-8")
        print(f"\nreport in {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
