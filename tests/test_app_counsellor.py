"""The counsellor's side of a hand-off (`bot/app/counsellor_desk.py`) over in-memory fakes:
taking, the brief, writing to the person, /case, /cases, /transfer, /close, ownership, and what
Telegram would not deliver."""

from __future__ import annotations

import asyncio
import html
import re
from html.parser import HTMLParser

import pytest

from bot.app.case_texts import BRIEF_ADVERT_CHARS
from bot.app.person_handoff import Incoming
from bot.domain.actions import CloseCase, RateCase, SendTo, TakeCase
from bot.domain.cases import Case, CaseOutcome, SharedAdvert, SharedFlag, Status
from bot.domain.notices import Copy, EditCard, Relay, Say
from tests.support.fakes import GROUP, App, Slot, actions, build, has_text, said

A = 501
"""The counsellor who takes the cases."""
B = 502
"""Another counsellor."""
ALICE, BOB = ("person-a", 1001), ("person-b", 1002)


@pytest.fixture
def app() -> App:
    """The use cases over fresh fakes."""
    return build()


async def two_cases(app: App) -> tuple[Case, Case]:
    """Counsellor A holds two cases: Alice's (taken first), then Bob's."""
    first = await app.assigned_case(A, *ALICE, "en")
    second = await app.assigned_case(A, *BOB, "uk")
    return first, second


def brief_of(app: App, case: Case, counsellor: int = A) -> str:
    """The brief the counsellor who took the case was sent."""
    [row] = [
        r
        for r in app.cases.rows(chat_id=counsellor, relay=Relay.NOTICE_COUNSELLOR, case_id=case.id)
        if r.key.startswith("take:")
    ]
    assert isinstance(row.notice, Say) and row.notice.protect
    return row.notice.text


# ---- seen ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("telegram", "lang"), [("en", "en"), ("en-GB", "en"), ("uk", "uk"), ("de", "uk"), (None, "uk")]
)
async def test_a_counsellor_seen_in_private_is_reachable_in_their_language(
    app: App, telegram: str | None, lang: str
) -> None:
    assert await app.desk.seen(A, telegram) == lang
    known = app.cases.counsellors[A]
    assert (known.language, known.reachable) == (lang, True)


async def test_a_counsellor_seen_again_unchanged_is_not_written_again(app: App) -> None:
    await app.desk.seen(A, "en")
    await app.desk.seen(A, "en")
    assert app.cases.calls.count("counsellor_seen") == 1


# ---- take ----------------------------------------------------------------------------------
async def test_exactly_one_of_two_counsellors_pressing_take_at_once_gets_the_case(
    app: App,
) -> None:
    case = await app.waiting_case(*ALICE, "en")
    await app.counsellor(A)
    await app.counsellor(B)
    answers = await asyncio.gather(app.desk.take(case.id, A, "uk"), app.desk.take(case.id, B, "uk"))
    won = app.cases.cases[case.id].counsellor_id
    assert won in (A, B)
    lost = B if won == A else A
    assert said(answers[[A, B].index(won)], "counsellor.taken_by_you", "uk", tag=case.tag)
    assert said(answers[[A, B].index(lost)], "counsellor.taken_by_other", "uk", tag=case.tag)
    assert len(app.cases.rows(relay=Relay.CARD_EDIT)) == 1
    assert len(app.cases.rows(relay=Relay.NOTICE_USER)) == 1
    assert app.cases.rows(chat_id=lost) == []


async def test_taking_edits_the_card_briefs_the_counsellor_and_tells_the_person(
    app: App,
) -> None:
    case = await app.waiting_case(*ALICE, "en")
    await app.counsellor(A, "uk")
    answer = await app.desk.take(case.id, A, "uk")
    assert said(answer, "counsellor.taken_by_you", "uk", tag=case.tag)
    taken = app.cases.cases[case.id]
    assert (taken.status, taken.counsellor_id, taken.assigned_at) == (
        Status.ASSIGNED,
        A,
        app.clock.now,
    )
    name = app.engine.text("en", "handoff.default_name")
    [edit] = app.cases.rows(relay=Relay.CARD_EDIT)
    assert (edit.chat_id, edit.case_id) == (GROUP, case.id)
    assert edit.notice == EditCard(
        app.engine.text("en", "counsellor.taken_in_group", tag=case.tag, name=name)
    )
    assert said(brief_of(app, case), "counsellor.taken_by_you", "uk", tag=case.tag)
    [told] = app.cases.rows(relay=Relay.NOTICE_USER)
    assert told.chat_id == ALICE[1]
    assert told.notice == Say(app.engine.text("en", "handoff.taken", name=name))


