"""Button actions: the wire format is pinned, junk decodes to nothing, every button the bot
makes fits Telegram's 64 bytes and decodes, and case buttons work only for whose case it is."""

from __future__ import annotations

import random
import re
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest

from bot.app.person_handoff import Incoming, owns_case
from bot.content import loader
from bot.domain import actions
from bot.domain.actions import (
    ENTRY_ID,
    KINDS,
    MAX_CALLBACK_BYTES,
    MAX_CASE_ID,
    MAX_MESSAGE_ID,
    STAFF_PATTERN,
    Action,
    AskCounsellor,
    ChooseLanguage,
    CloseCase,
    ConfirmForget,
    Consent,
    EndCase,
    MenuItem,
    OpenMenu,
    RateAnswer,
    RateCase,
    RiskDetails,
    SendTo,
    ShareQuestion,
    ShowAnswer,
    TakeCase,
    decode,
    encode,
)
from bot.domain.cases import CaseOutcome, Reason, Status
from bot.domain.dialogue_types import Button, Reply
from bot.domain.notices import Say
from bot.knowledge import Knowledge
from bot.tg.app import COMMANDS, build_application
from bot.wiring import Perevir
from tests.e2e_support import TOKEN, buttons, latest_saying, make_bot, running_bot, settled
from tests.support.bot_api import BotApiServer
from tests.test_e2e_handoff import _taken

ENTRY = "passport-safekeeping"
PINNED: list[tuple[str, Action]] = [
    ("lang:uk", ChooseLanguage("uk")),
    ("lang:en", ChooseLanguage("en")),
    ("menu:ask", OpenMenu(MenuItem.ASK)),
    ("menu:check", OpenMenu(MenuItem.CHECK)),
    ("menu:counsellor", OpenMenu(MenuItem.COUNSELLOR)),
    ("menu:hotlines", OpenMenu(MenuItem.HOTLINES)),
    ("handoff:advert", AskCounsellor(Reason.RISKY_ADVERT)),
    ("handoff:faq_miss", AskCounsellor(Reason.FAQ_MISS)),
    ("handoff:emergency", AskCounsellor(Reason.EMERGENCY)),
    ("handoff:asked", AskCounsellor(Reason.USER_ASKED)),
    ("share:miss", ShareQuestion()),
    ("ho:yes", Consent(True)),
    ("ho:no", Consent(False)),
    ("end", EndCase()),
    ("hf:12:1", RateCase(12, True)),
    ("hf:7:0", RateCase(7, False)),
    ("forget:yes", ConfirmForget(True)),
    ("forget:no", ConfirmForget(False)),
    (f"faq:{ENTRY}", ShowAnswer(ENTRY)),
    (f"fb:{ENTRY}:1", RateAnswer(ENTRY, True)),
    (f"fb:{ENTRY}:0", RateAnswer(ENTRY, False)),
    ("risk:details", RiskDetails()),
    ("take:42", TakeCase(42)),
    ("close:42:advice_given", CloseCase(42, CaseOutcome.ADVICE_GIVEN)),
    ("close:42:referred_527", CloseCase(42, CaseOutcome.REFERRED_527)),
    ("close:42:referred_1547", CloseCase(42, CaseOutcome.REFERRED_1547)),
    ("close:42:referred_police", CloseCase(42, CaseOutcome.REFERRED_POLICE)),
    ("close:42:referred_consulate", CloseCase(42, CaseOutcome.REFERRED_CONSULATE)),
    ("close:42:no_response", CloseCase(42, CaseOutcome.NO_RESPONSE)),
    ("close:42:other", CloseCase(42, CaseOutcome.OTHER)),
    ("to:42:1234", SendTo(42, 1234)),
]
"""Today's callback data, literally: buttons already in people's chats must keep working."""

LONGEST: list[Action] = [
    ChooseLanguage("uk"),
    OpenMenu(MenuItem.COUNSELLOR),
    AskCounsellor(Reason.EMERGENCY),
    ShareQuestion(),
    Consent(False),
    EndCase(),
    RateCase(MAX_CASE_ID, False),
    ConfirmForget(False),
    ShowAnswer("a" * (MAX_CALLBACK_BYTES - 6)),
    RateAnswer("a" * (MAX_CALLBACK_BYTES - 6), False),
    RiskDetails(),
    TakeCase(MAX_CASE_ID),
    CloseCase(MAX_CASE_ID, max(CaseOutcome, key=len)),
    SendTo(MAX_CASE_ID, MAX_MESSAGE_ID),
]
"""The longest value of every kind (entry ids as long as the content checker allows)."""

