"""`perevir chat` and `perevir chat --counsellor NAME`: two terminals, one database.

The two terminals are assembled separately (two `Perevir`, two database engines) on the same
SQLite file, as two processes would be, and each runs its real loop: lines are typed into it,
and what it shows, including what its background poll brings, is read as its user would see
it. Texts are named by their key in content/, never by an English sentence.
"""

from __future__ import annotations

import asyncio
import queue
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import load_settings
from bot.counsellor_terminal import CounsellorTerminal, counsellor_id, locale_language
from bot.domain.notices import Copy, Outgoing, Relay
from bot.knowledge import Knowledge
from bot.terminal import TERMINAL_GROUP, TERMINAL_USER, Terminal, TerminalChat, terminal_settings
from bot.wiring import Perevir, open_bot
from tests.e2e_support import TEST_KEY, fragment, text_of

DEADLINE = 20.0
"""Seconds a condition may take before the test fails (it is usually met in milliseconds)."""
POLL = 0.05
"""How often the terminals poll the outbox here (0.5 s in use)."""
NAME = "Olha Testenko"


def open_terminal_bot(knowledge: Knowledge, data_dir: Path) -> Perevir:
    """The bot as `perevir chat` opens it (terminal settings), on this data folder."""
    settings = load_settings(PEREVIR_DATA_DIR=str(data_dir), PEREVIR_PSEUDONYM_KEY=TEST_KEY)
    return open_bot(terminal_settings(settings), knowledge)


def choice(screen: str, label_key: str, lang: str = "en") -> str:
    """The number shown on a screen for the button with this text key (the last one)."""
    label = re.escape(text_of(label_key, lang))
    numbers = re.findall(rf"\[(\d+)\] {label}", screen)
    assert numbers, f"no choice {label_key!r} in:\n{screen}"
    return str(numbers[-1])


class Screen:
    """One terminal as its user sees it: lines typed into its loop, everything it shows."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.shown: list[str] = []
        self.seen = 0
        """How much of the screen the test has already looked at."""

    def read(self, _prompt: str) -> str:
        """The loop's input(): the next typed line (end of input when the test is done)."""
        line = self.lines.get(timeout=DEADLINE * 3)
        if line is None:
            raise EOFError
        return line

    def write(self, text: str) -> None:
        """The loop's output."""
        self.shown.append(text)

    @property
    def text(self) -> str:
        """Everything shown so far."""
        return "\n".join(self.shown)

    def type(self, line: str | None) -> None:
        """Type a line (None: end of input)."""
        self.lines.put(line)

    async def shows(self, *texts: str) -> str:
        """Wait until every text is on the screen below what was already looked at; that
        part of the screen, up to the end of the last of them (what follows is looked at
        next time)."""
        deadline = time.monotonic() + DEADLINE
        while True:
            new = self.text[self.seen :]
            if all(t in new for t in texts):
                end = max(new.index(t) + len(t) for t in texts)
                self.seen += end
                return new[:end]
            if time.monotonic() > deadline:
                missing = [t for t in texts if t not in new]
                raise AssertionError(f"not shown: {missing!r}\n--- screen ---\n{new}")
            await asyncio.sleep(POLL)


@pytest.fixture
async def two_terminals(
    knowledge: Knowledge, tmp_path: Path
) -> AsyncIterator[tuple[Screen, Screen]]:
    """The person's and a counsellor's terminal on one database, each running its loop."""
    person = Screen(TerminalChat(open_terminal_bot(knowledge, tmp_path / "data")))
    counsellor = Screen(
        CounsellorTerminal(open_terminal_bot(knowledge, tmp_path / "data"), NAME, "en")
    )
    tasks = [
        asyncio.create_task(s.terminal.run(s.read, s.write, poll_seconds=POLL))
        for s in (person, counsellor)
    ]
    try:
        yield person, counsellor
    finally:
        for screen in (person, counsellor):
            screen.type(None)
        await asyncio.wait_for(asyncio.gather(*tasks), DEADLINE)


