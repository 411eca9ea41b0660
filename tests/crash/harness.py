"""Crash trials: does a SIGKILL during traffic lose, duplicate or reorder anything?

Black-box. The bot runs as its own OS process (`python -m bot.cli run`, in a session of its own
so one SIGKILL takes the whole process group) against the local Bot API server of
`tests/support/bot_api.py`, which lives in this process and so survives the bot. Like Telegram,
the server forgets an update once a getUpdates call confirms it (offset above its id).

Per database, one bot lifetime per trial:

1. Set-up: start the bot; the counsellor opens a private chat (/start), a person opens a case
   (menu, consent), the counsellor takes it, and one message goes each way, which also gives
   the counsellor a relayed message to reply to. Every question the trials ask is asked once
   by a probe user, which learns the FAQ topic its answer carries in the feedback button
   (``fb:<topic>:1``).
2. Each trial: a burst (30 updates in 1 s) of two-way traffic in the open case
   (``p2c-T<n>-<i>`` from the person, ``c2p-T<n>-<i>`` from the counsellor, replying to a
   relayed message) interleaved with plain questions from fresh users outside any case (one
   question per user, so every reply in that user's chat is an answer to it). At a uniformly
   random moment 0-2 s after the burst starts, SIGKILL. Restart, wait until everything has
   arrived or the timeout passes, then send one more message each way (a barrier: the bot
   relays in order, so what it still had to send comes before it).
3. Count per direction: lost (never seen in the target chat), duplicated (seen more than once),
   reordered (fewest messages that would have to move for the rest to be in sent order); for
   questions: unanswered and answered more than once. A duplicate is "from the crash window"
   when it is exactly one copy made before the restart and one after: the one window the Bot
   API leaves (a send that completed but was not yet marked sent). Any other is a bug.

Nothing here logs message texts or user ids; the bot's own stdout and stderr go to files in the
run's folder (``bot-<lifetime>.stderr``), and a set-up failure quotes the tail.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import json
import logging
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests.support.bot_api import BotApiServer
from tests.support.environment import clean_environment

T = TypeVar("T")
JSON = dict[str, Any]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:TEST-token-for-the-local-server-only"
READY_LINE = "Perevir is running"
PR_SET_PDEATHSIG = 1

PERSON = 5_550_003
COUNSELLOR = 901
COUNSELLOR_NAME = "Counsellor Olha"
GROUP = -100_777
ASKER_BASE = 6_000_000
"""Question users: ``ASKER_BASE + 100 * trial + i``; trial 0 is the set-up's probe."""

QUESTIONS = (
    "Can I work in Poland on a visa-free stay?",
    "What should a job contract contain?",
    "my employer took my passport and won't give it back, what do I do?",
    "the agency wants 300 euros to find me a job in Poland, is that normal?",
    "how can I check that a recruitment agency is real",
    "a recruiter only writes on Telegram and never calls, is that suspicious?",
    "which documents do I need to work abroad",
    "I lost my passport in Germany what should I do",
    "can I work in Poland without a contract",
    "how long is a trial period and is it paid",
)
"""Real FAQ questions, each answered directly (with feedback buttons) under a different topic."""

DIRECTIONS = ("p2c", "c2p")
DIRECTION_NAMES = {"p2c": "person → counsellor", "c2p": "counsellor → person"}
_MARKER = re.compile(r"\b(p2c|c2p)-T(\d+)-(\d+|end)\b")
_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Truncation)\b.*")
_LIVE: set[BotProcess] = set()


class CrashRunError(Exception):
    """A step of the run could not be completed (so no trial result can be trusted from it).

    ``stage`` says which step, ``detail`` what was seen, ``log_tail`` the bot's stderr tail.
    """

    def __init__(self, stage: str, detail: str, log_tail: str = "") -> None:
        self.stage, self.detail, self.log_tail = stage, detail, log_tail
        super().__init__(f"{stage}: {detail}")


# --- configuration and results -------------------------------------------------------------------


@dataclass(frozen=True)
class CrashConfig:
    """What to run: which database, how many trials, from which source tree, how patiently."""

    database: str
    """A label for the report: ``sqlite`` or ``postgresql``."""
    database_url: str
    """``sqlite:////abs/path.db`` (created fresh) or a PostgreSQL URL (its schema is reset)."""
    work_dir: Path
    """Where the bot's data folder and its logs go."""
    trials: int = 10
    source: Path = PROJECT_ROOT
    """The source tree the bot runs from (its ``PYTHONPATH`` and working directory)."""
    seed: int | None = None
    """Seed of the kill delays; None picks one (it is reported)."""
    per_direction: int = 10
    """Messages each way per trial; also the number of plain questions."""
    burst_seconds: float = 1.0
    """How long the burst of traffic lasts: 30 updates in 1 s outpace the bot a little, so a
    backlog builds, as in any rush. (Measured on the code before the durable intake, same kill
    delays: over 1.0 s, 8 of 8 trials lost messages; over 1.5 s, which a quiet machine keeps up
    with, 1 of 8.)"""
    max_kill_delay: float = 2.0
    """The kill comes uniformly between 0 and this many seconds after the burst starts."""
    deliver_timeout: float = 90.0
    """How long after a restart to wait for everything to arrive."""
    ready_timeout: float = 180.0
    """How long a start-up may take before it counts as failed."""
    step_timeout: float = 30.0
    """How long one set-up step (a reply, a relay) may take."""
    python: str = sys.executable
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if not 1 <= self.per_direction <= len(QUESTIONS):
            raise ValueError(f"per_direction must be 1..{len(QUESTIONS)} (one question each)")
        if self.trials < 1:
            raise ValueError("trials must be at least 1")


