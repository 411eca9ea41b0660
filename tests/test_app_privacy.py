"""Erasure and retention (`bot/app/privacy.py`) over in-memory fakes: /forget before, during and
after a case, with storage down, and the retention purge."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.app.person_handoff import Incoming
from bot.app.privacy import INBOX_DAYS
from bot.domain.actions import ConfirmForget
from bot.domain.cases import Status
from bot.domain.dialogue import Outcome
from bot.domain.notices import Delete, EditCard, Relay, Say
from tests.support.fakes import GROUP, App, Slot, actions, build, is_text, said

PERSON, CHAT = "person-1", 1001
COUNSELLOR = 501


@pytest.fixture
def app() -> App:
    """The use cases over fresh fakes."""
    return build()


def forget_me(app: App) -> Outcome:
    """/forget, then "Yes, erase", as the engine decides them."""
    [question] = app.engine.command("forget", "en", 30).replies
    assert actions(question.buttons) == [ConfirmForget(True), ConfirmForget(False)]
    return app.engine.action(ConfirmForget(True), "en", 30)


def deletions(app: App, chat_id: int) -> list[int]:
    """The messages whose deletion in that chat is in the outbox."""
    rows = app.cases.rows(chat_id=chat_id)  # a retried /forget relabels them ERASURE: same end
    return [r.notice.message_id for r in rows if isinstance(r.notice, Delete)]


async def known_person(app: App) -> None:
    """The person has chosen English, and the bot has held a question of theirs."""
    await app.people.set_language(PERSON, "en")
    app.memory.remember(PERSON, "en", None)
    await app.memory.hold_question(PERSON, 1, "can they keep my passport?")


async def test_forget_while_waiting_ends_the_card_deletes_messages_and_erases_the_person(
    app: App,
) -> None:
    await known_person(app)
    case = await app.waiting_case(PERSON, CHAT, "en")
    await app.person.relay(case, 5, Incoming(40, "text", "my story"))  # held: nobody took it
    app.cases.sent_reply(PERSON, 50)
    app.cases.sent_reply(PERSON, 51)
    [done] = await app.conversation.record(PERSON, forget_me(app), "en", CHAT)
    assert said(done.text, "handoff.forget_done", "en", deleted=2)
    [edit] = app.cases.rows(relay=Relay.CARD_EDIT)
    assert (edit.chat_id, edit.notice) == (
        GROUP,
        EditCard(app.engine.text("en", "counsellor.card_ended", tag=case.tag)),
    )
    assert deletions(app, CHAT) == [50, 51]
    assert app.cases.rows(status=Slot.HELD) == []
    erased = app.cases.cases[case.id]
    assert (erased.status, erased.user_pseudonym, erased.user_chat_id, erased.shared_advert) == (
        Status.CLOSED,
        None,
        None,
        None,
    )
    assert PERSON not in app.people.users
    assert app.memory.recall(PERSON) == (None, None)
    assert await app.memory.take_question(PERSON) is None


async def test_forget_while_assigned_tells_the_counsellor_and_deletes_the_copies(app: App) -> None:
    await app.counsellor(COUNSELLOR, "en")
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "uk")
    await app.person.relay(case, 6, Incoming(41, "text", "first"))
    await app.person.relay(case, 7, Incoming(42, "photo", "second"))
    app.cases.sent("u6:0", 600)  # the copies in the counsellor's chat
    app.cases.sent("u7:0", 601)
    await app.desk.relay(COUNSELLOR, 8, Incoming(700, "text", "hello"), "en")
    app.cases.sent("c8", 60)  # the counsellor's words in the person's chat
    deleted = await app.privacy.forget(PERSON, CHAT)
    told = app.cases.row(f"forget:{case.id}")
    assert (told.chat_id, told.relay) == (COUNSELLOR, Relay.NOTICE_COUNSELLOR)
    assert isinstance(told.notice, Say)
    assert said(told.notice.text, "counsellor.user_forgot", "en", tag=case.tag)
    assert deletions(app, COUNSELLOR) == [600, 601]
    assert deletions(app, CHAT) == [60] and deleted == 1
    assert not [r for r in app.cases.outbox if r.key.startswith("ended:")]  # taken: no end card
    assert app.cases.cases[case.id].status is Status.CLOSED
    assert await app.desk.list_cases(COUNSELLOR, "en") == app.engine.text(
        "en", "counsellor.cases_none"
    )


async def test_after_forget_the_counsellor_can_no_longer_write_to_the_person(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    await app.privacy.forget(PERSON, CHAT)
    before = len(app.cases.outbox)
    reply = await app.desk.send_to(COUNSELLOR, case.id, 701, "uk")
    assert said(reply.text, "counsellor.not_your_case", "uk", tag=case.tag)
    assert len(app.cases.outbox) == before


async def test_after_forget_nobody_owns_the_old_case(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    await app.person.end(PERSON, "en")
    await app.privacy.forget(PERSON, CHAT)
    [menu] = await app.person.rate(case.id, True, "en", PERSON)
    assert menu == app.engine.menu("en")
    assert app.cases.cases[case.id].useful is None


async def test_what_is_still_to_be_sent_to_the_person_is_erased_once_sent(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    taken = app.cases.rows(chat_id=CHAT, relay=Relay.NOTICE_USER)[0]  # not sent yet
    await app.privacy.forget(PERSON, CHAT)
    assert (taken.relay, taken.owner, taken.case_id, taken.status) == (
        Relay.ERASURE,
        None,
        None,
        Slot.PENDING,
    )
    assert case.id not in {r.case_id for r in app.cases.rows(chat_id=CHAT)}


async def test_forget_drops_the_persons_words_still_on_their_way_to_the_counsellor(
    app: App,
) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    await app.person.relay(case, 9, Incoming(43, "text", "my address is ..."))
    assert app.cases.row("u9:0").status is Slot.PENDING  # the sender has not sent it yet
    await app.privacy.forget(PERSON, CHAT)
    assert [r for r in app.cases.rows(chat_id=COUNSELLOR) if r.key == "u9:0"] == []


async def test_forget_with_nothing_stored_deletes_nothing(app: App) -> None:
    [done] = await app.conversation.record(PERSON, forget_me(app), "en", CHAT)
    assert said(done.text, "handoff.forget_done", "en", deleted=0)
    assert app.cases.outbox == []


async def test_forget_does_not_delete_messages_telegram_no_longer_lets_the_bot_delete(
    app: App,
) -> None:
    app.cases.sent_reply(PERSON, 50)
    app.clock.advance(hours=48)
    app.cases.sent_reply(PERSON, 90)
    assert await app.privacy.forget(PERSON, CHAT) == 1
    assert deletions(app, CHAT) == [90]


@pytest.mark.parametrize("down", [(), ("erasure_plan",), ("forget_user",)])
async def test_forget_with_storage_down_says_it_failed_and_erases_nothing(
    app: App, down: tuple[str, ...]
) -> None:
    await known_person(app)
    case = await app.waiting_case(PERSON, CHAT, "en")
    app.cases.fail(*down)
    [failed] = await app.conversation.record(PERSON, forget_me(app), "en", CHAT)
    assert said(failed.text, "handoff.forget_failed", "en")
    assert PERSON in app.people.users
    assert app.memory.recall(PERSON) == ("en", None)
    assert app.cases.cases[case.id].user_pseudonym == PERSON


async def test_forget_retried_after_a_failure_midway_still_deletes_and_tells(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    app.cases.sent_reply(PERSON, 50)
    app.people.fail("forget")  # cases erased (with their deletions and notices), users not
    [failed] = await app.conversation.record(PERSON, forget_me(app), "en", CHAT)
    assert said(failed.text, "handoff.forget_failed", "en")
    app.people.recover()
    [done] = await app.conversation.record(PERSON, forget_me(app), "en", CHAT)
    assert is_text(done.text, "handoff.forget_done", "en")  # the first try queued the deletion
    assert deletions(app, CHAT) == [50]
    assert app.cases.row(f"forget:{case.id}").chat_id == COUNSELLOR


async def test_forget_with_the_people_store_down_says_it_failed(app: App) -> None:
    await known_person(app)
    app.people.fail("forget")
    [failed] = await app.conversation.record(PERSON, forget_me(app), "en", CHAT)
    assert said(failed.text, "handoff.forget_failed", "en")


async def test_the_retention_purge_applies_both_limits(app: App) -> None:
    app = build(retention_days=14)
    await app.privacy.purge_old()
    assert app.cases.purges == [dt.timedelta(days=14)]
    assert app.people.inbox_purges == [dt.timedelta(days=INBOX_DAYS)]


async def test_the_retention_purge_with_storage_down_does_not_raise(app: App) -> None:
    app.cases.fail("purge")
    await app.privacy.purge_old()
    assert app.people.inbox_purges == []
    app.cases.recover()
    await app.privacy.purge_old()
    assert app.people.inbox_purges == [dt.timedelta(days=INBOX_DAYS)]