JUNK = [
    "",
    None,
    "stale-button",
    "zz",
    ":",
    "::::",
    "end:",
    "end:1",
    "lang:",
    "lang:UK",
    "lang:ukr",
    "menu:",
    "menu:settings",
    "menu:ask:1",
    "handoff:",
    "handoff:risky_advert",
    "handoff:user_asked",
    "share:",
    "share:other",
    "share:miss:1",
    "ho:",
    "ho:maybe",
    "ho:YES",
    "hf:",
    "hf:12",
    "hf:12:",
    "hf:12:2",
    "hf:12:1:",
    "hf::1",
    "hf:x:1",
    "hf:-1:1",
    "hf:0:1",
    "hf:012:1",
    "hf:+1:1",
    "hf: 1:1",
    "hf:1.0:1",
    "hf:²:1",
    "hf:١٢:1",
    f"hf:{MAX_CASE_ID + 1}:1",
    f"hf:{10**30}:1",
    "forget:",
    "forget:maybe",
    "faq:",
    "faq:Passport",
    "faq:bad id",
    "faq:trailing-",
    "faq:a--b",
    "faq:паспорт",
    "fb:",
    f"fb:{ENTRY}",
    f"fb:{ENTRY}:",
    f"fb:{ENTRY}:yes",
    "fb::1",
    "fb:a:b:1",
    "take:",
    "take:0",
    "take:x",
    "take:1:2",
    "close:1",
    "close:1:",
    "close:1:closed",
    "close:x:other",
    "to:1",
    "to:1:",
    "to:1:x",
    "to:x:1",
    f"to:1:{MAX_MESSAGE_ID + 1}",
    "TAKE:1",
    " take:1",
    "take:1 ",
    "hf:1:1\n",
    "\udfff",
    "hf:1:1\udfff",
    "x" * (MAX_CALLBACK_BYTES + 1),
    "faq:" + "a" * (MAX_CALLBACK_BYTES - 3),
    "faq:" + "a" * 300,
]


# ---- the wire format ------------------------------------------------------------------------
def test_every_kind_is_pinned() -> None:
    assert {type(a) for _, a in PINNED} == {kind.action for kind in KINDS}
    assert {type(a) for a in LONGEST} == {kind.action for kind in KINDS}


@pytest.mark.parametrize(("data", "action"), PINNED, ids=[d for d, _ in PINNED])
def test_todays_callback_data_decodes_and_encodes_back_unchanged(data: str, action: Action) -> None:
    assert decode(data) == action
    assert encode(action) == data
    assert decode(encode(action)) == action


@pytest.mark.parametrize("action", LONGEST, ids=lambda a: type(a).__name__)
def test_the_longest_value_of_every_kind_fits_telegrams_limit(action: Action) -> None:
    data = encode(action)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert decode(data) == action


@pytest.mark.parametrize("data", JUNK, ids=repr)
def test_junk_malformed_stale_or_too_long_data_decodes_to_nothing(data: str | None) -> None:
    assert decode(data) is None


def test_random_data_never_raises_and_what_decodes_is_canonical() -> None:
    rng = random.Random(20261123)
    alphabet = "0123456789:abcdefghijklmnopqrstuvwxyz-_ ²١ÿ\udfff:::" + "".join(
        k.head for k in KINDS
    )
    heads = [k.head + ":" for k in KINDS] + [""]
    for _ in range(20_000):
        size = rng.choice([0, 1, 3, 10, 40, 70])
        data = rng.choice(heads) + "".join(rng.choice(alphabet) for _ in range(size))
        action = decode(data)
        if action is not None:
            assert encode(action) == data


@pytest.mark.parametrize(
    "action",
    [
        RateAnswer("a" * (MAX_CALLBACK_BYTES - 4), True),  # fb: + 60 + :1 = 65 bytes
        ShowAnswer("a" * 200),
        ShowAnswer("Not An Id"),
        ShowAnswer("a:b"),
        RateCase(0, True),
        RateCase(-3, True),
        TakeCase(MAX_CASE_ID + 1),
        SendTo(1, 0),
        ChooseLanguage("uk:en"),
    ],
    ids=repr,
)
def test_what_a_button_cannot_carry_is_refused_when_the_button_is_made(action: Action) -> None:
    with pytest.raises(ValueError):
        encode(action)
    with pytest.raises(ValueError):
        Button.of("label", action)