@dataclass
class DirectionCount:
    """One direction of one trial, or a total."""

    sent: int = 0
    lost: int = 0
    duplicated: int = 0
    """Markers seen more than once."""
    extra_copies: int = 0
    """Copies beyond the first, over all markers."""
    outside_window: int = 0
    """Duplicated markers not explained by the kill: not exactly one copy sent before the
    restart and one after (see `from_the_crash_window`)."""
    reordered: int = 0
    lost_markers: list[str] = field(default_factory=list)
    duplicated_markers: list[str] = field(default_factory=list)

    def add(self, other: DirectionCount) -> None:
        """Accumulate another count into this one."""
        self.sent += other.sent
        self.lost += other.lost
        self.duplicated += other.duplicated
        self.extra_copies += other.extra_copies
        self.outside_window += other.outside_window
        self.reordered += other.reordered
        self.lost_markers += other.lost_markers
        self.duplicated_markers += other.duplicated_markers


@dataclass
class QuestionCount:
    """The plain questions of one trial, or a total."""

    sent: int = 0
    unanswered: int = 0
    answered_more_than_once: int = 0
    extra_answers: int = 0
    outside_window: int = 0
    """Questions answered more than once, not as one answer before the restart and one after."""
    other_replies: int = 0
    """Replies that were not the expected FAQ answer (a language prompt, an error...)."""

    def add(self, other: QuestionCount) -> None:
        """Accumulate another count into this one."""
        self.sent += other.sent
        self.unanswered += other.unanswered
        self.answered_more_than_once += other.answered_more_than_once
        self.extra_answers += other.extra_answers
        self.outside_window += other.outside_window
        self.other_replies += other.other_replies


@dataclass
class TrialResult:
    """One bot lifetime: the burst, the kill, the restart, and what arrived."""

    number: int
    kill_delay: float
    """Seconds after the burst started, as drawn."""
    killed_at: float = 0.0
    """Seconds after the burst started, as it happened."""
    injected_before_kill: int = 0
    unconfirmed_at_kill: int = 0
    """Updates the server still held (not confirmed by getUpdates) when the bot died."""
    restart_seconds: float = 0.0
    all_arrived_after: float | None = None
    """Seconds from the restart being ready until everything had arrived; None on timeout."""
    barrier_arrived: bool = False
    p2c: DirectionCount = field(default_factory=DirectionCount)
    c2p: DirectionCount = field(default_factory=DirectionCount)
    questions: QuestionCount = field(default_factory=QuestionCount)


@dataclass
class CrashReport:
    """A whole run on one database."""

    database: str
    trials_requested: int
    seed: int
    source: str
    bot_module: str = ""
    """Where the bot process imported ``bot`` from (checked to be inside ``source``)."""
    trials: list[TrialResult] = field(default_factory=list)
    startup_seconds: list[float] = field(default_factory=list)
    """Every lifetime's start-up, from spawn to "Perevir is running"."""
    probe: list[JSON] = field(default_factory=list)
    """What a fresh user got for each question: how many replies, the answer's topic."""
    error: str | None = None
    error_log_tail: str = ""
    duration_seconds: float = 0.0

    def total(self, direction: str) -> DirectionCount:
        """One direction over all trials."""
        total = DirectionCount()
        for trial in self.trials:
            total.add(trial.p2c if direction == "p2c" else trial.c2p)
        return total

    def total_questions(self) -> QuestionCount:
        """The questions over all trials."""
        total = QuestionCount()
        for trial in self.trials:
            total.add(trial.questions)
        return total

    @property
    def lost(self) -> int:
        """Case messages lost plus questions never answered."""
        return sum(self.total(d).lost for d in DIRECTIONS) + self.total_questions().unanswered

    @property
    def reordered(self) -> int:
        """Case messages out of order, both directions."""
        return sum(self.total(d).reordered for d in DIRECTIONS)

    @property
    def duplicated(self) -> int:
        """Case messages seen twice plus questions answered twice."""
        duplicated = sum(self.total(d).duplicated for d in DIRECTIONS)
        return duplicated + self.total_questions().answered_more_than_once

    @property
    def duplicated_outside_window(self) -> int:
        """Duplicates the crash window does not explain (both copies from one lifetime, or more
        than two): these are bugs, not the Bot API's window."""
        outside = sum(self.total(d).outside_window for d in DIRECTIONS)
        return outside + self.total_questions().outside_window

    def to_json(self) -> JSON:
        """Everything, with the totals, for ``reports/crash/<db>.json``."""
        data = asdict(self)
        data["totals"] = {
            "p2c": asdict(self.total("p2c")),
            "c2p": asdict(self.total("c2p")),
            "questions": asdict(self.total_questions()),
            "lost": self.lost,
            "duplicated": self.duplicated,
            "duplicated_outside_window": self.duplicated_outside_window,
            "reordered": self.reordered,
        }
        return data