async def test_a_request_goes_from_the_persons_terminal_to_the_counsellors_and_back(
    two_terminals: tuple[Screen, Screen],
) -> None:
    person, counsellor = two_terminals
    await person.shows(text_of("language.choose", "en"), "[1] Українська")
    await counsellor.shows(text_of("counsellor.cases_none", "en"))

    # the person asks for a counsellor and consents
    person.type("2")  # English
    menu = await person.shows(text_of("menu.counsellor", "en"))
    person.type(choice(menu, "menu.counsellor"))
    consent = await person.shows(text_of("handoff.agree", "en"))
    person.type(choice(consent, "handoff.agree"))
    await person.shows(text_of("handoff.queued", "en"))

    # the card reaches the counsellor's terminal, which takes it
    card = await counsellor.shows("[counsellors' group]", text_of("counsellor.take_button", "en"))
    tag = re.search(r"#([A-Z0-9]+)", card)
    assert tag is not None, card
    assert choice(card, "counsellor.take_button") == "1"
    counsellor.type("1")
    await counsellor.shows(text_of("counsellor.taken_by_you", "en", tag=tag[1]))
    await counsellor.shows(
        text_of(
            "counsellor.taken_in_group",
            "en",
            tag=tag[1],
            name=text_of("handoff.default_name", "en"),
        )
    )
    taken = await person.shows(fragment("handoff.taken", "en"))
    assert text_of("handoff.default_name", "en") in taken  # never the counsellor's own name
    assert NAME not in person.text and str(counsellor_id(NAME)) not in person.text

    # the counsellor writes, the person answers
    counsellor.type("Hello, I am Olha's desk. What happened?")
    await person.shows("Hello, I am Olha's desk. What happened?")
    person.type("The agency took my passport <and> my phone")
    relayed = await counsellor.shows("The agency took my passport <and> my phone")
    assert f"#{tag[1]} ▸" in relayed
    counsellor.type("/cases")
    await counsellor.shows(text_of("counsellor.cases_heading", "en"), f"#{tag[1]} · en")

    # the counsellor closes; the person is told and asked whether it helped
    counsellor.type("/close")
    prompt = await counsellor.shows(
        text_of("counsellor.close_prompt", "en", tag=tag[1]),
        text_of("counsellor.outcome.advice_given", "en"),
    )
    counsellor.type(choice(prompt, "counsellor.outcome.advice_given"))
    await counsellor.shows(fragment("counsellor.closed", "en"))
    ended = await person.shows(
        text_of("handoff.ended_by_counsellor", "en"), text_of("handoff.useful_yes", "en")
    )
    person.type(choice(ended, "handoff.useful_yes"))
    await person.shows(text_of("handoff.useful_thanks", "en"))


async def test_what_the_person_writes_while_waiting_reaches_the_counsellor_who_takes_it(
    two_terminals: tuple[Screen, Screen],
) -> None:
    person, counsellor = two_terminals
    await person.shows(text_of("language.choose", "en"))
    person.type("2")
    menu = await person.shows(text_of("menu.counsellor", "en"))
    person.type(choice(menu, "menu.counsellor"))
    person.type("1")  # agree
    await person.shows(text_of("handoff.queued", "en"))
    person.type("I am still in Poland")
    person.type("/start")  # during a request: what is going on
    await person.shows(text_of("handoff.during_case", "en"))
    card = await counsellor.shows(text_of("counsellor.take_button", "en"))
    counsellor.type(choice(card, "counsellor.take_button"))
    await counsellor.shows("I am still in Poland")


