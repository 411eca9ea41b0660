"""Conversation tests as data: every scenario of tests/scenarios/*.yaml, on the real engine.

Each step is driven as the Telegram handlers drive it (`bot/tg/handlers.py`,
`bot/tg/handoff_handlers.py`): the person's language and state are read, the real engine (real
content, FAQ index and risk model) decides, and the conversation use case (over in-memory fakes,
with a counsellors' group) stores the events and adds its replies. What a scenario may say is in
tests/scenarios/README.md.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app.person_handoff import Incoming
from bot.content.model import PLACEHOLDER
from bot.domain.cases import CaseOutcome, Status, is_emergency
from bot.domain.dialogue import Dialogue, Outcome
from bot.domain.dialogue_types import Reply
from bot.domain.language import UI_LANGUAGES
from bot.domain.notices import Say
from bot.knowledge import Knowledge
from tests.support.fakes import GROUP, NOW, App, Row, build

SCENARIOS = Path(__file__).parent / "scenarios"
PERSON = "scenario-person"
"""The person's pseudonym."""
CHAT = 1001
"""The person's private chat."""
RETENTION_DAYS = 30
COUNSELLOR = 501
"""The counsellor who takes and closes cases in `counsellor:` steps."""
LANGUAGES = ("uk", "en")
MESSAGE_KINDS = ("send", "forward", "sticker", "photo", "edited")
"""Steps that are a message from the person (relayed to the counsellor while a case is open)."""
STEP_KINDS = (*MESSAGE_KINDS, "command", "press", "press_label", "counsellor")
STEP_OPTIONS = ("expect", "stale", "note", "after_minutes", "restart")
SCENARIO_KEYS = ("name", "lang", "state", "steps", "known_failure", "counsellors", "at", "note")
EXPECTATIONS = (
    "keys",
    "not_keys",
    "first",
    "topic",
    "topics_any",
    "buttons",
    "labels",
    "no_buttons",
    "state",
    "replies",
    "events",
    "not_events",
    "handoff",
    "no_hotline_list",
    "lang",
    "case",
    "contains",
)
COUNSELLOR_ACTIONS = ("take", "close")
CASE_HELP_COMMANDS = ("start", "help")
"""Answered by the hand-off itself while a case is open (as `handoff_handlers.route` does)."""


class ScenarioFailed(AssertionError):
    """A scenario's expectation did not hold (a known failure may only fail this way)."""


class ScenarioError(Exception):
    """A scenario names what does not exist (a text key): the scenario is wrong, not the bot."""


@dataclass(frozen=True)
class Scenario:
    """One conversation: where it was written, who the person is, what happens."""

    name: str
    source: str
    lang: str | None = None
    state: str | None = None
    steps: tuple[dict[str, Any], ...] = ()
    known_failure: str | None = None
    counsellors: bool = True
    at: dt.datetime = NOW
    problem: str | None = None
    """Why the scenario cannot be read (reported as its test's failure)."""


# ---- reading the files -----------------------------------------------------------------------
def _problem(entry: dict[str, Any]) -> str | None:
    """What is wrong with a scenario's shape, if anything."""
    unknown = set(entry) - set(SCENARIO_KEYS)
    if unknown:
        return f"unknown scenario keys {sorted(unknown)} (allowed: {', '.join(SCENARIO_KEYS)})"
    steps = entry.get("steps")
    if not isinstance(steps, list) or not steps:
        return "a scenario needs a list of steps"
    for n, step in enumerate(steps, 1):
        if not isinstance(step, dict):
            return f"step {n} is not a mapping"
        kinds = [k for k in step if k in STEP_KINDS]
        if len(kinds) != 1:
            return f"step {n} needs exactly one of {', '.join(STEP_KINDS)}"
        extra = set(step) - set(STEP_KINDS) - set(STEP_OPTIONS)
        if extra:
            return f"step {n}: unknown keys {sorted(extra)}"
        expect = step.get("expect", {})
        if not isinstance(expect, dict):
            return f"step {n}: expect must be a mapping"
        wrong = set(expect) - set(EXPECTATIONS)
        if wrong:
            return f"step {n}: unknown expectations {sorted(wrong)} (see the README)"
        if "counsellor" in step and step["counsellor"] not in COUNSELLOR_ACTIONS:
            return f"step {n}: counsellor can be {', '.join(COUNSELLOR_ACTIONS)}"
    return None


