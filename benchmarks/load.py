"""Webhook mode under load, with workers killed (issue 14).

The local Bot API server delivers updates by webhook to the real ingress (`perevir ingress`, a
subprocess), which records them in PostgreSQL; 1, 2 or 4 real workers (`perevir worker`,
subprocesses) handle them while one worker is killed with SIGKILL every few seconds (the next
once all are running again) and restarted under its name. Many people each send a known
sequence of questions and adverts; before the load, some open hand-off cases that counsellors
take, and during it each case's person and counsellor write numbered messages to each other.
Every answer and relay is read back from the server and matched to what was sent.

Reported per worker count: throughput (updates handled per second, from the first POST of the
flood to the last answer), latency from the first POST of an update to the bot's answer (p50,
p99; every update is injected at once, so this is mostly the wait in the backlog), and the
counts of lost, duplicated and reordered messages. Lost and reordered must be 0; a duplicate
can come only from the window the Bot API leaves (the sending worker killed after Telegram
took a message and before the outbox recorded it: at most one per kill, since one worker sends,
one message at a time). Telegram's rate limits are off (PEREVIR_RATE_LIMIT=false) so that
sending is not what is measured.

`python -m benchmarks.load [--workers 1 2 4] [--users 500] [--updates 5000] [--cases 20]
[--kill-every 3] [--no-kill]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.processes import Process, free_port, until_healthy, until_ready
from benchmarks.report import Row
from benchmarks.stats import percentile
from bot.config import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
from tests.crash.harness import TOKEN, reset_database
from tests.e2e_support import answer_to, body, risk_level
from tests.support.bot_api import BotApiServer
from tests.support.environment import clean_environment

SECRET = "load-test-secret"
PSEUDONYM_KEY = "9f1c2e7a4b6d8e0f1a3c5e7b9d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f"  # a test key
USER_BASE = 7_000_000
MESSAGES = (
    ("my boss wants to keep my passport, is that ok?", "passport-safekeeping"),
    (
        "Warehouse work in Poland, 3000 EUR a month, no experience. Come on a tourist visa, "
        "the coordinator keeps your passport. Pay 200 EUR registration before departure.",
        "risk",
    ),
    ("the agency asks me to pay 300 euro for the job, should i pay", "agency-fees"),
)
"""What each person sends, in turn, and what the answer to it is (an FAQ entry, or a card)."""


def kind_of(message: dict[str, Any]) -> str | None:
    """What an answer of the bot is: an entry's id, "risk" for a check card, None otherwise."""
    if risk_level(body(message)) is not None:
        return "risk"
    return answer_to(message)


@dataclass
class LoadResult:
    """What one run measured."""

    workers: int
    updates: int
    kills: int
    seconds: float
    throughput: float
    latencies: list[float] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    given_up: int = 0
    """Updates the workers gave up after MAX_ATTEMPTS deaths in hand (counted in lost too)."""

    def percentile(self, q: float) -> float:
        """A latency percentile (0-1), in seconds; NaN with no latencies."""
        return percentile(self.latencies, q * 100)

    def line(self) -> str:
        """One Markdown table row."""
        return (
            f"| {self.workers} | {self.updates:,} | {self.kills} | {self.seconds:.1f} s | "
            f"{self.throughput:.1f}/s | {self.percentile(0.5) * 1000:.0f} ms | "
            f"{self.percentile(0.99) * 1000:.0f} ms | {self.lost} | {self.duplicated} | "
            f"{self.reordered} | {self.given_up} |"
        )