# --- counting ------------------------------------------------------------------------------------


def marker(direction: str, trial: int, index: int | str) -> str:
    """The unique text of one case message: ``p2c-T3-07``."""
    suffix = f"{index:02d}" if isinstance(index, int) else index
    return f"{direction}-T{trial}-{suffix}"


def body(message: JSON) -> str:
    """A message's text or caption."""
    return str(message.get("text") or message.get("caption") or "")


def buttons(message: JSON) -> list[str]:
    """The callback data of a message's inline buttons."""
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [str(b.get("callback_data")) for row in rows for b in row if b.get("callback_data")]


def longest_increasing(values: Sequence[int]) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    for value in values:
        low, high = 0, len(tails)
        while low < high:
            middle = (low + high) // 2
            if tails[middle] < value:
                low = middle + 1
            else:
                high = middle
        if low == len(tails):
            tails.append(value)
        else:
            tails[low] = value
    return len(tails)


def from_the_crash_window(copies: Sequence[int], restart_after: int) -> bool:
    """Whether a message's copies (message ids in one chat) are what the one window the Bot API
    leaves can make: a send that completed just before the kill but was not yet marked sent,
    so it is made again after the restart. ``restart_after``: the chat's last message id before
    the restarted bot began."""
    return len(copies) == 2 and copies[0] <= restart_after < copies[1]


def count_direction(
    direction: str, trial: int, sent: int, seen: Sequence[tuple[int, int]], restart_after: int
) -> DirectionCount:
    """Lost, duplicated and reordered markers, from the (index, message id) pairs seen in the
    target chat in order.

    Reordered is the fewest markers that would have to move for the others to be in sent order
    (first sightings only; a duplicate is counted as a duplicate, not as a reordering).
    """
    indices = [index for index, _ in seen]
    copies = Counter(indices)
    lost = [i for i in range(sent) if copies[i] == 0]
    twice = sorted(i for i, n in copies.items() if n > 1)
    first = list(dict.fromkeys(indices))
    outside = [
        i for i in twice if not from_the_crash_window([m for n, m in seen if n == i], restart_after)
    ]
    return DirectionCount(
        sent=sent,
        lost=len(lost),
        duplicated=len(twice),
        extra_copies=sum(copies[i] - 1 for i in twice),
        outside_window=len(outside),
        reordered=len(first) - longest_increasing(first),
        lost_markers=[marker(direction, trial, i) for i in lost],
        duplicated_markers=[marker(direction, trial, i) for i in twice],
    )


def markers_seen(messages: Iterable[JSON], direction: str, trial: int) -> list[tuple[int, int]]:
    """(index, message id) of one trial's markers of one direction, in the order they came."""
    seen = []
    for message in messages:
        for found, number, index in _MARKER.findall(body(message)):
            if found == direction and int(number) == trial and index.isdigit():
                seen.append((int(index), int(message["message_id"])))
    return seen


def answer_topic(message: JSON) -> str | None:
    """The FAQ topic of an answer, from its feedback button ``fb:<topic>:1``."""
    for data in buttons(message):
        if data.startswith("fb:") and data.count(":") == 2:
            return data.split(":")[1]
    return None


# --- the bot process -----------------------------------------------------------------------------