def test_the_content_checkers_limit_is_the_same() -> None:
    assert loader.MAX_CALLBACK_BYTES == actions.MAX_CALLBACK_BYTES == 64
    longest = "a" * (MAX_CALLBACK_BYTES - 6)  # what the checker allows
    assert encode(ShowAnswer(longest)) and encode(RateAnswer(longest, True))


def test_staff_buttons_go_to_the_counsellors_handler_and_no_others(
    perevir: Perevir,
) -> None:
    app = build_application(TOKEN, "http://127.0.0.1:9", perevir)
    routes = [
        h.pattern
        for group in app.handlers.values()
        for h in group
        if getattr(h, "callback", None).__name__ == "counsellor_button"  # type: ignore[union-attr]
    ]
    assert len(routes) == 1 and routes[0] is not None
    staff = re.compile(STAFF_PATTERN)
    for data, action in PINNED:
        is_staff = isinstance(action, TakeCase | CloseCase | SendTo)
        assert bool(routes[0].match(data)) is is_staff, data
        assert bool(staff.match(data)) is is_staff, data


# ---- every button the bot makes -------------------------------------------------------------
def _data(rows: Iterable[Iterable[Button]]) -> list[str]:
    return [b.action for row in rows for b in row]


def _check(data: Iterable[str]) -> set[type]:
    kinds = set()
    for item in data:
        assert len(item.encode()) <= MAX_CALLBACK_BYTES, item
        action = decode(item)
        assert action is not None, item
        assert encode(action) == item
        kinds.add(type(action))
    return kinds


def _replies_data(replies: Iterable[Reply]) -> list[str]:
    return [d for r in replies for d in _data(r.buttons)]


def _markup_data(params: dict[str, Any]) -> list[str]:
    rows = params.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


ADVERT = (
    "Warehouse in Germany, 3000 EUR net, no experience, no German. Passport stays with "
    "our coordinator. Pay 150 EUR for documents. Departure tomorrow! Viber only."
)


def test_every_button_of_the_conversation_fits_and_decodes(knowledge: Knowledge) -> None:
    dialogue = knowledge.dialogue
    entries = [e.id for e in knowledge.content.faq]
    assert entries and all(ENTRY_ID.fullmatch(e) for e in entries)
    data: list[str] = _data(dialogue.language_choice().buttons)
    for lang in ("uk", "en"):
        data += _data(dialogue.menu(lang).buttons)
        for name in (*COMMANDS, "nonsense"):
            data += _replies_data(dialogue.command(name, lang, 30).replies)
        for pressed, _ in PINNED:
            data += _replies_data(dialogue.action(pressed, lang, 30).replies)
        for entry in entries:
            answer = dialogue.action(ShowAnswer(entry), lang, 30)
            assert _data(answer.replies[0].buttons) == [f"fb:{entry}:1", f"fb:{entry}:0"]
            data += _replies_data(answer.replies)
        for question in ("who won the football game last night", "work", "робота", "документи"):
            data += _replies_data(dialogue.question(question, lang).replies)  # miss, suggest...
        data += _replies_data(dialogue.emergency(lang).replies)
        data += _replies_data(dialogue.message(ADVERT, lang, None, forwarded=True).replies)
        data += _replies_data(dialogue.message("job in Poland", lang, "awaiting_advert").replies)
    kinds = _check(data)
    assert kinds >= {
        ChooseLanguage,
        OpenMenu,
        AskCounsellor,
        ShareQuestion,
        ConfirmForget,
        ShowAnswer,
        RateAnswer,
    }


# ---- the hand-off, on the real repositories ---------------------------------------------
PERSON, PERSON2 = 5550003, 5550004
OLHA, TARAS, STRANGER = 901, 902, 903
GROUP = -100777


@pytest.fixture
async def perevir(
    knowledge: Knowledge, tmp_path: Path, database_url: str
) -> AsyncIterator[Perevir]:
    """Perevir with counsellors, on each database (SQLite, and PostgreSQL when configured)."""
    svc = make_bot(
        knowledge,
        tmp_path,
        database_url,
        PEREVIR_COUNSELLOR_CHAT_ID=str(GROUP),
        PEREVIR_COUNSELLORS=f"{OLHA}=Counsellor Olha,{TARAS}=Counsellor Taras",
    )
    yield svc
    await svc.people.close()


