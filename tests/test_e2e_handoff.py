"""Hand-off to counsellors in the real bot over HTTP: nothing lost, nothing duplicated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db.models import Base, CaseRecord
from bot.knowledge import Knowledge
from bot.wiring import Perevir
from tests.e2e_support import (
    after,
    answer_to,
    body,
    buttons,
    choose_english,
    count_saying,
    forget_me,
    has_hotlines,
    has_text,
    is_text,
    latest_where,
    make_bot,
    running_bot,
    settled,
    sign_names,
    text_of,
)
from tests.e2e_support import latest_containing as _until
from tests.e2e_support import latest_saying as _until_said
from tests.support.bot_api import BotApiServer

pytestmark = pytest.mark.e2e
PERSON, PERSON2, PERSON3 = 5550003, 5550004, 5550005
OLHA, TARAS, STRANGER, MYKOLA = 901, 902, 903, 904
GROUP = -100777


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as srv:
        for person, name in ((PERSON, "Maria"), (PERSON2, "Ivan"), (PERSON3, "Oksana")):
            srv.user(person, name, "en")
        for counsellor in (OLHA, TARAS, STRANGER):
            srv.user(counsellor, f"Staff {counsellor}", "en")
        srv.user(MYKOLA, "Staff Mykola", "uk")
        srv.group(GROUP, "Counsellors")
        for outsider in (PERSON, PERSON2, PERSON3, STRANGER):
            srv.set_member(GROUP, outsider, "left")
        yield srv


@pytest.fixture
async def perevir(
    knowledge: Knowledge, tmp_path: Path, database_url: str
) -> AsyncIterator[Perevir]:
    """The hand-off on each database (SQLite, and PostgreSQL when configured), schema made by
    the Alembic migrations."""
    svc = make_bot(
        knowledge,
        tmp_path,
        database_url,
        PEREVIR_COUNSELLOR_CHAT_ID=str(GROUP),
        PEREVIR_COUNSELLORS=(
            f"{OLHA}=Counsellor Olha,{TARAS}=Counsellor Taras,{MYKOLA}=Консультант Микола"
        ),
    )
    yield svc
    await svc.people.close()


def _texts(server: BotApiServer, chat: int) -> list[str]:
    return [body(m) for m in server.messages(chat)]


def _alerts(server: BotApiServer) -> list[str]:
    """The texts of every callback answer the bot gave (the pop-ups counsellors see)."""
    return [c.params.get("text", "") for c in server.calls("answerCallbackQuery")]


def _alerted(server: BotApiServer, key: str, lang: str = "en") -> bool:
    return any(is_text(a, key, lang) for a in _alerts(server))


async def _nothing_new(server: BotApiServer, perevir: Perevir, chat: int) -> None:
    """Once the bot has handled everything, nothing more was said in the chat."""
    before = len(server.messages(chat))
    await settled(server, perevir)
    assert len(server.messages(chat)) == before, _texts(server, chat)[before:]


async def _counsellors_start(server: BotApiServer, *counsellors: int) -> None:
    """Counsellors open their private chat with the bot (needed before they can take)."""
    counsellors = counsellors or (OLHA, TARAS)
    seen = {c: len(server.messages(c)) for c in counsellors}
    for counsellor in counsellors:
        server.send_command(counsellor, "/start")
    for counsellor in counsellors:
        await server.wait_for(lambda c=counsellor: len(server.messages(c)) > seen[c])


async def _request_and_queue(server: BotApiServer, person: int = PERSON) -> dict:
    """The person asks for a counsellor and agrees; returns the group's card."""
    menu = await choose_english(server, person)
    server.press_button(person, menu["message_id"], "menu:counsellor")
    consent = await _until_said(server, person, "handoff.consent")
    assert has_text(consent["text"], "handoff.consent", shared=text_of("handoff.shared_question"))
    cards = len(server.messages(GROUP))
    server.press_button(person, consent["message_id"], "ho:yes")
    await _until_said(server, person, "handoff.queued")
    await server.wait_for(lambda: len(server.messages(GROUP)) > cards)
    return server.messages(GROUP)[-1]