def _moment(value: object) -> dt.datetime:
    """The scenario's clock: an ISO date-time (YAML may already have read it as one)."""
    if value is None:
        return NOW
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def load_scenarios(folder: Path = SCENARIOS) -> list[Scenario]:
    """Every scenario of every YAML file in the folder, in file order."""
    found: list[Scenario] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(entries, list):
            found.append(Scenario(path.stem, path.name, problem="the file must be a list"))
            continue
        for n, entry in enumerate(entries, 1):
            name = str(entry.get("name") or f"{path.stem} #{n}") if isinstance(entry, dict) else ""
            if not isinstance(entry, dict):
                found.append(Scenario(f"{path.stem} #{n}", path.name, problem="not a mapping"))
                continue
            problem = _problem(entry)
            if name in seen:
                problem, name = f"another scenario is called {name!r}", f"{name} ({path.stem})"
            seen.add(name)
            if problem:
                found.append(Scenario(name, path.name, problem=problem))
                continue
            found.append(
                Scenario(
                    name=name,
                    source=path.name,
                    lang=entry.get("lang"),
                    state=entry.get("state"),
                    steps=tuple(entry["steps"]),
                    known_failure=entry.get("known_failure"),
                    counsellors=bool(entry.get("counsellors", True)),
                    at=_moment(entry.get("at")),
                )
            )
    return found


ALL = load_scenarios()


def _params() -> Iterator[Any]:
    """One test per scenario; a known failure must fail (strictly, and only on an expectation)."""
    for scenario in ALL:
        marks = []
        if scenario.known_failure:
            marks.append(
                pytest.mark.xfail(reason=scenario.known_failure, strict=True, raises=ScenarioFailed)
            )
        yield pytest.param(scenario, id=scenario.name, marks=marks)


# ---- matching texts by key -------------------------------------------------------------------
@dataclass
class Texts:
    """Content strings as patterns: placeholders match anything."""

    dialogue: Dialogue
    knowledge: Knowledge
    cache: dict[tuple[str, str], re.Pattern[str]] = field(default_factory=dict)

    def keys(self, lang: str, key: str) -> list[str]:
        """The keys a key names: itself, or every key a `*` pattern matches."""
        strings = self.knowledge.content.strings[lang]
        if "*" in key:
            chosen = [k for k in strings if fnmatch.fnmatchcase(k, key)]
        else:
            chosen = [key] if key in strings else []
        if not chosen:
            raise ScenarioError(f"no text key {key!r} in content/ui ({lang})")
        return chosen

    def pattern(self, lang: str, key: str) -> re.Pattern[str]:
        """The content string as a regex (placeholders as wildcards)."""
        if (lang, key) not in self.cache:
            parts = PLACEHOLDER.split(self.dialogue.text(lang, key))
            regex = "".join(re.escape(p) if n % 2 == 0 else "(.*?)" for n, p in enumerate(parts))
            self.cache[lang, key] = re.compile(regex, re.DOTALL)
        return self.cache[lang, key]

    def found(self, text: str, key: str, langs: tuple[str, ...]) -> bool:
        """Whether the string `key` (or one a pattern names) is in the text, in one of `langs`."""
        return any(
            self.pattern(lang, k).search(text) for lang in langs for k in self.keys(lang, key)
        )

    def label(self, lang: str, key: str) -> str:
        """A button's label."""
        return self.dialogue.text(lang, self.keys(lang, key)[0])


# ---- driving a conversation ------------------------------------------------------------------
@dataclass
class Turn:
    """What one step produced."""

    replies: list[Reply]
    events: list[str]
    rows: list[Row]
    """Outbox items written during the step (cards, relays, notices)."""

    def buttons(self) -> list[tuple[str, str]]:
        """(callback data, label) of every button, in reading order."""
        return [(b.action, b.label) for r in self.replies for row in r.buttons for b in row]