class BotProcess:
    """One lifetime of ``python -m bot.cli run``, in its own session (so its own process group)."""

    def __init__(self, config: CrashConfig, env: dict[str, str], lifetime: int) -> None:
        self.config, self.env, self.lifetime = config, env, lifetime
        self.stdout_path = config.work_dir / f"bot-{lifetime}.stdout"
        self.stderr_path = config.work_dir / f"bot-{lifetime}.stderr"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self._process is not None and self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit status once it has ended (negative: killed by that signal)."""
        return None if self._process is None else self._process.poll()

    async def start(self) -> float:
        """Spawn and wait until it says it is polling; returns the start-up in seconds."""
        command = [self.config.python, "-m", "bot.cli", "run"]
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self._process = subprocess.Popen(
                command,
                cwd=self.config.source,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        _LIVE.add(self)
        started = time.monotonic()
        while READY_LINE not in self.stdout_path.read_text(encoding="utf-8", errors="replace"):
            if not self.alive:
                raise CrashRunError(
                    f"start-up of bot lifetime {self.lifetime}",
                    f"the bot exited with code {self.returncode} before polling"
                    + self.problem_suffix(),
                    self.tail(),
                )
            if time.monotonic() - started > self.config.ready_timeout:
                self.kill_now()
                raise CrashRunError(
                    f"start-up of bot lifetime {self.lifetime}",
                    f'no "{READY_LINE}" within {self.config.ready_timeout:.0f} s',
                    self.tail(),
                )
            await asyncio.sleep(0.05)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL the whole process group, now (does not wait). Only while the bot has not
        been reaped: its group id is its pid, which could be reused afterwards."""
        if self._process is not None and self._process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signal.SIGKILL)

    async def wait_dead(self, timeout: float = 10.0) -> None:
        """Wait until the killed process has been reaped."""
        deadline = time.monotonic() + timeout
        while self.alive and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        self.kill_now()

    def kill_now(self) -> None:
        """SIGKILL the group and reap it (blocking; for clean-up paths)."""
        if self._process is None:
            return
        self.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=10)
        _LIVE.discard(self)

    def _lines(self) -> list[str]:
        try:
            text = self.stderr_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return text.splitlines()

    def tail(self, lines: int = 15) -> str:
        """For a failure report: the end of the last traceback in the bot's stderr, then the
        lines logged after it (without SQL parameters or the scheduler's chatter)."""
        log = self._lines()
        starts = [n for n, line in enumerate(log) if line.startswith("Traceback")]
        excerpt: list[str] = []
        after = 0
        if starts:
            block = log[starts[-1] :]
            end = next((n for n, line in enumerate(block) if _EXCEPTION_LINE.match(line)), None)
            excerpt = [*block[: None if end is None else end + 1][-12:], "…"]
            after = starts[-1] + (len(block) if end is None else end + 1)
        noise = ("[SQL", "[parameters", "(Background on this error")
        recent = [
            line for line in log[after:] if "apscheduler" not in line and not line.startswith(noise)
        ][-lines:]
        return "\n".join(excerpt + recent)

    def problem(self) -> str | None:
        """The last exception line in the bot's stderr (its first line only), if any."""
        found = [line for line in self._lines() if _EXCEPTION_LINE.match(line)]
        return found[-1][:240] if found else None

    def problem_suffix(self) -> str:
        """``"; the bot logged: <exception>"`` or nothing."""
        problem = self.problem()
        return f"; the bot logged: {problem}" if problem else ""


_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None
"""prctl(2), looked up before any fork: the child only calls it."""


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL it if this process dies (no orphan even then)."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)


@atexit.register
def _kill_leftovers() -> None:
    """Never leave a bot running behind, whatever stopped the run."""
    for process in list(_LIVE):
        process.kill_now()


def bot_env(config: CrashConfig, api_url: str, pseudonym_key: str) -> dict[str, str]:
    """The bot's environment: ours, minus any Perevir/Telegram/proxy settings, plus the run's
    (one pseudonym key for all the run's lifetimes, as a deployment keeps one)."""
    env = clean_environment()
    env.update(
        PYTHONPATH=str(config.source),
        PYTHONUNBUFFERED="1",
        TELEGRAM_BOT_TOKEN=TOKEN,
        PEREVIR_TELEGRAM_API_URL=api_url,
        PEREVIR_DATABASE_URL=config.database_url,
        PEREVIR_DATA_DIR=str(config.work_dir / "data"),
        PEREVIR_PSEUDONYM_KEY=pseudonym_key,
        PEREVIR_COUNSELLOR_CHAT_ID=str(GROUP),
        PEREVIR_COUNSELLORS=f"{COUNSELLOR}={COUNSELLOR_NAME}",
        PEREVIR_LOG_LEVEL=config.log_level,
    )
    return env


