"""Fuzzing: hostile texts, commands and buttons through the conversation engine, the job-offer
checker and the real bot over HTTP. No input may crash anything, and every reply must be one
Telegram accepts: strict HTML, 1-4096 characters, UTF-8, buttons with 1-64 bytes of data.

Inputs come from `tests/support/fuzz_inputs.py` with a fixed seed (set PEREVIR_FUZZ_SEED to try
another); a failure names the seed, the index and the input. Time per call is measured, not
tested (only a hang guard): p50/p99/max per entry point are shown in the terminal summary.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
import traceback
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest

from bot.domain.advert import risk_card
from bot.domain.cases import is_emergency
from bot.domain.dialogue import HandoffEvent, Outcome, ShareMiss
from bot.domain.dialogue_types import Reply
from bot.domain.risk import RiskLevel
from bot.knowledge import Knowledge
from bot.web.fetch import FetchedPage, FetchError
from bot.wiring import Perevir
from tests.e2e_support import choose_english, running_bot, settled
from tests.support.bot_api import MAX_CALLBACK_DATA, BotApiServer, parse_html
from tests.support.fuzz_inputs import Fuzz

SEED = int(os.environ.get("PEREVIR_FUZZ_SEED", "20250611"))
ENGINE_INPUTS = 1200
CHECKER_INPUTS = 320
E2E_UPDATES = 64
HANG_GUARD = 10.0
"""Seconds one call may take before it counts as a hang (speed itself is only reported)."""
MAX_TEXT = 4096
"""Telegram's limit for a message, counted after the HTML is parsed."""
RETENTION_DAYS = 30
SHOWN_FAILURES = 12


# ---- timings ------------------------------------------------------------------------------
class Timings:
    """Collects seconds per entry point; a pytest plugin that prints them in the summary."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)

    def add(self, entry: str, seconds: float) -> None:
        """One measured call."""
        self.samples[entry].append(seconds)

    def lines(self) -> list[str]:
        """A table: entry point, calls, p50, p99 and max in milliseconds."""
        out = [f"{'entry point':<28} {'calls':>6} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}"]
        for entry, values in sorted(self.samples.items()):
            ordered = sorted(values)
            out.append(
                f"{entry:<28} {len(ordered):>6} {_rank(ordered, 0.50) * 1000:>9.2f} "
                f"{_rank(ordered, 0.99) * 1000:>9.2f} {ordered[-1] * 1000:>9.2f}"
            )
        return out

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Print the table at the end of the run (also with -q)."""
        if not self.samples:
            return
        terminalreporter.write_sep("-", f"fuzz timings (seed {SEED})")
        for line in self.lines():
            terminalreporter.write_line(line)