@dataclass
class Run:
    """One scenario being played: the app, and every button offered so far."""

    app: App
    texts: Texts
    offered: list[list[tuple[str, str]]] = field(default_factory=list)
    updates: int = 0

    @property
    def dialogue(self) -> Dialogue:
        """The real engine."""
        return self.app.engine

    def next_id(self) -> int:
        """A fresh update / message id."""
        self.updates += 1
        return self.updates

    async def step(self, step: dict[str, Any]) -> Turn:
        """Play one step as the Telegram handlers would."""
        if step.get("after_minutes"):
            self.app.clock.advance(minutes=float(step["after_minutes"]))
        if step.get("restart"):  # a new process: nothing is held in memory any more
            for held in (self.app.memory.known, self.app.memory.noted):
                held.clear()
            self.app.memory.questions.clear()
            self.app.memory.adverts.clear()
        before = {row.id for row in self.app.cases.outbox}
        replies, events = await self._play(step)
        rows = [row for row in self.app.cases.outbox if row.id not in before]
        notices = [
            Reply(row.notice.text, row.notice.buttons)
            for row in rows
            if row.chat_id == CHAT and isinstance(row.notice, Say)
        ]
        turn = Turn(replies + notices, events, rows)
        self.offered.append(turn.buttons())
        return turn

    async def _play(self, step: dict[str, Any]) -> tuple[list[Reply], list[str]]:
        """The replies and event names of a step (as `_respond` and `handoff_handlers.route`)."""
        app = self.app
        if "counsellor" in step:
            return await self._counsellor(step["counsellor"]), []
        lang, state = await app.conversation.user_state(PERSON)
        kind = next(k for k in step if k in STEP_KINDS)
        value = step[kind]
        case = await app.cases.open_for_user(PERSON)
        if app.group is not None and case is not None and case.status is not Status.REQUESTED:
            if kind in MESSAGE_KINDS:
                return await self._relay(case, kind, str(value))
            if kind == "command" and _command(value) in CASE_HELP_COMMANDS:
                during = await app.person.during_case(PERSON, lang or case.language)
                if during:
                    return during, []
        outcome = self._decide(step, kind, value, lang, state)
        follow_up = await app.conversation.record(PERSON, outcome, lang, CHAT)
        return outcome.replies + follow_up, [type(e).__name__ for e in outcome.events]

    def _decide(
        self, step: dict[str, Any], kind: str, value: Any, lang: str | None, state: str | None
    ) -> Outcome:
        """The engine's outcome for a step of the person's."""
        engine = self.dialogue
        retention = RETENTION_DAYS
        if kind in ("send", "forward"):
            noted = self.app.memory.language_noted(PERSON)  # as the Telegram handler passes it
            return engine.message(str(value), lang, state, forwarded=kind == "forward", noted=noted)
        if kind == "command":
            return engine.command(_command(value), lang, retention)
        if kind in ("sticker", "photo", "edited"):
            return engine.unsupported("media" if kind == "photo" else kind, lang)
        if kind == "press_label":
            return engine.action(self._labelled(str(value), lang), lang, retention)
        return engine.action(self._pressed(str(value), bool(step.get("stale"))), lang, retention)

    def _pressed(self, wanted: str, stale: bool) -> str:
        """The callback data to press: an offered button (latest first) matching `wanted`."""
        for buttons in reversed(self.offered):
            for data, _ in buttons:
                if fnmatch.fnmatchcase(data, wanted):
                    return data
        if stale or (not any(self.offered) and "*" not in wanted):
            return wanted  # an old message's button (or the first step of a known person)
        raise ScenarioFailed(f"no button {wanted!r} was offered; offered: {self.offered[-1:]}")

    def _labelled(self, key: str, lang: str | None) -> str:
        """The callback data of the offered button labelled with the text `key`."""
        langs = (lang,) if lang in UI_LANGUAGES else LANGUAGES
        labels = {self.texts.label(code, key) for code in langs if code is not None}
        for buttons in reversed(self.offered):
            for data, label in buttons:
                if label in labels:
                    return data
        raise ScenarioFailed(f"no button labelled {key!r} was offered")

    async def _relay(self, case: Any, kind: str, text: str) -> tuple[list[Reply], list[str]]:
        """During an open case everything goes to the counsellor (danger gets the numbers)."""
        update = self.next_id()
        message_kind = {"send": "text", "forward": "text", "edited": "text"}.get(kind, kind)
        incoming = Incoming(
            update,
            message_kind,
            text if kind in ("send", "forward", "edited") else "",
            kind == "edited",
        )
        await self.app.person.relay(case, update, incoming)
        if case.status is Status.WAITING and is_emergency(text):
            return self.dialogue.emergency(case.language).replies[:1], []
        return [], []

    async def _counsellor(self, action: str) -> list[Reply]:
        """The counsellor takes or closes the person's open case."""
        case = await self.app.cases.open_for_user(PERSON)
        if case is None:
            raise ScenarioFailed(f"counsellor {action}: the person has no open case")
        if COUNSELLOR not in self.app.cases.counsellors:
            await self.app.counsellor(COUNSELLOR)
        if action == "take":
            await self.app.desk.take(case.id, COUNSELLOR, "uk")
        else:
            await self.app.desk.close(COUNSELLOR, case.id, CaseOutcome.ADVICE_GIVEN, "uk")
        return []