async def test_with_two_requests_the_counsellor_chooses_which_one_a_message_is_for(
    knowledge: Knowledge, tmp_path: Path
) -> None:
    people_bot = open_terminal_bot(knowledge, tmp_path / "data")
    desk_bot = open_terminal_bot(knowledge, tmp_path / "data")
    try:
        first, second = TerminalChat(people_bot, TERMINAL_USER), TerminalChat(people_bot, 2)
        for person in (first, second):
            await person.start()
            menu = await person.send("2")
            await person.send(choice(menu, "menu.counsellor"))
            await person.send("1")  # agree
        desk = CounsellorTerminal(desk_bot, NAME, "en")
        await desk.start()
        cards = await desk.arrived()
        tags = re.findall(r"New request #([A-Z0-9]+)", cards)
        assert len(tags) == 2, cards
        for number in ("1", "2"):
            await desk.send(number)  # take both
        asked = await desk.send("Are you safe where you are now?")
        assert text_of("counsellor.choose_case", "en") in asked
        chosen = re.findall(rf"\[(\d+)\] #{tags[1]}", asked)
        sent = await desk.send(chosen[-1])
        assert sent == text_of("counsellor.sent_to", "en", tag=tags[1])
        assert "Are you safe where you are now?" in await second.arrived()
        assert "Are you safe" not in await first.arrived()
    finally:
        await people_bot.close()
        await desk_bot.close()


async def test_a_copy_is_shown_as_the_content_line_in_the_persons_language(
    knowledge: Knowledge, tmp_path: Path
) -> None:
    bot = open_terminal_bot(knowledge, tmp_path / "data")
    try:
        chat = TerminalChat(bot)
        await chat.start()
        await bot.cases.enqueue(
            [Outgoing("copy-1", TERMINAL_USER, Copy(counsellor_id(NAME), 7), Relay.TO_USER)]
        )
        assert await chat.arrived() == text_of("terminal.copy_shown", "uk")
        assert await chat.arrived() == ""  # shown once: it is marked sent
    finally:
        await bot.close()


async def test_a_copy_for_the_counsellor_keeps_its_caption(
    knowledge: Knowledge, tmp_path: Path
) -> None:
    bot = open_terminal_bot(knowledge, tmp_path / "data")
    try:
        desk = CounsellorTerminal(bot, NAME, "en_GB.UTF-8")
        await desk.start()
        caption = "#K7 ▸ my contract"
        await bot.cases.enqueue(
            [
                Outgoing(
                    "copy-2",
                    counsellor_id(NAME),
                    Copy(TERMINAL_USER, 7, caption=caption),
                    Relay.TO_COUNSELLOR,
                ),
                Outgoing("not-mine", 424242, Copy(TERMINAL_USER, 8), Relay.TO_COUNSELLOR),
            ]
        )
        shown = await desk.arrived()
        assert shown == text_of("terminal.copy_shown", "en") + "\n" + caption
        # another counsellor's item stays for them
        assert [i.chat_id for i in await bot.cases.pending_outbox()] == [424242]
    finally:
        await bot.close()


def test_a_counsellors_id_is_stable_local_and_their_own() -> None:
    assert counsellor_id("Olha") == counsellor_id("  olha ")
    assert counsellor_id("Olha") != counsellor_id("Taras")
    assert TERMINAL_USER not in {counsellor_id("Olha"), counsellor_id("")}
    assert TERMINAL_GROUP < 0 < counsellor_id("Olha")


def test_the_counsellors_language_follows_the_terminals_locale() -> None:
    assert locale_language({"LANG": "en_US.UTF-8"}) == "en_US.UTF-8"
    assert locale_language({"LC_ALL": "uk_UA.UTF-8", "LANG": "en_US.UTF-8"}) == "uk_UA.UTF-8"
    assert locale_language({}) is None


def test_the_command_opens_the_counsellors_desk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEREVIR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    runner = CliRunner()
    result = runner.invoke(app, ["chat", "--counsellor", NAME], input="/cases\n/quit\n")
    assert result.exit_code == 0, result.output
    assert NAME in result.output
    assert text_of("counsellor.cases_none", "en") in result.output
    refused = runner.invoke(app, ["chat", "--counsellor", " "], input="/quit\n")
    assert refused.exit_code == 2