async def test_the_person_sees_the_counsellors_display_name_escaped(app: App) -> None:
    app = build(names={A: "Olha <Kyiv> & co"})
    await app.assigned_case(A, *ALICE, "en")
    [told] = app.cases.rows(relay=Relay.NOTICE_USER)
    name = "Olha &lt;Kyiv&gt; &amp; co"
    assert told.notice == Say(app.engine.text("en", "handoff.taken", name=name))


async def test_taking_a_case_twice_is_refused_and_sends_nothing_more(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    before = len(app.cases.outbox)
    answer = await app.desk.take(case.id, A, "uk")
    assert said(answer, "counsellor.taken_by_other", "uk", tag=case.tag)
    assert len(app.cases.outbox) == before
    assert app.cases.cases[case.id].counsellor_id == A


async def test_taking_a_case_the_person_ended_answers_request_ended(app: App) -> None:
    case = await app.waiting_case(*ALICE, "en")
    await app.person.end(ALICE[0], "en")
    await app.counsellor(A)
    before = len(app.cases.outbox)
    answer = await app.desk.take(case.id, A, "uk")
    assert said(answer, "counsellor.request_ended", "uk", tag=case.tag)
    assert len(app.cases.outbox) == before
    assert app.cases.cases[case.id].status is Status.CLOSED


async def test_taking_an_unknown_case_answers_taken_by_other(app: App) -> None:
    await app.counsellor(A)
    assert said(await app.desk.take(999, A, "en"), "counsellor.taken_by_other", "en", tag="?")


async def test_a_counsellor_who_never_started_the_bot_cannot_take(app: App) -> None:
    case = await app.waiting_case(*ALICE, "en")
    answer = await app.desk.take(case.id, A, "uk")
    assert said(answer, "counsellor.start_private_first", "uk")
    assert app.cases.cases[case.id].status is Status.WAITING
    assert app.cases.rows(relay=Relay.CARD_EDIT) == []


async def test_an_unreachable_counsellor_cannot_take(app: App) -> None:
    case = await app.waiting_case(*ALICE, "en")
    await app.counsellor(A)
    app.cases.counsellor_unreachable(A)
    assert said(await app.desk.take(case.id, A, "uk"), "counsellor.start_private_first", "uk")


# ---- the brief -----------------------------------------------------------------------------
class TelegramHtml(HTMLParser):
    """Collects the tags and the text inside <blockquote> of Telegram HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: list[str] = []
        self.quoted = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes nothing"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if "blockquote" in self.open:
            self.quoted += data


BARE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;|quot;)")


async def test_the_brief_quotes_at_most_the_limit_of_the_advert_as_valid_html(app: App) -> None:
    chunk = "R&D <b>pay</b> &amp; 5<6 "
    text = "Vacancy " + chunk * (BRIEF_ADVERT_CHARS // len(chunk) + 40)
    assert text[:BRIEF_ADVERT_CHARS].endswith("&a")  # the cut falls inside "&amp;"
    flags = (SharedFlag("fees_debt", ("pay <500> & a deposit", "R&D")),)
    case = await app.assigned_case(A, *ALICE, "en", SharedAdvert("high", text, flags))
    brief = brief_of(app, case)
    assert BARE_AMPERSAND.search(brief) is None, "an & that starts no entity"
    parser = TelegramHtml()
    parser.feed(brief)
    parser.close()
    assert parser.open == [] and set(parser.tags) <= {"b", "i", "blockquote"}
    assert parser.quoted == text[:BRIEF_ADVERT_CHARS]
    assert len(parser.quoted) <= BRIEF_ADVERT_CHARS
    evidence = html.escape("pay <500> & a deposit", quote=False)
    assert evidence in brief and html.escape("<b>pay</b>", quote=False) in brief


async def test_the_brief_of_a_case_without_an_advert_is_one_line(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    assert said(brief_of(app, case), "counsellor.taken_by_you", "uk", tag=case.tag)


# ---- writing to the person -----------------------------------------------------------------
async def test_a_counsellors_message_with_one_case_is_copied_to_the_person(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    assert await app.desk.relay(A, 70, Incoming(300, "text", "hi"), "uk") is None
    row = app.cases.row("c70")
    assert (row.chat_id, row.relay, row.case_id, row.item.source) == (
        ALICE[1],
        Relay.TO_USER,
        case.id,
        300,
    )
    assert row.notice == Copy(A, 300)


async def test_with_two_cases_a_plain_message_asks_which_case(app: App) -> None:
    first, second = await two_cases(app)
    before = len(app.cases.outbox)
    reply = await app.desk.relay(A, 71, Incoming(301, "text", "hi"), "uk")
    assert reply is not None and said(reply.text, "counsellor.choose_case", "uk")
    assert actions(reply.buttons) == [SendTo(first.id, 301), SendTo(second.id, 301)]
    assert [b.label for row in reply.buttons for b in row] == [
        app.engine.text("uk", "counsellor.case_button", tag=c.tag) for c in (first, second)
    ]
    assert len(app.cases.outbox) == before


async def test_with_two_cases_a_plain_message_goes_to_the_selected_one(app: App) -> None:
    _first, second = await two_cases(app)
    assert said(
        await app.desk.select(A, second.tag, "uk"), "counsellor.selected", "uk", tag=second.tag
    )
    assert await app.desk.relay(A, 72, Incoming(302, "text", "hi"), "uk") is None
    assert app.cases.row("c72").chat_id == BOB[1]


async def test_a_reply_goes_to_the_case_of_the_message_it_replies_to(app: App) -> None:
    first, second = await two_cases(app)
    await app.person.relay(first, 10, Incoming(20, "text", "from Alice"))
    app.cases.sent("u10:0", 400)  # Alice's words, as message 400 in A's chat
    app.cases.sent(app.cases.rows(relay=Relay.NOTICE_COUNSELLOR, case_id=second.id)[0], 401)
    assert (
        await app.desk.relay(A, 73, Incoming(303, "text", "to Alice", reply_to=400), "uk") is None
    )
    assert await app.desk.relay(A, 74, Incoming(304, "text", "to Bob", reply_to=401), "uk") is None
    assert app.cases.row("c73").chat_id == ALICE[1]
    assert app.cases.row("c74").chat_id == BOB[1]


async def test_an_edited_message_reaches_its_person_as_a_correction(app: App) -> None:
    _first, second = await two_cases(app)
    await app.desk.send_to(A, second.id, 305, "uk")
    app.cases.sent(f"cto:{second.id}:305", 900)  # the copy Bob got
    edit = Incoming(305, "text", "fixed <sic> & more", edited=True)
    assert await app.desk.relay(A, 75, edit, "uk") is None
    row = app.cases.row("c75")
    assert (row.chat_id, row.relay, row.case_id) == (BOB[1], Relay.TO_USER, second.id)
    assert row.notice == Say(
        app.engine.text("uk", "handoff.corrected", text="fixed &lt;sic&gt; &amp; more")
    )


async def test_a_message_without_a_case_answers_no_case_selected(app: App) -> None:
    await app.counsellor(A)
    reply = await app.desk.relay(A, 76, Incoming(306, "text", "hi"), "en")
    assert reply is not None and said(reply.text, "counsellor.no_case_selected", "en")
    assert app.cases.outbox == []


async def test_a_reply_to_a_case_handed_back_is_not_sent(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.person.relay(case, 11, Incoming(21, "text", "hello"))
    app.cases.sent("u11:0", 410)
    await app.desk.transfer(A, case.tag, "uk")
    before = len(app.cases.outbox)
    reply = await app.desk.relay(A, 77, Incoming(307, "text", "late", reply_to=410), "uk")
    assert reply is not None and said(reply.text, "counsellor.not_your_case", "uk", tag=case.tag)
    assert len(app.cases.outbox) == before


async def test_a_message_to_a_person_who_blocked_the_bot_is_not_sent(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.cases.set_person_blocked(case.id, True)
    before = len(app.cases.outbox)
    reply = await app.desk.relay(A, 78, Incoming(308, "text", "hi"), "uk")
    assert reply is not None and said(reply.text, "counsellor.person_blocked", "uk", tag=case.tag)
    assert len(app.cases.outbox) == before


async def test_sending_to_the_chosen_case_copies_the_message(app: App) -> None:
    first, _second = await two_cases(app)
    reply = await app.desk.send_to(A, first.id, 309, "uk")
    assert said(reply.text, "counsellor.sent_to", "uk", tag=first.tag)
    row = app.cases.row(f"cto:{first.id}:309")
    assert (row.chat_id, row.notice, row.relay) == (ALICE[1], Copy(A, 309), Relay.TO_USER)


async def test_sending_to_an_unknown_case_answers_no_case_selected(app: App) -> None:
    await app.counsellor(A)
    reply = await app.desk.send_to(A, 999, 310, "uk")
    assert said(reply.text, "counsellor.no_case_selected", "uk")
    assert app.cases.outbox == []


# ---- ownership: acting on a case one does not hold -----------------------------------------
async def test_sending_to_a_case_one_does_not_hold_is_refused(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.counsellor(B)
    before = len(app.cases.outbox)
    reply = await app.desk.send_to(B, case.id, 311, "uk")
    assert said(reply.text, "counsellor.not_your_case", "uk", tag=case.tag)
    assert len(app.cases.outbox) == before


async def test_closing_a_case_one_does_not_hold_is_refused(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.counsellor(B)
    before = len(app.cases.outbox)
    answer = await app.desk.close(B, case.id, CaseOutcome.ADVICE_GIVEN, "uk")
    assert said(answer, "counsellor.not_your_case", "uk", tag=case.tag)
    assert len(app.cases.outbox) == before
    assert app.cases.cases[case.id].status is Status.ASSIGNED


async def test_closing_an_unknown_case_is_refused(app: App) -> None:
    answer = await app.desk.close(A, 999, CaseOutcome.OTHER, "en")
    assert said(answer, "counsellor.not_your_case", "en", tag="?")


async def test_selecting_a_case_one_does_not_hold_is_refused(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    answer = await app.desk.select(B, case.tag, "uk")
    assert said(answer, "counsellor.no_case_selected", "uk")
    assert app.cases.selections == {}


async def test_transferring_a_case_one_does_not_hold_is_refused(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    before = len(app.cases.outbox)
    answer = await app.desk.transfer(B, case.tag, "uk")
    assert said(answer, "counsellor.no_case_selected", "uk")
    assert len(app.cases.outbox) == before
    assert app.cases.cases[case.id].counsellor_id == A


async def test_asking_to_close_a_case_one_does_not_hold_is_refused(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    reply = await app.desk.close_prompt(B, case.tag, "uk")
    assert said(reply.text, "counsellor.no_case_selected", "uk") and reply.buttons == ()


# ---- /case, /cases --------------------------------------------------------------------------
async def test_case_selects_by_tag_whatever_its_case_and_hash(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    answer = await app.desk.select(A, f" #{case.tag.lower()} ", "en")
    assert said(answer, "counsellor.selected", "en", tag=case.tag)
    assert app.cases.selections[A] == case.id


async def test_case_of_a_closed_case_is_refused(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.desk.close(A, case.id, CaseOutcome.OTHER, "uk")
    assert said(await app.desk.select(A, case.tag, "uk"), "counsellor.no_case_selected", "uk")


async def test_cases_lists_the_counsellors_open_cases_with_the_blocked_mark(app: App) -> None:
    first, second = await two_cases(app)
    await app.cases.set_person_blocked(second.id, True)
    heading, line_a, line_b = (await app.desk.list_cases(A, "en")).split("\n")
    assert said(heading, "counsellor.cases_heading", "en")
    reason = app.engine.text("en", "counsellor.reasons.user_asked")
    assert said(line_a, "counsellor.case_line", "en", tag=first.tag, language="en", reason=reason)
    assert said(
        line_b,
        "counsellor.case_line_blocked",
        "en",
        tag=second.tag,
        language="uk",
        reason=reason,
        blocked=app.engine.text("en", "counsellor.blocked_mark"),
    )


async def test_cases_with_none_open_says_so(app: App) -> None:
    assert said(await app.desk.list_cases(A, "uk"), "counsellor.cases_none", "uk")


# ---- /transfer -----------------------------------------------------------------------------
async def test_transfer_puts_the_case_back_in_the_queue_with_a_new_card(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.desk.select(A, case.tag, "uk")
    app.clock.advance(minutes=20)
    answer = await app.desk.transfer(A, "", "uk")
    assert said(answer, "counsellor.transfer_done", "uk", tag=case.tag)
    back = app.cases.cases[case.id]
    assert (back.status, back.counsellor_id, back.waiting_since) == (
        Status.WAITING,
        None,
        app.clock.now,
    )
    first_card, new_card = app.cases.rows(relay=Relay.CARD)
    assert new_card.key != first_card.key and new_card.chat_id == GROUP
    assert isinstance(new_card.notice, Say)
    assert has_text(new_card.notice.text, "counsellor.card", "en", tag=case.tag)
    assert actions(new_card.notice.buttons) == [TakeCase(case.id)]
    told = app.cases.rows(relay=Relay.NOTICE_USER)[-1]
    assert told.chat_id == ALICE[1]
    assert told.notice == Say(app.engine.text("en", "handoff.returned_to_queue"))
    assert app.cases.selections[A] is None


async def test_a_transferred_case_can_be_taken_by_another_counsellor(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.desk.transfer(A, case.tag, "uk")
    await app.counsellor(B, "en")
    assert said(
        await app.desk.take(case.id, B, "en"), "counsellor.taken_by_you", "en", tag=case.tag
    )
    assert app.cases.cases[case.id].counsellor_id == B
    assert await app.desk.list_cases(A, "uk") == app.engine.text("uk", "counsellor.cases_none")


async def test_transfer_without_a_case_answers_no_case_selected(app: App) -> None:
    await two_cases(app)
    before = len(app.cases.outbox)
    assert said(await app.desk.transfer(A, "", "uk"), "counsellor.no_case_selected", "uk")
    assert len(app.cases.outbox) == before


async def test_transferring_one_case_keeps_the_selection_of_another(app: App) -> None:
    first, second = await two_cases(app)
    await app.assigned_case(A, "person-c", 1003, "en")
    await app.desk.select(A, second.tag, "uk")
    await app.desk.transfer(A, first.tag, "uk")
    assert app.cases.selections[A] == second.id


# ---- /close --------------------------------------------------------------------------------
async def test_close_asks_for_the_outcome_with_one_button_each(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    reply = await app.desk.close_prompt(A, case.tag, "uk")
    assert said(reply.text, "counsellor.close_prompt", "uk", tag=case.tag)
    assert actions(reply.buttons) == [CloseCase(case.id, o) for o in CaseOutcome]
    assert [b.label for row in reply.buttons for b in row] == [
        app.engine.text("uk", f"counsellor.outcome.{o.value}") for o in CaseOutcome
    ]


async def test_closing_records_the_outcome_and_asks_the_person_if_it_helped(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.desk.select(A, case.tag, "uk")
    answer = await app.desk.close(A, case.id, CaseOutcome.REFERRED_527, "uk")
    label = app.engine.text("uk", "counsellor.outcome.referred_527")
    assert said(answer, "counsellor.closed", "uk", tag=case.tag, outcome=label)
    closed = app.cases.cases[case.id]
    assert (closed.status, closed.outcome, closed.closed_at) == (
        Status.CLOSED,
        CaseOutcome.REFERRED_527,
        app.clock.now,
    )
    told = app.cases.row(f"close:{case.id}:user")
    assert (told.chat_id, told.relay) == (ALICE[1], Relay.NOTICE_USER)
    assert isinstance(told.notice, Say)
    assert said(told.notice.text, "handoff.ended_by_counsellor", "en")
    assert actions(told.notice.buttons) == [RateCase(case.id, True), RateCase(case.id, False)]
    assert app.cases.selections[A] is None


async def test_closing_twice_tells_the_person_once(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.desk.close(A, case.id, CaseOutcome.ADVICE_GIVEN, "uk")
    await app.desk.close(A, case.id, CaseOutcome.OTHER, "uk")
    told = [r for r in app.cases.rows(chat_id=ALICE[1]) if r.key.startswith("close:")]
    assert len(told) == 1
    assert app.cases.cases[case.id].outcome is CaseOutcome.ADVICE_GIVEN


async def test_closing_a_case_the_person_ended_labels_it_once(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.person.end(ALICE[0], "en")
    before = len(app.cases.outbox)
    label = app.engine.text("uk", "counsellor.outcome.no_response")
    answer = await app.desk.close(A, case.id, CaseOutcome.NO_RESPONSE, "uk")
    assert said(answer, "counsellor.closed", "uk", tag=case.tag, outcome=label)
    await app.desk.close(A, case.id, CaseOutcome.OTHER, "uk")
    assert app.cases.cases[case.id].outcome is CaseOutcome.NO_RESPONSE
    assert len(app.cases.outbox) == before


async def test_closing_when_the_person_blocked_the_bot_sends_them_nothing(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.cases.set_person_blocked(case.id, True)
    await app.desk.close(A, case.id, CaseOutcome.NO_RESPONSE, "uk")
    assert app.cases.cases[case.id].status is Status.CLOSED
    with pytest.raises(KeyError):
        app.cases.row(f"close:{case.id}:user")


# ---- what Telegram would not deliver -------------------------------------------------------
async def test_a_person_who_blocked_the_bot_is_reported_to_the_counsellor_once(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.desk.relay(A, 80, Incoming(320, "text", "one"), "uk")
    await app.desk.relay(A, 81, Incoming(321, "text", "two"), "uk")
    await app.desk.delivery_failed(app.cases.queued("c80"), "blocked")
    await app.desk.delivery_failed(app.cases.queued("c81"), "blocked")
    assert app.cases.cases[case.id].person_blocked is True
    told = [r for r in app.cases.rows(chat_id=A) if r.key.startswith("blocked:")]
    assert len(told) == 1
    assert isinstance(told[0].notice, Say)
    assert said(told[0].notice.text, "counsellor.person_blocked", "uk", tag=case.tag)


async def test_a_refused_message_to_the_person_is_reported_to_the_counsellor(app: App) -> None:
    await app.counsellor(A, "en")
    case = await app.assigned_case(A, *ALICE, "uk")
    await app.desk.relay(A, 82, Incoming(322, "document"), "en")
    item = app.cases.queued("c82")
    await app.desk.delivery_failed(item, "refused")
    told = app.cases.row(f"nd:{item.id}")
    assert (told.chat_id, told.relay) == (A, Relay.NOTICE_COUNSELLOR)
    assert isinstance(told.notice, Say)
    assert said(told.notice.text, "counsellor.not_delivered", "en", tag=case.tag)


async def test_a_refused_message_to_the_counsellor_is_reported_to_the_person(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.person.relay(case, 12, Incoming(22, "voice"))
    item = app.cases.queued("u12:0")
    assert item.relay is Relay.TO_COUNSELLOR
    await app.desk.delivery_failed(item, "refused")
    told = app.cases.row(f"nd:{item.id}")
    assert (told.chat_id, told.relay) == (ALICE[1], Relay.NOTICE_USER)
    assert told.notice == Say(app.engine.text("en", "handoff.relay_refused"))


async def test_what_fails_after_a_case_closed_is_not_reported(app: App) -> None:
    case = await app.assigned_case(A, *ALICE, "en")
    await app.desk.relay(A, 83, Incoming(323, "text", "bye"), "uk")
    await app.desk.close(A, case.id, CaseOutcome.OTHER, "uk")
    before = len(app.cases.outbox)
    await app.desk.delivery_failed(app.cases.queued("c83"), "blocked")
    await app.desk.delivery_failed(app.cases.queued("c83"), "refused")
    assert len(app.cases.outbox) == before
    assert app.cases.cases[case.id].person_blocked is False


async def test_a_held_message_released_on_take_goes_to_the_counsellor_pending(app: App) -> None:
    case = await app.waiting_case(*ALICE, "en")
    await app.person.relay(case, 13, Incoming(23, "text", "waiting"))
    assert app.cases.row("u13:0").status is Slot.HELD
    await app.counsellor(A)
    await app.desk.take(case.id, A, "uk")
    row = app.cases.row("u13:0")
    assert (row.status, row.chat_id) == (Slot.PENDING, A)