def _command(value: Any) -> str:
    """A command's name: `/start`, `start`, `/start@bot args` all are `start`."""
    return str(value).strip().split(maxsplit=1)[0].lstrip("/").split("@", 1)[0]


# ---- checking a step -------------------------------------------------------------------------
def _listed(value: Any) -> list[str]:
    """A YAML value that may be one item or a list, as a list of strings."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _relay_name(value: str) -> str:
    """`Relay.CARD`, `CARD` and `card` all name the relay `card`."""
    return value.removeprefix("Relay.").lower()


async def _check(run: Run, turn: Turn, expect: dict[str, Any]) -> list[str]:
    """Every expectation of the step that does not hold."""
    app, texts, problems = run.app, run.texts, []
    saved, state = await app.conversation.user_state(PERSON)
    if "lang" in expect:
        langs: tuple[str, ...] = (str(expect["lang"]),)
    elif saved in UI_LANGUAGES:
        langs = (str(saved),)
    else:
        langs = LANGUAGES
    bodies = [r.text for r in turn.replies]
    data = [d for d, _ in turn.buttons()]

    def said(key: str, where: list[str] = bodies, in_langs: tuple[str, ...] = langs) -> bool:
        """Whether a reply (of `where`) has the text `key` in one of `in_langs`."""
        return any(texts.found(text, key, in_langs) for text in where)

    for key in _listed(expect.get("keys")):
        if not said(key):
            problems.append(f"expected the text {key!r} ({'/'.join(langs)})")
    for key in _listed(expect.get("not_keys")):
        if said(key, in_langs=LANGUAGES):
            problems.append(f"the text {key!r} must not appear")
    if "first" in expect and not (bodies and said(str(expect["first"]), bodies[:1])):
        problems.append(f"the first reply must be {expect['first']!r}")
    for text in _listed(expect.get("contains")):
        if not any(text in body for body in bodies):
            problems.append(f"expected the words {text!r}")
    problems += _check_topics(run, turn, expect, langs)
    for wanted in _listed(expect.get("buttons")):
        if not any(fnmatch.fnmatchcase(d, wanted) for d in data):
            problems.append(f"expected a button {wanted!r}")
    for key in _listed(expect.get("labels")):
        labels = {texts.label(lang, key) for lang in langs}
        if not any(label in labels for _, label in turn.buttons()):
            problems.append(f"expected a button labelled {key!r}")
    no_buttons = expect.get("no_buttons")
    if no_buttons is True and data:
        problems.append("expected no buttons at all")
    elif no_buttons not in (None, True, False):
        for unwanted in _listed(no_buttons):
            if any(fnmatch.fnmatchcase(d, unwanted) for d in data):
                problems.append(f"the button {unwanted!r} must not be offered")
    if "state" in expect and state != expect["state"]:
        problems.append(f"expected the state {expect['state']!r}, it is {state!r}")
    if "replies" in expect and len(turn.replies) != int(expect["replies"]):
        problems.append(f"expected {expect['replies']} replies, got {len(turn.replies)}")
    for name in _listed(expect.get("events")):
        if name not in turn.events:
            problems.append(f"expected the event {name}")
    for name in _listed(expect.get("not_events")):
        if name in turn.events:
            problems.append(f"the event {name} must not happen")
    if "handoff" in expect:
        written = [row.relay.value for row in turn.rows]
        wanted_relays = [_relay_name(v) for v in _listed(expect["handoff"])]
        if not wanted_relays and written:
            problems.append(f"expected nothing written for counsellors, got {written}")
        for relay in wanted_relays:
            if relay not in written:
                problems.append(f"expected the notice {relay!r}; written: {written}")
    if expect.get("no_hotline_list"):
        for lang in LANGUAGES:
            lines = run.dialogue.content.hotline_lines(lang)
            if any(all(line in body for line in lines) for body in bodies):
                problems.append("the full hotline list must not be shown")
    if "case" in expect:
        problems += await _check_case(app, expect["case"])
    return problems


def _answers(turn: Turn) -> set[str]:
    """The FAQ topics answered in a turn (each answer carries its fb:<topic>:1 button)."""
    return {d.split(":")[1] for d, _ in turn.buttons() if re.fullmatch(r"fb:[a-z0-9-]+:1", d)}


def _check_topics(
    run: Run, turn: Turn, expect: dict[str, Any], langs: tuple[str, ...]
) -> list[str]:
    """The FAQ expectations: `topic` (answered) and `topics_any` (answered or suggested)."""
    problems: list[str] = []
    answered = _answers(turn)
    suggested = {d.split(":", 1)[1] for d, _ in turn.buttons() if d.startswith("faq:")}
    if "topic" in expect:
        topic = expect["topic"]
        allowed = _listed(topic.get("one_of")) if isinstance(topic, dict) else [str(topic)]
        hits = answered & set(allowed)
        if not hits:
            problems.append(
                f"expected the answer {' or '.join(allowed)}; answered: {sorted(answered)}"
            )
        for hit in hits:
            if not _titled(run, turn, hit, langs):
                problems.append(f"the answer {hit!r} is not in {'/'.join(langs)}")
    if "topics_any" in expect:
        allowed = _listed(expect["topics_any"])
        if not (answered | suggested) & set(allowed):
            problems.append(
                f"expected an answer or suggestion of {allowed}; "
                f"answered {sorted(answered)}, suggested {sorted(suggested)}"
            )
        for hit in answered & set(allowed):
            if not _titled(run, turn, hit, langs):
                problems.append(f"the answer {hit!r} is not in {'/'.join(langs)}")
    return problems


def _titled(run: Run, turn: Turn, topic: str, langs: tuple[str, ...]) -> bool:
    """Whether the answer to `topic` is in one of the languages (its title is)."""
    titles = [
        f"<b>{html.escape(run.dialogue.content.answer(lang, topic)[0])}</b>" for lang in langs
    ]
    return any(title in r.text for r in turn.replies for title in titles)


async def _check_case(app: App, wanted: Any) -> list[str]:
    """The person's newest case: its status (`none` for no case) and reason."""
    mine = [c for c in app.cases.cases.values() if c.user_pseudonym == PERSON]
    case = max(mine, key=lambda c: c.id, default=None)
    spec = wanted if isinstance(wanted, dict) else {"status": wanted}
    status = case.status.value if case else "none"
    problems = []
    if "status" in spec and status != str(spec["status"] or "none"):
        problems.append(f"expected the case to be {spec['status']!r}, it is {status!r}")
    if "reason" in spec and (case is None or case.reason.value != spec["reason"]):
        reason = case.reason.value if case else None
        problems.append(f"expected the case's reason {spec['reason']!r}, it is {reason!r}")
    return problems