async def _press(perevir: Perevir, user: int, data: str) -> list[Reply]:
    """A person presses a button: the engine decides, perevir store; the replies come back."""
    key = perevir.pseudonym(user)
    outcome = perevir.knowledge.dialogue.action(data, "en", perevir.retention_days)
    return outcome.replies + await perevir.conversation.record(key, outcome, "en", user)


async def _outbox_data(perevir: Perevir) -> list[str]:
    items = await perevir.cases.pending_outbox(limit=1000)
    return [
        b.action
        for item in items
        if isinstance(item.notice, Say)
        for row in item.notice.buttons
        for b in row
    ]


async def _queued(perevir: Perevir, user: int) -> tuple[int, list[str]]:
    """A person asks for a counsellor and agrees; the case id and the buttons they got."""
    seen = _replies_data(await _press(perevir, user, "menu:counsellor"))
    assert seen == ["ho:yes", "ho:no"]
    seen += _replies_data(await _press(perevir, user, "ho:yes"))
    record = await perevir.cases.open_for_user(perevir.pseudonym(user))
    assert record is not None and record.status == Status.WAITING.value
    return record.id, seen


async def _assigned(perevir: Perevir, user: int, counsellor: int) -> tuple[int, list[str]]:
    case_id, seen = await _queued(perevir, user)
    await perevir.cases.counsellor_seen(counsellor, "en")
    answer = await perevir.desk.take(case_id, counsellor, "en")
    assert answer == await _said(perevir, case_id, "counsellor.taken_by_you")
    return case_id, seen


async def _said(perevir: Perevir, case_id: int, key: str, **params: object) -> str:
    """The English text `key` about a case (its tag filled in)."""
    case = await perevir.cases.get(case_id)
    assert case is not None
    return perevir.texts.t("en", key, tag=case.tag, **params)


async def test_every_button_of_the_hand_off_fits_and_decodes(perevir: Perevir) -> None:
    maria, seen = await _assigned(perevir, PERSON, OLHA)
    ivan, more = await _assigned(perevir, PERSON2, OLHA)
    seen += more
    which = await perevir.desk.relay(OLHA, 1, Incoming(77, "text", "hello"), "en")
    assert which is not None
    seen += _data(which.buttons)
    assert {f"to:{maria}:77", f"to:{ivan}:77"} <= set(_data(which.buttons))
    prompt = await perevir.desk.close_prompt(OLHA, (await perevir.cases.get(ivan)).tag, "en")  # type: ignore[union-attr]
    seen += _data(prompt.buttons)
    seen += _replies_data(await _press(perevir, PERSON, "end"))
    seen += _replies_data(await perevir.person.during_case(perevir.pseudonym(PERSON2), "en") or [])
    seen += await _outbox_data(perevir)
    kinds = _check(seen)
    assert kinds == {Consent, EndCase, RateCase, TakeCase, CloseCase, SendTo}
    assert f"hf:{maria}:1" in seen and f"take:{maria}" in seen and f"close:{maria}:other" in seen


async def test_a_person_cannot_rate_someone_elses_case(perevir: Perevir) -> None:
    maria, _ = await _assigned(perevir, PERSON, OLHA)
    await _press(perevir, PERSON, "end")
    menu = perevir.knowledge.dialogue.menu("en")

    assert await _press(perevir, PERSON2, f"hf:{maria}:1") == [menu]  # Ivan: a stale button
    record = await perevir.cases.get(maria)
    assert record is not None and record.useful is None

    thanks = await _press(perevir, PERSON, f"hf:{maria}:0")  # Maria: her own case
    assert thanks[0].text == perevir.texts.t("en", "handoff.useful_thanks")
    record = await perevir.cases.get(maria)
    assert record is not None and record.useful is False

    assert await _press(perevir, PERSON2, f"hf:{maria + 1000}:1") == [menu]  # no such case