HEADER = (
    "| workers | updates | kills | took | handled | p50 POST→answer | p99 | lost | duplicated "
    "| reordered | given up |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


async def run_load(
    database_url: str,
    workers: int,
    users: int,
    updates: int,
    kill_every: float | None,
    cases: int = 20,
    seed: int = 14,
    timeout: float | None = None,
) -> LoadResult:
    """One run: the ingress and `workers` workers on a fresh database, `updates` messages from
    `users` people, a worker killed every `kill_every` seconds (never with None)."""
    rng = random.Random(seed)
    timeout = timeout or 300.0 + updates * 0.4
    reset_database(database_url)
    folder = Path(tempfile.mkdtemp(prefix="perevir-load-"))
    processes: list[Process] = []
    async with BotApiServer(TOKEN) as server:
        people = [USER_BASE + n for n in range(users)]
        for person in people:
            server.user(person, "P", "en")
            server.set_member(GROUP, person, "left")
        server.group(GROUP, "Counsellors")
        for counsellor in COUNSELLORS:
            server.user(counsellor, "Staff", "en")
        port = free_port()
        env = clean_environment()
        env.update(
            PYTHONUNBUFFERED="1",
            TELEGRAM_BOT_TOKEN=TOKEN,
            PEREVIR_TELEGRAM_API_URL=server.base_url,
            PEREVIR_DATABASE_URL=database_url,
            PEREVIR_DATA_DIR=str(folder / "data"),
            PEREVIR_PSEUDONYM_KEY=PSEUDONYM_KEY,
            PEREVIR_WEBHOOK_SECRET=SECRET,
            PEREVIR_RATE_LIMIT="false",
            PEREVIR_LOG_LEVEL="WARNING",
            PEREVIR_COUNSELLOR_CHAT_ID=str(GROUP),
            PEREVIR_COUNSELLORS=",".join(f"{c}=Counsellor {n}" for n, c in enumerate(COUNSELLORS)),
        )
        ingress = Process(["bot.cli", "ingress", "--port", str(port)], env, folder, "ingress")
        processes.append(ingress)
        crew = [
            Process(["bot.cli", "worker", "--name", f"w{n}"], env, folder, f"w{n}")
            for n in range(workers)
        ]
        processes.extend(crew)
        try:
            ingress.start()
            await until_healthy(ingress, port)
            for worker in crew:
                worker.start()
            for worker in crew:
                await until_ready(worker)
            from bot.tg.app import bare_application, set_webhook

            hook = f"http://127.0.0.1:{port}/telegram"
            assert await set_webhook(bare_application(TOKEN, server.base_url), hook, SECRET)
            openings = await _open_cases(server, people[:cases])
            seen_before = len(server.log)
            talkers = [p for p in people if p not in openings]
            sent: dict[int, list[str]] = {p: [] for p in talkers}
            case_turns = {p: 0 for p in openings}
            plan = [people[n % users] for n in range(updates)]
            rng.shuffle(plan)
            kills = 0
            started = time.monotonic()
            next_kill = started + (kill_every or 1e9)
            ids: dict[int, list[int]] = {p: [] for p in talkers}
            flood_from = 2**62
            for n, person in enumerate(plan):
                if person in openings:  # a message in a case, by the person or the counsellor
                    turn = case_turns[person]
                    case_turns[person] += 1
                    counsellor, relayed = openings[person]
                    if turn % 2 == 0:
                        update = server.send_text(person, f"p{person} #{turn // 2}")
                    else:
                        update = server.send_text(
                            counsellor, f"c{person} #{turn // 2}", reply_to=relayed
                        )
                else:
                    text, kind = MESSAGES[len(sent[person]) % len(MESSAGES)]
                    update = server.send_text(person, text)
                    sent[person].append(kind)
                    ids[person].append(update["update_id"])
                flood_from = min(flood_from, update["update_id"])
                if n % 50 == 49:
                    await asyncio.sleep(0)  # let the server deliver while injecting
            tally = Tally(openings)
            tally.seen = seen_before
            expected = sum(map(len, sent.values())) + sum(case_turns.values())

            def account(result: LoadResult) -> LoadResult:
                """Count what each person and counsellor got against what was sent."""
                by_chat = _answers(server)
                for person in talkers:
                    got = [k for k, _ in by_chat.get(person, [])]
                    kept = _compare(result, sent[person], got, consecutive=True)
                    times = [at for n, (_, at) in enumerate(by_chat.get(person, [])) if n in kept]
                    for update_id, at in zip(ids[person], times, strict=False):
                        if update_id in server.first_posted:
                            result.latencies.append(at - server.first_posted[update_id])
                for person, (counsellor, _) in openings.items():
                    turns = case_turns[person]
                    to_counsellor = _relays(server, counsellor, "p", person)
                    _compare(result, list(range((turns + 1) // 2)), to_counsellor)
                    _compare(result, list(range(turns // 2)), _relays(server, person, "c", person))
                return result

            done, checked, progress = started, 0.0, (0, time.monotonic())
            while True:
                now = time.monotonic()
                came = tally.count(server)
                if came != progress[0]:
                    progress = (came, now)
                quiet = server.pending_updates() == 0 and now - progress[1] > STALL
                if (
                    came >= expected and server.pending_updates() == 0 and now - checked > 2
                ) or quiet:
                    checked = now
                    if quiet or account(LoadResult(workers, updates, 0, 1, 1)).lost == 0:
                        done = tally.last
                        break
                if now - started > timeout:
                    done = now
                    print(f"timed out: {tally.answers} of {expected} came", file=sys.stderr)
                    break
                if kill_every is not None and now >= next_kill:
                    victim = rng.choice(crew)
                    victim.kill()
                    kills += 1
                    victim.start()
                    next_kill = float("inf")
                elif next_kill == float("inf") and all(w.ready for w in crew):
                    next_kill = now + (kill_every or 1e9)  # the next once all are back
                await asyncio.sleep(0.1)
            posted = server.first_posted
            first = min((at for u, at in posted.items() if u >= flood_from), default=started)
            seconds = max(done - first, 1e-6)
            result = LoadResult(workers, updates, kills, seconds, updates / seconds)
            account(result)
            result.given_up = _given_up(database_url)
            return result
        finally:
            for process in processes:
                process.kill()


def _given_up(database_url: str) -> int:
    """How many updates the workers gave up (each a person left without an answer)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT count(*) FROM inbox_updates WHERE status = 'failed'")
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


class Tally:
    """Counts, as they come, the bot's answers to people, and the turns of each case that
    reached the other side."""

    def __init__(self, cases: dict[int, tuple[int, int]]) -> None:
        self.cases = cases
        self.seen = 0
        self.answers = 0
        self.last = 0.0

    def count(self, server: BotApiServer) -> int:
        """How many have come so far (only new calls are read for answers)."""
        log = server.log
        for call in log[self.seen :]:
            if call.error is None and call.method in {"sendMessage", "copyMessage"}:
                self.last = call.at
                if call.method == "sendMessage" and isinstance(call.result, dict):
                    self.answers += kind_of(call.result) is not None
        self.seen = len(log)
        turns = sum(
            len(_relays(server, counsellor, "p", person))
            + len(_relays(server, person, "c", person))
            for person, (counsellor, _) in self.cases.items()
        )
        return self.answers + turns


def _relays(server: BotApiServer, chat: int, side: str, person: int) -> list[int]:
    """The turns of one case that reached a chat, in the order they arrived."""
    tag = re.compile(rf"\b{side}{person} #(\d+)")
    return [int(m.group(1)) for msg in server.messages(chat) if (m := tag.search(body(msg)))]


def _compare(
    result: LoadResult, expected: list[Any], got: list[Any], *, consecutive: bool = False
) -> set[int]:
    """Add one sequence's lost, duplicated and reordered messages to the result; which of
    `got` were firsts (not repeats). A repeat is a message sent again after a kill: the same
    as the one just before it (`consecutive`, for answers, whose kinds recur) or one already
    seen (for case turns, each numbered)."""
    kept: set[int] = set()
    seen: list[Any] = []
    for n, item in enumerate(got):
        repeat = (consecutive and seen and seen[-1] == item) or (not consecutive and item in seen)
        if not repeat:
            kept.add(n)
            seen.append(item)
    result.duplicated += len(got) - len(kept) + max(0, len(seen) - len(expected))
    result.lost += max(0, len(expected) - len(seen))
    rest = iter(expected)
    if not all(any(item == e for e in rest) for item in seen):  # not in the order sent
        result.reordered += 1
    return kept


STALL = 90.0
"""Seconds without a new answer, with nothing left to deliver, after which what is missing
counts as lost."""


GROUP = -100_777_000
COUNSELLORS = (9_101, 9_102, 9_103, 9_104)


async def _open_cases(server: BotApiServer, people: list[int]) -> dict[int, tuple[int, int]]:
    """Each person asks for a counsellor and one takes the case (in turn), before the load;
    then the person says hello. Per person: the counsellor, and the relayed hello to reply
    to (a reply to a relay goes to its case)."""
    from tests.e2e_support import buttons, choose_english, latest_containing, latest_saying

    for counsellor in COUNSELLORS:
        server.send_command(counsellor, "/start")
        await server.wait_for(lambda c=counsellor: server.messages(c), timeout=30)
    opened: dict[int, tuple[int, int]] = {}
    for n, person in enumerate(people):
        counsellor = COUNSELLORS[n % len(COUNSELLORS)]
        menu = await choose_english(server, person)
        server.press_button(person, menu["message_id"], "menu:counsellor")
        consent = await latest_saying(server, person, "handoff.consent", timeout=30)
        cards = len(server.messages(GROUP))
        server.press_button(person, consent["message_id"], "ho:yes")
        await server.wait_for(lambda c=cards: len(server.messages(GROUP)) > c, timeout=30)
        card = server.messages(GROUP)[-1]
        server.press_button(counsellor, card["message_id"], buttons(card)[0], chat_id=GROUP)
        await latest_saying(server, person, "handoff.taken", timeout=30)
        server.send_text(person, f"hello from {person}")
        relayed = await latest_containing(server, counsellor, f"hello from {person}", timeout=30)
        opened[person] = (counsellor, int(relayed["message_id"]))
    return opened


def _answers(server: BotApiServer) -> dict[int, list[tuple[str, float]]]:
    """Per chat, each answer's kind and when its sendMessage arrived, in order."""
    found: dict[int, list[tuple[str, float]]] = {}
    for call in server.calls("sendMessage"):
        if call.error is not None or not isinstance(call.result, dict):
            continue
        kind = kind_of(call.result)
        if kind is not None:
            found.setdefault(int(call.params["chat_id"]), []).append((kind, call.at))
    return found


def rows_of(results: list[LoadResult]) -> list[Row]:
    """The rows for `make bench`: throughput and latency per worker count, and the counts."""
    one = next((r for r in results if r.workers == 1), None)
    rows = []
    for r in results:
        counts = f"lost {r.lost}, reordered {r.reordered}, duplicated {r.duplicated}"
        scale = f", {r.throughput / one.throughput:.2f}× one" if one and r is not one else ""
        rows.append(
            Row(
                f"load, {r.workers} worker(s), {r.kills} kills: handled",
                r.throughput,
                unit="upd/s",
                runs=f"{r.updates:,}",
                target="≥ 1.6× one" if r.workers == 2 else "",
                met=(r.throughput >= 1.6 * one.throughput) if one and r.workers == 2 else None,
                note=counts + scale,
            )
        )
        rows.append(
            Row(
                f"load, {r.workers} worker(s): first POST → answer",
                r.percentile(0.5) * 1000,
                r.percentile(0.99) * 1000,
                runs=f"{len(r.latencies):,}",
                target="lost 0, reordered 0",
                met=r.lost == 0 and r.reordered == 0,
            )
        )
    return rows


def bench_load_test(workers: tuple[int, ...] = (1, 2, 4)) -> list[Row]:
    """The full load test for `make bench` (needs PEREVIR_TEST_POSTGRES_URL)."""
    url = os.environ.get("PEREVIR_TEST_POSTGRES_URL")
    if not url:
        print("PEREVIR_TEST_POSTGRES_URL is not set: no load test", file=sys.stderr)
        return []
    return rows_of([asyncio.run(run_load(url, n, 500, 5000, 3.0)) for n in workers])


def main(argv: list[str] | None = None) -> int:
    """Run the load test for each worker count and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--kill-every", type=float, default=3.0)
    parser.add_argument("--cases", type=int, default=20, help="open hand-off cases")
    parser.add_argument("--no-kill", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    url = os.environ.get("PEREVIR_TEST_POSTGRES_URL")
    if not url:
        print("PEREVIR_TEST_POSTGRES_URL is not set: the load test runs on PostgreSQL")
        return 2
    results = []
    for count in args.workers:
        kill = None if args.no_kill else args.kill_every
        result = asyncio.run(run_load(url, count, args.users, args.updates, kill, args.cases))
        results.append(result)
        print(result.line() if results[1:] else f"{HEADER}\n{result.line()}", flush=True)
    if args.json:
        rows = [{**r.__dict__, "latencies": None} for r in results]
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