def _transcript(turn: Turn) -> str:
    """What the bot said in a step, for the failure message."""
    lines = []
    for reply in turn.replies:
        text = " ".join(reply.text.split())
        lines.append(f"    > {text[:300]}{'…' if len(text) > 300 else ''}")
        data = [b.action for row in reply.buttons for b in row]
        if data:
            lines.append(f"      buttons: {data}")
    if turn.events:
        lines.append(f"    events: {turn.events}")
    if turn.rows:
        lines.append(f"    written: {[row.relay.value for row in turn.rows]}")
    return "\n".join(lines) or "    (no reply)"


# ---- the tests -------------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", list(_params()))
async def test_scenario(scenario: Scenario, knowledge: Knowledge) -> None:
    """The scenario's steps give the replies it expects."""
    __tracebackhide__ = True  # the failure says which step and what the bot said
    if scenario.problem:
        pytest.fail(f"{scenario.source}: {scenario.name}: {scenario.problem}")
    app = build(
        engine=knowledge.dialogue,
        group=GROUP if scenario.counsellors else None,
        retention_days=RETENTION_DAYS,
        now=scenario.at,
    )
    if scenario.lang is not None:
        await app.people.set_language(PERSON, scenario.lang)
    if scenario.state is not None:
        await app.people.set_state(PERSON, scenario.state)
    run = Run(app, Texts(knowledge.dialogue, knowledge))
    for n, step in enumerate(scenario.steps, 1):
        what = next(f"{k}: {step[k]!r}" for k in step if k in STEP_KINDS)
        header = f"{scenario.source}: {scenario.name}\n  step {n}, {what[:120]}:\n"
        try:
            turn = await run.step(step)
        except ScenarioFailed as exc:
            raise ScenarioFailed(f"{header}  - {exc}") from None
        problems = await _check(run, turn, step.get("expect") or {})
        if problems:
            raise ScenarioFailed(
                header
                + "\n".join(f"  - {p}" for p in problems)
                + "\n  the bot said:\n"
                + _transcript(turn)
            )


def test_scenarios_are_many_and_mostly_pass() -> None:
    """At least 120 scenarios, and at most one in ten a known failure."""
    assert len(ALL) >= 120
    known = [s for s in ALL if s.known_failure]
    assert len(known) * 10 <= len(ALL), [s.name for s in known]