async def test_a_counsellor_cannot_close_or_write_to_someone_elses_case(
    perevir: Perevir,
) -> None:
    case_id, _ = await _assigned(perevir, PERSON, TARAS)
    record = await perevir.cases.get(case_id)
    assert record is not None
    before = len(await perevir.cases.pending_outbox(limit=1000))

    refused = await perevir.desk.close(OLHA, case_id, CaseOutcome.OTHER, "en")
    assert refused == perevir.texts.t("en", "counsellor.not_your_case", tag=record.tag)
    sent = await perevir.desk.send_to(OLHA, case_id, 55, "en")
    assert sent.text == refused
    still = await perevir.cases.get(case_id)
    assert still is not None
    assert (still.status, still.outcome, still.counsellor_id) == (
        Status.ASSIGNED.value,
        None,
        TARAS,
    )
    assert len(await perevir.cases.pending_outbox(limit=1000)) == before

    done = await perevir.desk.close(TARAS, case_id, CaseOutcome.OTHER, "en")
    other = perevir.texts.t("en", "counsellor.outcome.other")
    assert done == await _said(perevir, case_id, "counsellor.closed", outcome=other)
    closed = await perevir.cases.get(case_id)
    assert closed is not None and closed.status == Status.CLOSED.value


async def test_any_counsellor_may_take_a_waiting_case_but_only_one_wins(
    perevir: Perevir,
) -> None:
    case_id, _ = await _queued(perevir, PERSON)
    for counsellor in (OLHA, TARAS):
        await perevir.cases.counsellor_seen(counsellor, "en")
    assert await perevir.desk.take(case_id, TARAS, "en") == await _said(
        perevir, case_id, "counsellor.taken_by_you"
    )
    assert await perevir.desk.take(case_id, OLHA, "en") == await _said(
        perevir, case_id, "counsellor.taken_by_other"
    )


async def test_the_ownership_rule(perevir: Perevir) -> None:
    case_id, _ = await _assigned(perevir, PERSON, OLHA)
    record = await perevir.cases.get(case_id)
    maria = perevir.pseudonym(PERSON)
    assert owns_case(record, person=maria) and owns_case(record, counsellor=OLHA)
    assert not owns_case(record, person=perevir.pseudonym(PERSON2))
    assert not owns_case(record, counsellor=TARAS)
    assert not owns_case(record) and not owns_case(record, person=maria, counsellor=OLHA)
    assert not owns_case(None, person=maria) and not owns_case(None, counsellor=OLHA)
    await perevir.desk.transfer(OLHA, "", "en")  # back in the queue: Olha no longer holds it
    assert not owns_case(await perevir.cases.get(case_id), counsellor=OLHA)


# ---- through Telegram -----------------------------------------------------------------------
@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as srv:
        for person, name in ((PERSON, "Maria"), (PERSON2, "Ivan")):
            srv.user(person, name, "en")
        for counsellor in (OLHA, TARAS, STRANGER):
            srv.user(counsellor, f"Staff {counsellor}", "en")
        srv.group(GROUP, "Counsellors")
        for outsider in (PERSON, PERSON2, STRANGER):
            srv.set_member(GROUP, outsider, "left")
        yield srv


def _stale_press(server: BotApiServer, user: int, data: str) -> None:
    """Press a button with `data` on the bot's last message to `user` (a forged or old one)."""
    message = server.messages(user)[-1]
    message["reply_markup"] = {"inline_keyboard": [[{"text": "old", "callback_data": data}]]}
    server.press_button(user, message["message_id"], data)


@pytest.mark.e2e
async def test_case_buttons_of_someone_elses_case_are_refused_over_telegram(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _taken(server, PERSON, TARAS)
        record = await perevir.cases.open_for_user(perevir.pseudonym(PERSON))
        assert record is not None
        server.send_command(OLHA, "/start")
        await server.wait_for(lambda: len(server.messages(OLHA)) > 0)
        await settled(server, perevir)

        _stale_press(server, OLHA, f"close:{record.id}:other")
        await latest_saying(server, OLHA, "counsellor.not_your_case", "en", tag=record.tag)

        server.send_command(PERSON2, "/start")
        await server.wait_for(lambda: len(server.messages(PERSON2)) > 0)
        await settled(server, perevir)
        menus = len(server.messages(PERSON2))
        _stale_press(server, PERSON2, f"hf:{record.id}:1")
        await server.wait_for(lambda: len(server.messages(PERSON2)) > menus)
        assert buttons(server.messages(PERSON2)[-1])[0] in ("lang:uk", "menu:ask")
        await settled(server, perevir)
    fresh = await perevir.cases.get(record.id)
    assert fresh is not None
    assert (fresh.status, fresh.outcome, fresh.useful) == (Status.ASSIGNED.value, None, None)