async def _taken(
    server: BotApiServer, person: int = PERSON, counsellor: int = OLHA, started: bool = False
) -> dict:
    """A queued request taken by a counsellor; returns the group's card."""
    if not started:
        await _counsellors_start(server, counsellor)
    card = await _request_and_queue(server, person)
    joined = count_saying(server, person, "handoff.taken")
    server.press_button(counsellor, card["message_id"], buttons(card)[0], chat_id=GROUP)
    await server.wait_for(lambda: count_saying(server, person, "handoff.taken") > joined)
    return card


async def test_request_take_talk_both_ways_and_close(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _counsellors_start(server)
        card = await _request_and_queue(server)
        reason = text_of("counsellor.reasons.user_asked")
        assert has_text(card["text"], "counsellor.card", reason=reason)
        assert "Maria" not in card["text"] and str(PERSON) not in card["text"]
        [take] = buttons(card)
        await settled(server, perevir)
        server.send_text(PERSON, "They keep my passport at the farm")  # while waiting
        await _nothing_new(server, perevir, PERSON)  # held for the counsellor, no bot reply
        server.press_button(OLHA, card["message_id"], take, chat_id=GROUP)
        await _until_said(server, GROUP, "counsellor.taken_in_group", name="Counsellor Olha")
        relayed = await _until(server, OLHA, "They keep my passport at the farm")
        joined = await _until_said(server, PERSON, "handoff.taken", name="Counsellor Olha")
        assert "Staff" not in joined["text"]

        server.send_text(OLHA, "Are you safe right now?", reply_to=relayed["message_id"])
        await _until(server, PERSON, "Are you safe right now?")
        photo = server.send_photo(PERSON, caption="this is the contract")
        copy = await _until(server, OLHA, "this is the contract")
        assert "photo" in copy
        sent = server.send_text(PERSON, "I am in Poland, near Lodz")
        await _until(server, OLHA, "near Lodz")
        server.edit_text(PERSON, sent["message"]["message_id"], "I am in Poland, near Poznan")
        await latest_where(
            server,
            OLHA,
            lambda m: after(body(m), "counsellor.edited_header") == "I am in Poland, near Poznan",
        )
        copies = [c for c in server.calls("copyMessage") if c.params["chat_id"] == OLHA]
        assert copies and all(c.params.get("protect_content") for c in copies)
        assert photo  # the photo reached the counsellor as a protected copy
        # While a counsellor has the case, the bot itself says nothing to the person.
        await settled(server, perevir)
        before = len(server.messages(PERSON))
        server.send_text(PERSON, "can I work on a tourist visa")
        await _until(server, OLHA, "tourist visa")
        await _nothing_new(server, perevir, PERSON)
        assert len(server.messages(PERSON)) == before

        server.send_command(OLHA, "/close")
        prompt = await _until_said(server, OLHA, "counsellor.close_prompt")
        server.press_button(
            OLHA,
            prompt["message_id"],
            next(b for b in buttons(prompt) if b.endswith(":advice_given")),
        )
        ended = await _until_said(server, PERSON, "handoff.ended_by_counsellor")
        assert [b for b in buttons(ended) if b.startswith("hf:")]
        server.send_text(PERSON, "can I work on a tourist visa")
        answer = await latest_where(server, PERSON, lambda m: answer_to(m) is not None)
        assert answer_to(answer) == "visa-free-work"  # the bot answers again
    async with perevir.people.sessions() as session:
        [case] = (await session.execute(CaseRecord.__table__.select())).all()
    assert case.status == "closed" and case.outcome == "advice_given"
    assert case.user_chat_id is not None or case.status == "closed"


async def test_two_counsellors_press_take_at_once_and_exactly_one_gets_it(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _counsellors_start(server)
        card = await _request_and_queue(server)
        [take] = buttons(card)
        server.press_button(OLHA, card["message_id"], take, chat_id=GROUP)
        server.press_button(TARAS, card["message_id"], take, chat_id=GROUP)

        def answers() -> list[str]:  # what each of the two was told
            takes = ("counsellor.taken_by_you", "counsellor.taken_by_other")
            return [a for a in _alerts(server) if any(is_text(a, k) for k in takes)]

        await server.wait_for(lambda: len(answers()) == 2)
        assert sum(is_text(a, "counsellor.taken_by_you") for a in answers()) == 1
        assert sum(is_text(a, "counsellor.taken_by_other") for a in answers()) == 1
        await _until_said(server, PERSON, "handoff.taken")
        assert count_saying(server, PERSON, "handoff.taken") == 1


async def test_someone_who_is_not_a_counsellor_cannot_take_a_case(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        card = await _request_and_queue(server)
        await settled(server, perevir)
        server.press_button(STRANGER, card["message_id"], buttons(card)[0], chat_id=GROUP)
        await server.wait_for(lambda: _alerted(server, "counsellor.not_allowed"))
        await _nothing_new(server, perevir, PERSON)


async def test_a_429_storm_and_5xx_errors_still_deliver_everything_in_order(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _taken(server)
        server.fail_next("sendMessage", code=429, retry_after=1, times=5, chat_id=OLHA)
        server.fail_next("sendMessage", code=502, times=2, chat_id=OLHA)
        for n in range(6):
            server.send_text(PERSON, f"message number {n}")
        await _until(server, OLHA, "message number 5", timeout=30)
        relayed = [t for t in _texts(server, OLHA) if "message number" in t]
        assert [t.split()[-1] for t in relayed] == [str(n) for n in range(6)]


async def test_the_bot_stopped_mid_case_delivers_everything_once_after_restart(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _taken(server)
        await settled(server, perevir)
        server.delay("sendMessage", 1.5)  # the next relay is in flight when the bot stops
        server.send_text(PERSON, "first while slow")
        repo = perevir.cases
        while not [i for i in await repo.pending_outbox() if i.chat_id == OLHA]:
            await asyncio.sleep(0.02)  # wait until the relay is written, then stop the bot
    server.delay("sendMessage", 0)
    server.send_text(PERSON, "second while the bot was down")
    async with running_bot(server, perevir):
        await _until(server, OLHA, "second while the bot was down", timeout=15)
        await _until(server, OLHA, "first while slow", timeout=15)
        await settled(server, perevir)
    relayed = [after(t, "counsellor.relayed_header") for t in _texts(server, OLHA)]
    # a clean stop finishes the call in flight: each once, in order
    assert [t for t in relayed if t and "while" in t] == [
        "first while slow",
        "second while the bot was down",
    ]


async def test_forget_erases_the_person_and_deletes_recent_bot_messages(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _taken(server)
        server.send_text(PERSON, "my name is Maria and I am in Lodz")
        copy = await _until(server, OLHA, "I am in Lodz")
        server.send_command(PERSON, "/forget")
        confirm = await _until_said(server, PERSON, "handoff.forget_confirm")
        server.press_button(PERSON, confirm["message_id"], "forget:yes")
        done = await _until_said(server, PERSON, "handoff.forget_done")
        await _until_said(server, OLHA, "counsellor.user_forgot")
        await server.wait_for(lambda: len(server.calls("deleteMessage")) >= 3)
        assert is_text(done["text"], "handoff.forget_done")
        # the copy of what the person wrote is gone from the counsellor's chat too
        await server.wait_for(
            lambda: all(m["message_id"] != copy["message_id"] for m in server.messages(OLHA))
        )
    async with perevir.people.sessions() as session:
        [case] = (await session.execute(CaseRecord.__table__.select())).all()
    assert case.status == "closed"
    assert case.user_pseudonym is None and case.user_chat_id is None


async def test_a_yes_to_erasing_pressed_long_after_the_question_erases_nothing_and_says_so(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, PERSON)
        server.clock.advance(-20 * 60)  # the question is stamped 20 minutes ago
        server.send_command(PERSON, "/forget")
        confirm = await _until_said(server, PERSON, "handoff.forget_confirm")
        server.clock.advance(20 * 60)
        server.press_button(PERSON, confirm["message_id"], "forget:yes")
        expired = await _until_said(server, PERSON, "confirm.expired")
        assert "forget" in expired["text"]
        server.send_command(PERSON, "/forget")  # asked again, a fresh yes works
        await server.wait_for(lambda: count_saying(server, PERSON, "handoff.forget_confirm") == 2)
        again = await _until_said(server, PERSON, "handoff.forget_confirm")
        server.press_button(PERSON, again["message_id"], "forget:yes")
        await _until_said(server, PERSON, "handoff.forget_done")
    assert await perevir.conversation.language(perevir.pseudonym(PERSON)) is None


async def test_after_forget_no_row_and_no_database_file_holds_anything_of_the_person(
    server: BotApiServer, perevir: Perevir, tmp_path: Path
) -> None:
    secret, advert = (
        "I hide at Zhovtneva 17 in Lodz",
        "Urgent hostess job Quxwell club, passport kept",
    )
    answer = "Olha answers Brovarska"
    async with running_bot(server, perevir):
        await _taken(server)
        server.send_text(PERSON, secret)
        await _until(server, OLHA, secret)
        server.send_text(OLHA, answer)
        await _until(server, PERSON, answer)
        server.send_text(PERSON, advert)
        await _until(server, OLHA, "Quxwell")
        await forget_me(server, PERSON)
        await settled(server, perevir)
    pseudonym = perevir.pseudonym(PERSON)
    traces = [str(PERSON), pseudonym[:12], "Maria", "Zhovtneva", "Brovarska", "Quxwell"]
    async with perevir.people.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(table.select())).all():
                cells = " ".join(str(value) for value in row)
                assert not [t for t in traces if t in cells], (table.name, cells)
    files = [f for f in tmp_path.rglob("*") if f.is_file() and ".db" in f.name]
    for file in files:  # SQLite: the database, its write-ahead log and shared memory
        data = file.read_bytes()
        assert not [t for t in traces if t.encode() in data], file.name


async def test_a_lone_surrogate_from_telegram_reaches_the_counsellor_as_a_replacement_mark(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _taken(server)
        server.send_text(PERSON, "I am in Lodz \ud800 help")  # a JSON escape Telegram may send
        copy = await _until(server, OLHA, "I am in Lodz")
    assert "Lodz \ufffd help" in copy["text"]


async def test_out_of_configuration_the_counsellor_button_says_so_honestly(
    server: BotApiServer, knowledge: Knowledge, tmp_path: Path, database_url: str
) -> None:
    svc = make_bot(knowledge, tmp_path / "plain", database_url)
    try:
        async with running_bot(server, svc):
            menu = await choose_english(server, PERSON)
            server.press_button(PERSON, menu["message_id"], "menu:counsellor")
            [reply] = await server.wait_for_message(PERSON)
            assert has_text(reply["text"], "not_built.counsellor") and has_hotlines(reply["text"])
    finally:
        await svc.people.close()


async def test_the_person_ends_the_conversation_and_stats_stay_anonymous(
    server: BotApiServer, perevir: Perevir, tmp_path: Path
) -> None:
    async with running_bot(server, perevir):
        await _taken(server)
        server.send_command(PERSON, "/end")
        useful = await _until_said(server, PERSON, "handoff.useful")
        ended = await _until_said(server, OLHA, "counsellor.user_ended")
        server.press_button(PERSON, useful["message_id"], buttons(useful)[0])
        await _until_said(server, PERSON, "handoff.useful_thanks")
        server.press_button(
            OLHA,
            ended["message_id"],
            next(b for b in buttons(ended) if b.endswith(":referred_527")),
        )
        outcome = text_of("counsellor.outcome.referred_527")
        await _until_said(server, OLHA, "counsellor.closed", outcome=outcome)
    from bot.stats import chart, gather

    figures = await gather(perevir.cases)
    report = figures.as_text()
    assert "referred_527: 1" in report and "user_asked: 1" in report and "yes: 1" in report
    assert str(PERSON) not in report and "Maria" not in report
    assert chart(figures, tmp_path / "stats.png").stat().st_size > 1000


async def test_a_risky_advert_is_shared_with_the_counsellor_only_after_consent(
    server: BotApiServer, perevir: Perevir
) -> None:
    advert = (
        "Girls 18-25 wanted as hostesses in Dubai, 5000 USD a month, no experience. "
        "Passport stays with the manager. Ticket paid, you return it from wages."
    )
    async with running_bot(server, perevir):
        await _counsellors_start(server)
        menu = await choose_english(server, PERSON)
        server.press_button(PERSON, menu["message_id"], "menu:check")
        await server.wait_for_message(PERSON)
        server.send_text(PERSON, advert)
        [card] = await server.wait_for_message(PERSON)
        server.press_button(PERSON, card["message_id"], "handoff:advert")
        consent = await _until_said(server, PERSON, "handoff.consent")
        shared = text_of(
            "handoff.shared_both",
            first=text_of("handoff.shared_question"),
            second=text_of("handoff.shared_advert"),
        )  # their messages, and the job offer with its warning signs
        assert has_text(consent["text"], "handoff.consent", shared=shared)
        await _nothing_new(server, perevir, GROUP)  # nothing shared before consent
        server.press_button(PERSON, consent["message_id"], "ho:yes")
        group_card = await _until_said(server, GROUP, "counsellor.card")
        reason = text_of("counsellor.reasons.risky_advert")
        assert has_text(group_card["text"], "counsellor.card", reason=reason)
        signs = sign_names()  # the card names the warning signs found
        assert any(has_text(group_card["text"], "counsellor.card_flags", flags=s) for s in signs)
        assert "Dubai" not in group_card["text"]  # the advert itself goes only to the taker
        server.press_button(OLHA, group_card["message_id"], buttons(group_card)[0], chat_id=GROUP)
        brief = await _until_said(server, OLHA, "counsellor.taken_by_you")
        assert "Dubai" in brief["text"]


@pytest.fixture
async def members_mode(
    knowledge: Knowledge, tmp_path: Path, database_url: str
) -> AsyncIterator[Perevir]:
    """No list of counsellors: members of the counsellors' group are the counsellors."""
    svc = make_bot(
        knowledge, tmp_path / "members", database_url, PEREVIR_COUNSELLOR_CHAT_ID=str(GROUP)
    )
    yield svc
    await svc.people.close()


async def test_without_a_list_members_of_the_group_are_the_counsellors(
    server: BotApiServer, members_mode: Perevir
) -> None:
    async with running_bot(server, members_mode):
        await _counsellors_start(server, TARAS)
        card = await _request_and_queue(server)
        take = buttons(card)[0]
        server.press_button(STRANGER, card["message_id"], take, chat_id=GROUP)  # has left
        await server.wait_for(lambda: _alerted(server, "counsellor.not_allowed"))
        server.press_button(TARAS, card["message_id"], take, chat_id=GROUP)  # a member
        joined = await _until_said(server, PERSON, "handoff.taken")
        default = text_of("handoff.default_name")  # no display name configured
        assert is_text(joined["text"], "handoff.taken", name=default)
        assert server.calls("getChatMember")


# ---- delivery: the right person, permanent failures told, one chat's trouble its own ----
def _said(server: BotApiServer, chat: int, needle: str) -> int:
    return sum(needle in t for t in _texts(server, chat))


async def test_after_a_transfer_replies_reach_the_person_of_the_message_replied_to(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _counsellors_start(server)
        await _taken(server, PERSON, OLHA, started=True)
        await _taken(server, PERSON2, OLHA, started=True)
        server.send_text(PERSON, "A: first from Maria")
        server.send_text(PERSON2, "B: first from Ivan")
        from_b = await _until(server, OLHA, "B: first from Ivan")
        await _until(server, OLHA, "A: first from Maria")
        cases = await perevir.cases.assigned_to(OLHA)  # type: ignore[union-attr]
        tag_a = next(c.tag for c in cases if c.user_chat_id == PERSON)
        server.send_command(OLHA, "/transfer", tag_a)
        await _until_said(server, OLHA, "counsellor.transfer_done", tag=tag_a)
        card = server.messages(GROUP)[-1]
        server.press_button(TARAS, card["message_id"], buttons(card)[0], chat_id=GROUP)
        await _until_said(server, PERSON, "handoff.taken", name="Counsellor Taras")
        server.send_text(PERSON, "A: second, for Taras")
        to_taras = await _until(server, TARAS, "A: second, for Taras")
        # Taras's and Olha's chats have their own message ids; each reply finds its own case.
        server.send_text(TARAS, "Taras to Maria", reply_to=to_taras["message_id"])
        server.send_text(OLHA, "Olha to Ivan", reply_to=from_b["message_id"])
        await _until(server, PERSON, "Taras to Maria")
        await _until(server, PERSON2, "Olha to Ivan")
        await settled(server, perevir)
    assert _said(server, PERSON, "Olha to Ivan") == 0
    assert _said(server, PERSON2, "Taras to Maria") == 0


async def test_with_three_cases_replies_to_relays_and_briefs_go_to_their_own_case(
    server: BotApiServer, perevir: Perevir
) -> None:
    people = (PERSON, PERSON2, PERSON3)
    async with running_bot(server, perevir):
        await _counsellors_start(server, OLHA)
        for person in people:
            await _taken(server, person, OLHA, started=True)
        briefs = [m for m in server.messages(OLHA) if has_text(body(m), "counsellor.taken_by_you")]
        for n, person in enumerate(people):
            server.send_text(person, f"hello from person {n}")
        relayed = [await _until(server, OLHA, f"hello from person {n}") for n in range(3)]
        for n in range(3):
            server.send_text(OLHA, f"reply {n} to a relay", reply_to=relayed[n]["message_id"])
            server.send_text(OLHA, f"reply {n} to a brief", reply_to=briefs[n]["message_id"])
        for n, person in enumerate(people):
            await _until(server, person, f"reply {n} to a relay")
            await _until(server, person, f"reply {n} to a brief")
        await settled(server, perevir)
    for n, person in enumerate(people):
        wrong = [t for t in _texts(server, person) if "reply" in t and f"reply {n} " not in t]
        assert wrong == []


async def test_a_plain_message_with_two_open_cases_asks_which_case_and_never_guesses(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _counsellors_start(server, OLHA)
        await _taken(server, PERSON, OLHA, started=True)
        await _taken(server, PERSON2, OLHA, started=True)
        await settled(server, perevir)
        server.send_text(OLHA, "which of you is in Lodz?")
        question = await _until_said(server, OLHA, "counsellor.choose_case")
        await _nothing_new(server, perevir, PERSON2)
        assert _said(server, PERSON, "Lodz") == 0
        cases = await perevir.cases.assigned_to(OLHA)  # type: ignore[union-attr]
        ivan = next(c for c in cases if c.user_chat_id == PERSON2)
        choice = next(b for b in buttons(question) if b.startswith(f"to:{ivan.id}:"))
        server.press_button(OLHA, question["message_id"], choice)
        await _until(server, PERSON2, "which of you is in Lodz?")
        await _until_said(server, OLHA, "counsellor.sent_to", tag=ivan.tag)
        await settled(server, perevir)
    assert _said(server, PERSON, "Lodz") == 0


async def test_a_person_who_blocked_the_bot_is_told_to_the_counsellor_and_shown_in_cases(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _taken(server)
        server.block(PERSON)
        server.send_text(OLHA, "are you still there?")
        await _until_said(server, OLHA, "counsellor.person_blocked")
        server.send_text(OLHA, "hello?")
        await server.wait_for(lambda: count_saying(server, OLHA, "counsellor.person_blocked") == 2)
        server.send_command(OLHA, "/cases")
        listing = await _until_said(server, OLHA, "counsellor.cases_heading")
        blocked = text_of("counsellor.blocked_mark")
        assert has_text(listing["text"], "counsellor.case_line_blocked", blocked=blocked)


async def test_a_counsellor_without_a_private_chat_cannot_take_and_is_told_how_to_fix_it(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        card = await _request_and_queue(server)
        server.press_button(TARAS, card["message_id"], buttons(card)[0], chat_id=GROUP)
        await server.wait_for(lambda: _alerted(server, "counsellor.start_private_first"))
        await _nothing_new(server, perevir, PERSON)
        assert count_saying(server, PERSON, "handoff.taken") == 0
        await _counsellors_start(server, TARAS)
        server.press_button(TARAS, card["message_id"], buttons(card)[0], chat_id=GROUP)
        await _until_said(server, PERSON, "handoff.taken", name="Counsellor Taras")


async def test_messages_for_a_counsellor_who_blocked_the_bot_arrive_once_they_start_it(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _taken(server)
        server.block(OLHA)
        server.send_text(PERSON, "are you reading this?")
        await server.wait_for(
            lambda: any(
                c.error is not None and c.params.get("chat_id") == OLHA
                for c in server.calls("sendMessage")
            )
        )
        server.unblock(OLHA)
        server.send_command(OLHA, "/start")
        await _until(server, OLHA, "are you reading this?")
        await settled(server, perevir)
        assert _said(server, OLHA, "are you reading this?") == 1


async def test_a_message_telegram_refuses_is_reported_to_the_counsellor(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _taken(server)
        await settled(server, perevir)
        server.fail_next("copyMessage", code=400, description="Bad Request: message is too long")
        server.send_text(OLHA, "a message Telegram will refuse")
        await _until_said(server, OLHA, "counsellor.not_delivered")
        assert server.calls("copyMessage")[-1].error is not None


async def test_a_waiting_request_ended_by_the_person_loses_its_take_button(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _counsellors_start(server)
        card = await _request_and_queue(server)
        server.send_command(PERSON, "/end")
        await _until_said(server, PERSON, "handoff.useful")
        ended = await server.wait_for(
            lambda: next(
                (
                    m
                    for m in server.messages(GROUP)
                    if m["message_id"] == card["message_id"]
                    and is_text(m["text"], "counsellor.card_ended")
                ),
                None,
            )
        )
        assert buttons(ended) == []


async def test_help_during_a_case_is_answered_by_the_bot_and_not_relayed(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _taken(server)
        await settled(server, perevir)
        server.send_command(PERSON, "/help")
        reply = await _until_said(server, PERSON, "handoff.during_case")
        assert "end" in buttons(reply)
        server.send_command(PERSON, "/start")
        await server.wait_for(lambda: count_saying(server, PERSON, "handoff.during_case") == 2)
        await settled(server, perevir)
        assert _said(server, OLHA, "/help") == 0 and _said(server, OLHA, "/start") == 0


async def test_counsellor_texts_are_in_the_counsellors_own_language(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _taken(server, PERSON, MYKOLA)  # the person writes English, Mykola reads Ukrainian
        brief = await _until_said(server, MYKOLA, "counsellor.taken_by_you", "uk")
        assert not has_text(brief["text"], "counsellor.taken_by_you", "en")
        server.send_text(PERSON, "hello")
        relayed = await _until(server, MYKOLA, "hello")
        server.send_command(MYKOLA, "/case", "NOPE")
        await _until_said(server, MYKOLA, "counsellor.no_case_selected", "uk")
        server.send_command(PERSON, "/end")
        await _until_said(server, MYKOLA, "counsellor.user_ended", "uk")
        assert relayed


async def test_a_429_in_one_chat_does_not_delay_the_other_chats(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await _taken(server)
        await choose_english(server, PERSON2)
        await settled(server, perevir)
        server.fail_next("sendMessage", code=429, retry_after=4, chat_id=OLHA)
        server.send_text(PERSON, "to Olha, who is rate limited")
        await server.wait_for(lambda: any(c.error is not None for c in server.calls("sendMessage")))
        server.send_text(PERSON2, "can I work in Poland without a visa")
        await server.wait_for_message(PERSON2)
        assert _said(server, OLHA, "rate limited") == 0  # still waiting out its retry_after
        await _until(server, OLHA, "to Olha, who is rate limited", timeout=15)


async def test_a_failed_membership_check_is_not_remembered_as_a_refusal(
    server: BotApiServer, members_mode: Perevir
) -> None:
    async with running_bot(server, members_mode):
        card = await _request_and_queue(server)
        server.fail_next("getChatMember", code=502)
        server.press_button(TARAS, card["message_id"], buttons(card)[0], chat_id=GROUP)
        await server.wait_for(lambda: any(c.error for c in server.calls("getChatMember")))
        await _counsellors_start(server, TARAS)  # asked again: a member after all
        server.press_button(TARAS, card["message_id"], buttons(card)[0], chat_id=GROUP)
        name = text_of("handoff.default_name")
        await _until_said(server, PERSON, "handoff.taken", name=name)