def _rank(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


@pytest.fixture(scope="module")
def timings(request: pytest.FixtureRequest) -> Timings:
    """The run's timings, printed by the plugin in pytest's terminal summary."""
    name = "perevir-fuzz-timings"
    manager = request.config.pluginmanager
    plugin = manager.get_plugin(name)
    if plugin is None:
        plugin = Timings()
        manager.register(plugin, name)
    assert isinstance(plugin, Timings)
    return plugin


# ---- checking replies ---------------------------------------------------------------------
@dataclass
class Failure:
    """One input that crashed or got a reply Telegram would refuse."""

    seed: int
    index: int
    entry: str
    args: str
    problem: str

    def __str__(self) -> str:
        return f"seed={self.seed} #{self.index} {self.entry}({self.args}): {self.problem}"


def _short(value: object, limit: int = 120) -> str:
    """A repr short enough to read, with the length of long strings."""
    text = repr(value)
    if isinstance(value, str) and len(value) > limit:
        return f"{text[:limit]}...' (len {len(value)})"
    return text


def _crash(exc: BaseException) -> str:
    """The exception and where it happened: the last frame in bot/ and the last frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/bot/" in f.filename and "/site-packages/" not in f.filename]
    where = [f"{f.filename.split('/work/main/')[-1]}:{f.lineno} {f.name}" for f in ours[-1:]]
    if frames and (not ours or frames[-1] is not ours[-1]):
        last = frames[-1]
        where.append(f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno} {last.name}")
    return f"crash {type(exc).__name__}: {str(exc)[:160]} at {' -> '.join(where)}"


def reply_problems(reply: Reply) -> list[str]:
    """What Telegram would refuse in a reply (empty when it is fine)."""
    problems = []
    try:
        reply.text.encode("utf-8")
    except UnicodeEncodeError as exc:
        problems.append(f"text is not UTF-8 ({exc.reason} at {exc.start})")
    try:
        plain, _ = parse_html(reply.text, strict_ampersand=True)
    except ValueError as exc:
        problems.append(f"invalid Telegram HTML: {exc}")
        plain = reply.text
    if not plain.strip():
        problems.append("empty text")
    units = len(plain.encode("utf-16-le", "surrogatepass")) // 2
    if units > MAX_TEXT:
        problems.append(f"text too long: {units} UTF-16 units")
    for row in reply.buttons:
        for button in row:
            if not button.label.strip():
                problems.append("a button without a label")
            try:
                size = len(button.action.encode("utf-8"))
            except UnicodeEncodeError:
                problems.append(f"button data {button.action!r} is not UTF-8")
                continue
            if not 1 <= size <= MAX_CALLBACK_DATA:
                problems.append(f"button data {_short(button.action)} is {size} bytes")
    return problems


def outcome_problems(outcome: Outcome) -> list[str]:
    """Problems of every reply; no reply at all is fine only when events answer instead."""
    if not outcome.replies and not any(
        isinstance(e, HandoffEvent | ShareMiss) for e in outcome.events
    ):
        return ["no reply and nothing to hand over"]
    return [p for reply in outcome.replies for p in reply_problems(reply)]


def timed(timings: Timings, entry: str, call: Callable[[], Any]) -> tuple[Any, str | None]:
    """Run one call, timing it; (result, None) or (None, what went wrong)."""
    start = time.perf_counter()
    try:
        result = call()
    except Exception as exc:  # every crash is a finding, reported with its input
        return None, _crash(exc)
    finally:
        elapsed = time.perf_counter() - start
        timings.add(entry, elapsed)
    if elapsed > HANG_GUARD:
        return result, f"took {elapsed:.1f} s (hang guard {HANG_GUARD:.0f} s)"
    return result, None


def report(failures: list[Failure], total: int) -> str:
    """A readable failure message: distinct problems first, with the seed and inputs."""
    seen: dict[str, Failure] = {}
    for failure in failures:
        seen.setdefault(f"{failure.entry}|{failure.problem[:90]}", failure)
    shown = "\n".join(f"  {f}" for f in list(seen.values())[:SHOWN_FAILURES])
    return (
        f"{len(failures)} of {total} fuzz inputs failed ({len(seen)} distinct; seed {SEED}, "
        f"reproduce with Fuzz({SEED}).texts(n)[index]):\n{shown}"
    )


# ---- the conversation engine -------------------------------------------------------------
ENTRY_WEIGHTS = {
    "message": 50,
    "advert": 12,
    "command": 10,
    "action": 16,
    "link_failed": 6,
    "unsupported": 6,
}


def test_the_conversation_engine_survives_hostile_input(
    knowledge: Knowledge, timings: Timings
) -> None:
    dialogue = knowledge.dialogue
    fuzz = Fuzz(SEED, [e.id for e in knowledge.content.faq])
    reasons = sorted(
        key.removeprefix("link.refused.")
        for key in knowledge.content.strings["en"]
        if key.startswith("link.refused.")
    )
    assert reasons, "no link.refused texts in content"
    texts = fuzz.texts(ENGINE_INPUTS)
    rng = fuzz.rng
    entries = list(ENTRY_WEIGHTS)
    weights = list(ENTRY_WEIGHTS.values())
    failures: list[Failure] = []
    counts: dict[str, int] = defaultdict(int)
    for index, text in enumerate(texts):
        entry = rng.choices(entries, weights)[0]
        lang = fuzz.language()
        call: Callable[[], Outcome]
        if entry == "message":
            state, forwarded = fuzz.state(), rng.random() < 0.2
            args = f"{_short(text)}, {lang!r}, {state!r}, forwarded={forwarded}"
            call = partial(dialogue.message, text, lang, state, forwarded)
        elif entry == "advert":
            source = rng.choice(["text", "forward", "link", "paste"])
            args = f"{_short(text)}, {lang!r}, {source!r}"
            call = partial(dialogue.advert, text, lang, source)
        elif entry == "command":
            name = fuzz.command()
            args = f"{_short(name)}, {lang!r}"
            call = partial(dialogue.command, name, lang, RETENTION_DAYS)
        elif entry == "action":
            data = fuzz.callback()
            args = f"{_short(data)}, {lang!r}"
            call = partial(dialogue.action, data, lang, RETENTION_DAYS)
        elif entry == "link_failed":
            reason = rng.choice(reasons)
            status = rng.choice([None, 0, 200, 404, 451, 500, 599, -1, 10**12])
            args = f"{reason!r}, {status!r}, {lang!r}"
            call = partial(dialogue.link_failed, reason, status, lang)
        else:
            kind = rng.choice(["sticker", "edited", "media", "photo", "", text[:20]])
            args = f"{_short(kind)}, {lang!r}"
            call = partial(dialogue.unsupported, kind, lang)
        counts[entry] += 1
        outcome, crash = timed(timings, f"dialogue.{entry}", call)
        problems = [crash] if crash else []
        if outcome is not None:
            problems += outcome_problems(outcome)
        failures += [Failure(SEED, index, entry, args, p) for p in problems]
    assert sum(counts.values()) >= 1000 and all(counts[e] for e in entries), counts
    assert not failures, report(failures, len(texts))


# ---- the job-offer checker ---------------------------------------------------------------
def test_the_checker_and_its_card_survive_hostile_input(
    knowledge: Knowledge, timings: Timings
) -> None:
    assert knowledge.risk is not None, "the risk model is not built: run `perevir train`"
    model, dialogue = knowledge.risk, knowledge.dialogue
    fuzz = Fuzz(SEED + 1)
    texts = fuzz.texts(CHECKER_INPUTS)
    failures: list[Failure] = []
    for index, text in enumerate(texts):
        lang = fuzz.language()
        args = _short(text)
        result, crash = timed(timings, "risk.check", partial(model.check, text))
        problems = [crash] if crash else []
        if result is not None:
            assessment = result.assessment
            if assessment.level not in tuple(RiskLevel) or not 0.0 <= assessment.score <= 1.0:
                problems.append(f"bad assessment {assessment.level!r} {assessment.score!r}")
            if any(not e.strip() for f in assessment.flags for e in f.evidence):
                problems.append("empty evidence")
            card_lang = lang if lang in ("uk", "en") else "uk"
            card, crash = timed(
                timings,
                "risk_card",
                partial(risk_card, dialogue.content, card_lang, assessment),
            )
            problems += [crash] if crash else reply_problems(card)
        outcome, crash = timed(
            timings,
            "dialogue.advert(paste)",
            partial(dialogue.advert, text, lang, "paste"),
        )
        problems += [crash] if crash else outcome_problems(outcome)
        failures += [Failure(SEED + 1, index, "checker", args, p) for p in problems]
    assert len(texts) >= 300
    assert not failures, report(failures, len(texts))


# ---- the real bot over HTTP --------------------------------------------------------------
USER = 5559001
NEWCOMER = 5559002
"""A user who never chose a language."""


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as srv:
        srv.user(USER, "Fuzz \u202eresU", "en")
        srv.user(NEWCOMER, "\ud800\x00𗀀", None)
        yield srv


@dataclass
class Step:
    """One hostile update and the reply a person should get."""

    kind: str
    user: int
    send: Callable[[], object]
    expect: str | None
    """"any": at least one message; "none": nothing required; otherwise one message must be
    exactly this text (as Telegram shows it, after parsing the HTML)."""
    shown: str


def _plain(reply: Reply) -> str:
    return parse_html(reply.text)[0]


def _clip_bytes(data: str, limit: int = MAX_CALLBACK_DATA) -> str:
    """Callback data as Telegram can carry it: 1-64 bytes."""
    while data and len(data.encode("utf-8", "surrogatepass")) > limit:
        data = data[:-1]
    return data or "x"


def _stale_press(server: BotApiServer, user: int, data: str) -> object:
    """Press a button with `data` on the bot's last message, as if an old version had sent it."""
    message = server.messages(user)[-1]
    message["reply_markup"] = {"inline_keyboard": [[{"text": "old", "callback_data": data}]]}
    return server.press_button(user, message["message_id"], data)


def _steps(server: BotApiServer, knowledge: Knowledge, fuzz: Fuzz) -> Iterator[Step]:
    """E2E_UPDATES hostile updates of every kind, for both users."""
    rng = fuzz.rng
    menu = {lang: _plain(knowledge.dialogue.menu(lang)) for lang in ("uk", "en")}
    media = {
        lang: _plain(knowledge.dialogue.unsupported("media", lang).replies[0]) for lang in menu
    }
    edited = {
        lang: _plain(knowledge.dialogue.unsupported("edited", lang).replies[0]) for lang in menu
    }
    sticker = {
        lang: _plain(knowledge.dialogue.unsupported("sticker", lang).replies[0]) for lang in menu
    }
    no_picture = {  # a fuzzed photo's bytes are no picture: the person is asked for the text
        lang: _plain(knowledge.dialogue.picture_failed("not_image", lang).replies[0])
        for lang in menu
    }
    next_id = [900_000]

    def raw_text(user: int, text_json: str) -> Callable[[], object]:
        """An update whose text is written as JSON, e.g. with a lone surrogate escape."""

        def send() -> object:
            next_id[0] += 1
            body = (
                f'{{"update_id": {next_id[0]}, "message": {{"message_id": {next_id[0]}, '
                f'"date": 1790000000, "chat": {{"id": {user}, "type": "private"}}, '
                f'"from": {{"id": {user}, "is_bot": false, "first_name": "F"}}, '
                f'"text": "{text_json}"}}}}'
            )
            return server.inject_raw(json.loads(body))

        return send

    kinds = ["text"] * 22 + ["command"] * 8 + ["callback"] * 10 + ["caption"] * 8
    kinds += ["edited"] * 5 + ["forward"] * 4 + ["sticker"] * 2
    yield Step(
        "raw-json", USER, raw_text(USER, "\\ud800 passport \\udfff"), "any", "\\ud800 passport"
    )
    yield Step("raw-json", USER, raw_text(USER, "\\ud83d"), "any", "\\ud83d")
    # An advert whose evidence quote holds a lone surrogate (the card quotes it back).
    advert = (
        "Робота в Польщі на складі, зарплата 5000 злотих на місяць, житло безкоштовне, "
        "паспорт\\udfff залишаєте у координатора, оплата за оформлення 300 євро, пишіть у "
        "вайбер +48 600 100 200. Терміново, місць мало, виїзд завтра."
    )
    yield Step("raw-json", USER, raw_text(USER, advert), "any", "advert with паспорт\\udfff")
    yield Step(
        "raw-json", NEWCOMER, raw_text(NEWCOMER, "\\u0000\\u202e\\ud800"), "any", "\\u0000..."
    )
    for n in range(E2E_UPDATES - 3):
        kind = kinds[n % len(kinds)]
        user = NEWCOMER if n % 7 == 3 else USER
        lang = "en" if user == USER else "uk"
        text = fuzz.text()[:MAX_TEXT] or "?"
        if kind == "text":
            yield Step(kind, user, partial(server.send_text, user, text), "any", _short(text))
        elif kind == "command":
            line = fuzz.command_message()[:MAX_TEXT]
            yield Step(kind, user, partial(server.send_text, user, line), "any", _short(line))
        elif kind == "callback":
            junk = _clip_bytes(
                rng.choice(["", "faq:", "fb:", "lang:", "menu:", "handoff:", "zz"])
                + fuzz.text()[: rng.choice([1, 10, 64])]
            )
            expect = menu[lang]
            if junk.startswith(("take:", "close:", "to:")):
                expect = "none"
            elif knowledge.dialogue.action(junk, lang, RETENTION_DAYS).replies != [
                knowledge.dialogue.menu(lang)
            ]:
                expect = "any"
            yield Step(kind, user, partial(_stale_press, server, user, junk), expect, _short(junk))
        elif kind == "caption":
            caption = text[:1024]
            if n % 2:
                send = partial(server.send_photo, user, caption=caption)
                # danger in the caption is answered first; otherwise the bytes are no picture
                expect = "any" if is_emergency(caption) else no_picture[lang]
            else:
                send = partial(
                    server.send_document, user, file_name=f"{caption[:30]}.pdf", caption=caption
                )
                expect = media[lang]
            yield Step(kind, user, send, expect, _short(caption))
        elif kind == "edited":
            first = server.send_text(user, "hello")
            message_id = first["message"]["message_id"]
            yield Step("plain", user, lambda: None, "any", "'hello' (before the edit)")
            yield Step(
                kind,
                user,
                partial(server.edit_text, user, message_id, text),
                edited[lang],
                _short(text),
            )
        elif kind == "forward":
            advert = fuzz.advert()[:MAX_TEXT]
            name = fuzz.text()[:64] or "?"
            yield Step(
                kind,
                user,
                partial(server.forward_text, user, advert, name),
                "any",
                _short(advert),
            )
        else:
            emoji = fuzz.emoji()
            yield Step(
                kind,
                user,
                partial(server.send_sticker, user, emoji=emoji),
                sticker[lang],
                _short(emoji),
            )


async def test_the_real_bot_answers_hostile_updates_and_still_works(
    server: BotApiServer,
    perevir: Perevir,
    knowledge: Knowledge,
    timings: Timings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fuzz = Fuzz(SEED + 2)
    pages = [fuzz.advert() for _ in range(8)] + [fuzz.text() for _ in range(8)]
    reasons = ["failed", "private", "timeout", "too_big", "http_error", "not_text"]

    async def hostile_site(url: str) -> FetchedPage:
        key = zlib.crc32(url.encode("utf-8", "surrogatepass"))
        if key % 3 == 0:
            raise FetchError(reasons[key % len(reasons)], 500 if key % 2 else None)
        return FetchedPage(url, pages[key % len(pages)])

    perevir.fetch_link = hostile_site
    caplog.set_level(logging.WARNING)
    failures: list[str] = []
    kinds: dict[str, int] = defaultdict(int)
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        for index, step in enumerate(_steps(server, knowledge, fuzz)):
            before = len(server.messages(step.user))
            start = time.perf_counter()
            step.send()
            await settled(server, perevir, timeout=HANG_GUARD)
            timings.add(f"e2e.{step.kind}", time.perf_counter() - start)
            kinds[step.kind] += 1
            new = server.messages(step.user)[before:]
            if new:
                await server.wait_for_message(step.user, count=len(new))  # move the cursor
            texts = [m.get("text", "") for m in new]
            if step.expect == "any" and not new:
                failures.append(f"#{index} {step.kind} {step.shown}: no reply")
            elif step.expect not in ("any", "none") and step.expect not in texts:
                failures.append(f"#{index} {step.kind} {step.shown}: got {_short(texts, 200)}")
        # A normal /start still works, for both users.
        server.send_text(USER, "/start")
        await server.wait_for_message(USER, contains=_plain(knowledge.dialogue.menu("en")))
        server.send_text(NEWCOMER, "/start")
        [choice] = await server.wait_for_message(NEWCOMER)
        assert [
            b["callback_data"] for row in choice["reply_markup"]["inline_keyboard"] for b in row
        ] == [
            "lang:uk",
            "lang:en",
        ]
    refused = [f"{c.method}: {c.error.description}" for c in server.sent if c.error]
    logged = [
        f"{r.levelname} {r.name}: {r.getMessage()}"
        + (f" ({_crash(r.exc_info[1])})" if r.exc_info and r.exc_info[1] else "")
        for r in caplog.records
        if r.levelno >= logging.ERROR or "was refused" in r.getMessage()
    ]
    assert sum(kinds.values()) >= 60, kinds
    assert not failures, f"seed {SEED + 2}: " + "\n".join(failures[:SHOWN_FAILURES])
    assert not refused, "Telegram refused: " + "\n".join(refused[:SHOWN_FAILURES])
    assert not logged, "the bot logged failures:\n" + "\n".join(logged[:SHOWN_FAILURES])