def imported_bot(config: CrashConfig, env: dict[str, str]) -> str:
    """Where the bot process will import ``bot`` from; CrashRunError unless inside the source."""
    if not (config.source / "bot" / "__init__.py").is_file():
        raise CrashRunError("source check", f"{config.source} has no bot/__init__.py")
    done = subprocess.run(
        [config.python, "-c", "import bot; print(bot.__file__)"],
        cwd=config.source,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    path = done.stdout.strip()
    source = config.source.resolve()
    if done.returncode != 0 or not path or not Path(path).resolve().is_relative_to(source):
        raise CrashRunError(
            "source check",
            f"the bot would import from {path or done.stderr[-200:]!r}, not {source}",
        )
    return path


def reset_database(url: str) -> None:
    """An empty schema: a fresh SQLite file, or PostgreSQL's public schema dropped and made anew."""
    if url.startswith("sqlite"):
        path = Path(url.split(":///", 1)[1])
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SET lock_timeout = '15s'"))
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except Exception as exc:
        raise CrashRunError("database reset", f"{type(exc).__name__}: {exc}"[:300]) from None
    finally:
        engine.dispose()


# --- the world the bot lives in ------------------------------------------------------------------


class CrashRun:
    """The server, the bot's lifetimes and the case, for one database."""

    def __init__(
        self, server: BotApiServer, config: CrashConfig, report: CrashReport, env: dict[str, str]
    ) -> None:
        self.server, self.config, self.report, self.env = server, config, report, env
        self.bot: BotProcess | None = None
        self.lifetimes = 0
        self.relayed_id = 0
        """A relayed message in the counsellor's chat, for the counsellor's replies."""
        self.topics: list[str] = []
        """The FAQ topic each question's answer carries, learned by the probe."""
        self.rng = random.Random(report.seed)
        server.user(PERSON, "Maria", "en")
        server.user(COUNSELLOR, "Staff 901", "en")
        server.group(GROUP, "Counsellors")
        server.set_member(GROUP, PERSON, "left")

    # ---- waiting --------------------------------------------------------------------------------
    def _bot_gone(self) -> bool:
        return self.bot is None or not self.bot.alive

    async def _until(self, predicate: Callable[[], T | None], timeout: float) -> T | None:
        """Wait for ``predicate()`` (re-checked on every server event); None on timeout or if
        the bot process has died."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            remaining = deadline - time.monotonic()
            if value or remaining <= 0 or self._bot_gone():
                return value or None
            with contextlib.suppress(AssertionError):
                return await self.server.wait_for(predicate, timeout=min(0.5, remaining))

    async def _step(self, stage: str, expected: str, predicate: Callable[[], T | None]) -> T:
        """One set-up step: its result, or CrashRunError naming the stage and what was missing."""
        started, calls_before = time.monotonic(), len(self.server.log)
        value = await self._until(predicate, self.config.step_timeout)
        if value:
            return value
        answers = [
            str(c.params.get("text"))
            for c in self.server.log[calls_before:]
            if c.method == "answerCallbackQuery" and c.params.get("text")
        ]
        bot = self.bot
        if bot is not None and not bot.alive:
            detail = f"the bot exited (code {bot.returncode}) while waiting for {expected}"
        else:
            waited = time.monotonic() - started
            calls = [c.method for c in self.server.sent[-6:]]
            failed = [f"{c.method} {c.error.code}" for c in self.server.sent if c.error][-3:]
            detail = f"no {expected} within {waited:.0f} s (last Bot API calls {calls}"
            detail += f", failed calls {failed})" if failed else ")"
            detail += f"; the bot answered the button with {answers}" if answers else ""
        detail += bot.problem_suffix() if bot is not None else ""
        raise CrashRunError(stage, detail, bot.tail() if bot is not None else "")

    def _new(
        self, chat: int, since: int, want: Callable[[JSON], bool]
    ) -> Callable[[], JSON | None]:
        """A predicate: the first bot message in ``chat`` after the first ``since`` that fits."""

        def found() -> JSON | None:
            return next((m for m in self.server.messages(chat)[since:] if want(m)), None)

        return found

    def _button(self, data: str, prefix: bool = False) -> Callable[[JSON], bool]:
        def has(message: JSON) -> bool:
            return any(b.startswith(data) if prefix else b == data for b in buttons(message))

        return has

    def _text(self, needle: str) -> Callable[[JSON], bool]:
        """Messages with these words in them (what people wrote, not the bot's texts)."""
        return lambda message: needle in body(message)

    def _saying(self, key: str) -> Callable[[JSON], bool]:
        from tests.e2e_support import has_text  # the content's text, not an English phrase

        return lambda message: has_text(body(message), key, "en")

    # ---- lifetimes ------------------------------------------------------------------------------
    async def start_bot(self) -> float:
        """A new lifetime; returns its start-up seconds."""
        self.lifetimes += 1
        self.bot = BotProcess(self.config, self.env, self.lifetimes)
        seconds = await self.bot.start()
        self.report.startup_seconds.append(round(seconds, 2))
        return seconds

    def stop(self) -> None:
        """Kill the current lifetime, if any (always called at the end)."""
        if self.bot is not None:
            self.bot.kill_now()

    # ---- set-up ---------------------------------------------------------------------------------
    async def open_case(self, attempt: int) -> None:
        """The person asks for a counsellor, agrees, the counsellor takes it; one message each
        way proves the relay works and gives a message to reply to."""
        srv = self.server
        since = len(srv.messages(COUNSELLOR))
        srv.send_command(COUNSELLOR, "/start")  # a counsellor must have a private chat to take
        await self._step(
            "the counsellor opens a private chat",
            "reply to /start",
            self._new(COUNSELLOR, since, bool),
        )
        if attempt > 1:  # the old case may still be open: end it, so /start is not relayed
            since = len(srv.messages(PERSON))
            srv.send_command(PERSON, "/end")
            await self._step("ending the old case", "reply to /end", self._new(PERSON, since, bool))
        since = len(srv.messages(PERSON))
        srv.send_command(PERSON, "/start")
        first = await self._step(
            "the person sends /start",
            "language choice or menu",
            self._new(
                PERSON,
                since,
                lambda m: "lang:en" in buttons(m) or "menu:counsellor" in buttons(m),
            ),
        )
        if "menu:counsellor" not in buttons(first):
            since = len(srv.messages(PERSON))
            srv.press_button(PERSON, first["message_id"], "lang:en")
            first = await self._step(
                "the person chooses English",
                "menu with a counsellor button",
                self._new(PERSON, since, self._button("menu:counsellor")),
            )
        since = len(srv.messages(PERSON))
        srv.press_button(PERSON, first["message_id"], "menu:counsellor")
        consent = await self._step(
            "the person asks for a counsellor",
            "consent question (ho:yes)",
            self._new(PERSON, since, self._button("ho:yes")),
        )
        group_since = len(srv.messages(GROUP))
        srv.press_button(PERSON, consent["message_id"], "ho:yes")
        card = await self._step(
            "the person agrees",
            "request card with a take: button in the counsellors' group",
            self._new(GROUP, group_since, self._button("take:", prefix=True)),
        )
        take = next(b for b in buttons(card) if b.startswith("take:"))
        since = len(srv.messages(PERSON))
        counsellor_since = len(srv.messages(COUNSELLOR))
        srv.press_button(COUNSELLOR, card["message_id"], take, chat_id=GROUP)
        await self._step(
            "the counsellor takes the case",
            "handoff.taken in the person's chat",
            self._new(PERSON, since, self._saying("handoff.taken")),
        )
        await self._step(
            "the counsellor takes the case",
            "the brief in the counsellor's chat",
            self._new(COUNSELLOR, counsellor_since, bool),
        )
        hello = f"p2c-setup-{attempt}"
        srv.send_text(PERSON, hello)
        relayed = await self._step(
            "the person's first message in the case",
            "its relay to the counsellor",
            self._new(COUNSELLOR, counsellor_since, self._text(hello)),
        )
        self.relayed_id = int(relayed["message_id"])
        reply = f"c2p-setup-{attempt}"
        srv.send_text(COUNSELLOR, reply, reply_to=self.relayed_id)
        await self._step(
            "the counsellor's first reply",
            "its copy in the person's chat",
            self._new(PERSON, since, self._text(reply)),
        )

    async def probe_questions(self) -> None:
        """Ask every question once as a fresh user; learn the topic its answer carries."""
        srv = self.server
        questions = self.config_questions()
        for i, question in enumerate(questions):
            srv.user(ASKER_BASE + i, f"Probe {i}", "en")
            srv.send_text(ASKER_BASE + i, question)
        for i, question in enumerate(questions):
            answer = await self._step(
                f"probe question {i}",
                "an FAQ answer with feedback buttons (fb:<topic>:1) for a fresh user",
                self._new(ASKER_BASE + i, 0, lambda m: answer_topic(m) is not None),
            )
            topic = answer_topic(answer)
            assert topic is not None
            replies = srv.messages(ASKER_BASE + i)
            before = replies[: next(n for n, m in enumerate(replies) if m is answer)]
            if topic in self.topics:
                raise CrashRunError(
                    f"probe question {i}", f"answered with topic {topic} like an earlier one"
                )
            self.topics.append(topic)
            self.report.probe.append(
                {
                    "question": question,
                    "topic": topic,
                    "replies_so_far": len(replies),
                    "replies_before_the_answer": [buttons(m)[:2] for m in before],
                }
            )

    def config_questions(self) -> tuple[str, ...]:
        """The questions a trial asks (one per fresh user)."""
        return QUESTIONS[: self.config.per_direction]

    async def setup(self) -> None:
        """First lifetime, the case, the probe."""
        await self.start_bot()
        await self.open_case(1)
        await self.probe_questions()

    # ---- trials ---------------------------------------------------------------------------------
    def _schedule(self, trial: int) -> list[tuple[int, str, int | None]]:
        """The burst as (sender, text, reply_to): p2c, c2p and a question, interleaved."""
        events: list[tuple[int, str, int | None]] = []
        for i, question in enumerate(self.config_questions()):
            asker = ASKER_BASE + 100 * trial + i
            self.server.user(asker, f"Asker {i}", "en")
            events.append((PERSON, marker("p2c", trial, i), None))
            events.append((COUNSELLOR, marker("c2p", trial, i), self.relayed_id))
            events.append((asker, question, None))
        return events

    def _askers(self, trial: int) -> list[int]:
        return [ASKER_BASE + 100 * trial + i for i in range(self.config.per_direction)]

    def _restart_marks(self, log_start: int) -> dict[int, int]:
        """Each chat's last bot message id before the restarted bot's first call (its getMe):
        what the server made before that came from earlier lifetimes. From the server's call
        log, in completion order, so a request of the killed bot still in flight is counted
        on its side."""
        calls = self.server.log
        first = next(
            (n for n in range(log_start, len(calls)) if calls[n].method == "getMe"), log_start
        )
        marks: dict[int, int] = {}
        for call in calls[:first]:
            result, chat = call.result, call.params.get("chat_id")
            if isinstance(result, dict) and isinstance(chat, int) and "message_id" in result:
                marks[chat] = max(marks.get(chat, 0), int(result["message_id"]))
        return marks

    def tally(self, result: TrialResult, restart_after: dict[int, int]) -> None:
        """Count what arrived for one trial (from everything the server has seen so far)."""
        srv, n, t = self.server, self.config.per_direction, result.number
        result.p2c = count_direction(
            "p2c",
            t,
            n,
            markers_seen(srv.messages(COUNSELLOR), "p2c", t),
            restart_after.get(COUNSELLOR, 0),
        )
        result.c2p = count_direction(
            "c2p", t, n, markers_seen(srv.messages(PERSON), "c2p", t), restart_after.get(PERSON, 0)
        )
        questions = QuestionCount(sent=n)
        for asker, topic in zip(self._askers(t), self.topics, strict=True):
            replies = srv.messages(asker)
            answers = [int(m["message_id"]) for m in replies if answer_topic(m) == topic]
            questions.unanswered += not answers
            questions.answered_more_than_once += len(answers) > 1
            questions.extra_answers += max(0, len(answers) - 1)
            if len(answers) > 1 and not from_the_crash_window(answers, restart_after.get(asker, 0)):
                questions.outside_window += 1
            questions.other_replies += len(replies) - len(answers)
        result.questions = questions

    def _arrived(self, trial: int) -> bool:
        srv, n = self.server, self.config.per_direction
        for chat, direction in ((COUNSELLOR, "p2c"), (PERSON, "c2p")):
            if {i for i, _ in markers_seen(srv.messages(chat), direction, trial)} != set(range(n)):
                return False
        return all(
            any(answer_topic(m) == topic for m in srv.messages(asker))
            for asker, topic in zip(self._askers(trial), self.topics, strict=True)
        )

    async def trial(self, number: int) -> TrialResult:
        """Burst, SIGKILL at a random moment, restart, wait, barrier, count."""
        assert self.bot is not None
        bot, srv = self.bot, self.server
        result = TrialResult(number, round(self.rng.uniform(0.0, self.config.max_kill_delay), 3))
        events = self._schedule(number)
        step = self.config.burst_seconds / max(1, len(events) - 1)
        injected = 0
        started = time.monotonic()

        async def burst() -> None:
            nonlocal injected
            for i, (sender, text, reply_to) in enumerate(events):
                await asyncio.sleep(max(0.0, started + i * step - time.monotonic()))
                srv.send_text(sender, text, reply_to=reply_to)
                injected += 1

        async def kill() -> None:
            await asyncio.sleep(max(0.0, started + result.kill_delay - time.monotonic()))
            bot.kill()
            result.killed_at = round(time.monotonic() - started, 3)
            result.injected_before_kill = injected
            result.unconfirmed_at_kill = srv.pending_updates()

        await asyncio.gather(burst(), kill())
        await bot.wait_dead()
        log_start = len(srv.log)
        result.restart_seconds = round(await self.start_bot(), 2)
        restart_after = self._restart_marks(log_start)
        ready = time.monotonic()
        if await self._until(lambda: self._arrived(number), self.config.deliver_timeout):
            result.all_arrived_after = round(time.monotonic() - ready, 2)
        elif self._bot_gone():
            raise CrashRunError(
                f"trial {number}",
                "the restarted bot exited while delivering"
                + (self.bot.problem_suffix() if self.bot else ""),
                self.bot.tail() if self.bot else "",
            )
        result.barrier_arrived = await self._barrier(number)
        self.tally(result, restart_after)
        self.report.trials.append(result)
        if not result.barrier_arrived:
            await self.open_case(number + 1)
        return result

    async def _barrier(self, number: int) -> bool:
        """One more message each way; once both arrive, what came before has been sent."""
        srv = self.server
        p2c, c2p = marker("p2c", number, "end"), marker("c2p", number, "end")
        srv.send_text(PERSON, p2c)
        srv.send_text(COUNSELLOR, c2p, reply_to=self.relayed_id)
        return bool(
            await self._until(
                lambda: (
                    any(p2c in body(m) for m in srv.messages(COUNSELLOR))
                    and any(c2p in body(m) for m in srv.messages(PERSON))
                ),
                self.config.step_timeout,
            )
        )


# --- running -------------------------------------------------------------------------------------


class _KilledClientFilter(logging.Filter):
    """Drop aiohttp's "Error handling request" for a request the killed bot never finished
    sending (expected here: the experiment kills the client mid-request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, ConnectionError)


@contextlib.contextmanager
def _quiet_killed_clients() -> Iterator[None]:
    server_log = logging.getLogger("aiohttp.server")
    killed = _KilledClientFilter()
    server_log.addFilter(killed)
    try:
        yield
    finally:
        server_log.removeFilter(killed)


async def run_crash_trials(
    config: CrashConfig, progress: Callable[[str], None] | None = None
) -> CrashReport:
    """Run the set-up and ``config.trials`` trials on one database; never raises for the bot's
    failures (they are in ``report.error``), always kills the bot before returning."""
    say = progress or (lambda _line: None)
    seed = config.seed if config.seed is not None else random.SystemRandom().randrange(2**32)
    report = CrashReport(config.database, config.trials, seed, str(config.source.resolve()))
    config.work_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        reset_database(config.database_url)
        with _quiet_killed_clients():
            async with BotApiServer() as server:
                env = bot_env(config, server.base_url, secrets.token_hex(32))
                report.bot_module = imported_bot(config, env)
                run = CrashRun(server, config, report, env)
                try:
                    await run.setup()
                    say(f"{config.database}: set-up done (start-up {report.startup_seconds[0]} s)")
                    for number in range(1, config.trials + 1):
                        trial = await run.trial(number)
                        say(f"{config.database}: {trial_line(trial, config.trials)}")
                finally:
                    run.stop()
    except CrashRunError as exc:
        report.error, report.error_log_tail = str(exc), exc.log_tail
        say(f"{config.database}: FAILED — {exc}")
    finally:
        report.duration_seconds = round(time.monotonic() - started, 1)
    return report


def trial_line(trial: TrialResult, trials: int) -> str:
    """One line of progress for a trial (markers and counts only)."""
    arrived = (
        f"all arrived after {trial.all_arrived_after:.1f} s"
        if trial.all_arrived_after is not None
        else "timed out"
    )
    q = trial.questions
    return (
        f"trial {trial.number}/{trials}: kill at {trial.killed_at:.2f} s "
        f"({trial.injected_before_kill} injected, {trial.unconfirmed_at_kill} unconfirmed), "
        f"restart {trial.restart_seconds:.1f} s, {arrived}; "
        f"lost {trial.p2c.lost}/{trial.c2p.lost}/{q.unanswered}, "
        f"duplicated {trial.p2c.duplicated}/{trial.c2p.duplicated}/{q.answered_more_than_once}, "
        f"reordered {trial.p2c.reordered}/{trial.c2p.reordered} (p2c/c2p/questions)"
    )


def write_json(report: CrashReport, folder: Path) -> Path:
    """``<folder>/<database>.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{report.database}.json"
    path.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    return path


# --- the table -----------------------------------------------------------------------------------


def _seconds(values: Sequence[float]) -> str:
    if not values:
        return "—"
    median = statistics.median(values)
    return f"median {median:.1f} s (min {min(values):.1f}, max {max(values):.1f}, n={len(values)})"


def _twice(count: int, outside: int) -> str:
    return f"{count} ({outside} outside the crash window)" if outside else f"{count}"


def markdown(reports: Sequence[CrashReport]) -> str:
    """The summary table, the per-trial table and the notes, in Markdown."""
    lines = [
        "| database | trials | direction | sent | lost | duplicated | reordered |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for report in reports:
        done = f"{len(report.trials)}" + (
            f" of {report.trials_requested}"
            if len(report.trials) != report.trials_requested
            else ""
        )
        if report.error and not report.trials:
            lines.append(f"| {report.database} | {done} | **set-up failed** | — | — | — | — |")
            continue
        for direction in DIRECTIONS:
            total = report.total(direction)
            lines.append(
                f"| {report.database} | {done} | {DIRECTION_NAMES[direction]} | {total.sent} | "
                f"{total.lost} | {_twice(total.duplicated, total.outside_window)} | "
                f"{total.reordered} |"
            )
        q = report.total_questions()
        lines.append(
            f"| {report.database} | {done} | questions outside a case | {q.sent} | "
            f"{q.unanswered} unanswered | "
            f"{_twice(q.answered_more_than_once, q.outside_window)} answered twice | — |"
        )
    lines.append("")
    for report in reports:
        delays = ", ".join(f"{t.killed_at:.2f}" for t in report.trials) or "—"
        lines.append(f"- **{report.database}**: kill delays (s after the burst began): {delays}.")
        lines.append(
            f"  Start-up: {_seconds(report.startup_seconds)}; run took "
            f"{report.duration_seconds:.0f} s; seed {report.seed}"
            + (f"; bot from `{report.bot_module}`." if report.bot_module else ".")
        )
        if report.error:
            lines.append(f"  **Stopped: {report.error}**")
    trials = [(r.database, t) for r in reports for t in r.trials]
    if trials:
        lines += [
            "",
            "| database | trial | kill at (s) | injected before kill | unconfirmed at kill "
            "| lost p2c/c2p/q | duplicated p2c/c2p/q | reordered p2c/c2p | all arrived after |",
            "|---|---:|---:|---:|---:|---|---|---|---:|",
        ]
        for database, t in trials:
            q = t.questions
            arrived = f"{t.all_arrived_after:.1f} s" if t.all_arrived_after is not None else "—"
            lines.append(
                f"| {database} | {t.number} | {t.killed_at:.2f} | {t.injected_before_kill} | "
                f"{t.unconfirmed_at_kill} | {t.p2c.lost}/{t.c2p.lost}/{q.unanswered} | "
                f"{t.p2c.duplicated}/{t.c2p.duplicated}/{q.answered_more_than_once} | "
                f"{t.p2c.reordered}/{t.c2p.reordered} | {arrived} |"
            )
    return "\n".join(lines) + "\n"
