"""The person's side of a hand-off (`bot/app/person_handoff.py`) over in-memory fakes: asking,
consent, the waiting card, writing while a case is open, ending, rating."""

from __future__ import annotations

import dataclasses

import pytest

from bot.app.person_handoff import Incoming, owns_case
from bot.domain.actions import CloseCase, Consent, EndCase, RateCase, TakeCase
from bot.domain.cases import CaseOutcome, Reason, SharedAdvert, SharedFlag, Status, open_case
from bot.domain.notices import Copy, EditCard, Relay, Say
from tests.support.fakes import GROUP, NOW, App, Slot, actions, build, has_text, is_text, said

PERSON = "person-1"
CHAT = 1001
COUNSELLOR = 501


@pytest.fixture
def app() -> App:
    """The use cases over fresh fakes."""
    return build()


async def test_a_request_asks_for_consent_and_shares_nothing_yet(app: App) -> None:
    [consent] = await app.person.request(PERSON, CHAT, "en", Reason.USER_ASKED, None)
    shared = app.engine.text("en", "handoff.shared_question")
    assert said(consent.text, "handoff.consent", "en", shared=shared)
    assert actions(consent.buttons) == [Consent(True), Consent(False)]
    [case] = app.cases.cases.values()
    assert (case.status, case.reason, case.language) == (Status.REQUESTED, Reason.USER_ASKED, "en")
    assert (case.user_pseudonym, case.user_chat_id) == (PERSON, CHAT)
    assert app.cases.outbox == []


async def test_a_request_about_an_advert_says_the_advert_and_its_flags_are_shared(
    app: App,
) -> None:
    flags = (SharedFlag("document_retention"), SharedFlag("fees_debt"))
    advert = SharedAdvert("high", "Work in Poland, passport kept", flags)
    [consent] = await app.person.request(PERSON, CHAT, "en", Reason.RISKY_ADVERT, advert)
    assert has_text(consent.text, "handoff.shared_both", "en")
    assert has_text(consent.text, "handoff.shared_advert", "en")
    names = ", ".join(app.engine.text("en", f"flags.{f.id}.name") for f in flags)
    assert has_text(consent.text, "handoff.consent_flags", "en", flags=names)
    [case] = app.cases.cases.values()
    assert case.shared_advert == advert


async def test_asking_again_before_consent_replaces_the_request(app: App) -> None:
    await app.person.request(PERSON, CHAT, "uk", Reason.FAQ_MISS, None)
    await app.person.request(PERSON, CHAT, "uk", Reason.USER_ASKED, None)
    first, second = app.cases.cases.values()
    assert first.status is Status.CLOSED
    assert (second.status, second.reason) == (Status.REQUESTED, Reason.USER_ASKED)


async def test_asking_again_while_waiting_says_already_waiting_with_the_end_button(
    app: App,
) -> None:
    case = await app.waiting_case(PERSON, CHAT, "en")
    [reply] = await app.person.request(PERSON, CHAT, "en", Reason.USER_ASKED, None)
    assert said(reply.text, "handoff.already_waiting", "en")
    assert actions(reply.buttons) == [EndCase()]
    assert list(app.cases.cases) == [case.id]


async def test_agreeing_queues_the_case_and_posts_one_card_with_take(app: App) -> None:
    await app.person.request(PERSON, CHAT, "en", Reason.USER_ASKED, None)
    [reply] = await app.person.agree(PERSON, "en", app.engine.hotlines("en"))
    assert has_text(reply.text, "handoff.queued", "en")
    assert has_text(reply.text, "handoff.hours", "en", hours=app.engine.text("en", "hours.text"))
    assert actions(reply.buttons) == [EndCase()]
    [case] = app.cases.cases.values()
    assert (case.status, case.waiting_since, case.counsellor_id) == (
        Status.WAITING,
        app.clock.now,
        None,
    )
    [card] = app.cases.outbox
    assert (card.chat_id, card.relay, card.case_id, card.status) == (
        GROUP,
        Relay.CARD,
        case.id,
        Slot.PENDING,
    )
    assert isinstance(card.notice, Say)
    assert is_text(card.notice.text, "counsellor.card", "en", tag=case.tag, language="en")
    assert actions(card.notice.buttons) == [TakeCase(case.id)]


async def test_the_card_is_in_the_persons_language_whatever_the_counsellors(app: App) -> None:
    await app.counsellor(COUNSELLOR, "en")
    case = await app.waiting_case(PERSON, CHAT, "uk")
    [card] = app.cases.rows(relay=Relay.CARD)
    assert isinstance(card.notice, Say)
    reason = app.engine.text("uk", "counsellor.reasons.user_asked")
    assert is_text(card.notice.text, "counsellor.card", "uk", tag=case.tag, reason=reason)


async def test_agreeing_out_of_hours_adds_the_hotlines(app: App) -> None:
    app.clock.advance(days=5)  # Saturday
    await app.person.request(PERSON, CHAT, "en", Reason.USER_ASKED, None)
    hotlines = app.engine.hotlines("en")
    queued, closed = await app.person.agree(PERSON, "en", hotlines)
    assert has_text(queued.text, "handoff.queued", "en")
    assert has_text(closed.text, "handoff.out_of_hours", "en")
    assert closed.text.endswith(hotlines.text)


async def test_agreeing_twice_posts_one_card(app: App) -> None:
    await app.waiting_case(PERSON, CHAT, "en")
    [reply] = await app.person.agree(PERSON, "en", app.engine.hotlines("en"))
    assert said(reply.text, "handoff.already_waiting", "en")
    assert len(app.cases.rows(relay=Relay.CARD)) == 1


async def test_agreeing_without_a_request_posts_nothing(app: App) -> None:
    [reply] = await app.person.agree(PERSON, "en", app.engine.hotlines("en"))
    assert said(reply.text, "handoff.already_waiting", "en")
    assert app.cases.outbox == []


async def test_declining_closes_the_request_and_offers_the_hotlines(app: App) -> None:
    await app.person.request(PERSON, CHAT, "en", Reason.USER_ASKED, None)
    hotlines = app.engine.hotlines("en")
    [reply] = await app.person.decline(PERSON, "en", hotlines)
    assert has_text(reply.text, "handoff.declined", "en")
    assert reply.text.endswith(hotlines.text)
    [case] = app.cases.cases.values()
    assert (case.status, case.outcome, case.closed_at) == (
        Status.CLOSED,
        CaseOutcome.OTHER,
        app.clock.now,
    )
    assert app.cases.outbox == []


async def test_ending_while_waiting_edits_the_card_without_take_and_asks_if_it_helped(
    app: App,
) -> None:
    case = await app.waiting_case(PERSON, CHAT, "en")
    ended, useful = await app.person.end(PERSON, "en")
    assert said(ended.text, "handoff.ended_by_user", "en")
    assert said(useful.text, "handoff.useful", "en")
    assert actions(useful.buttons) == [RateCase(case.id, True), RateCase(case.id, False)]
    [edit] = app.cases.rows(relay=Relay.CARD_EDIT)
    assert (edit.chat_id, edit.case_id) == (GROUP, case.id)
    assert edit.notice == EditCard(app.engine.text("en", "counsellor.card_ended", tag=case.tag))
    assert app.cases.rows(relay=Relay.NOTICE_COUNSELLOR) == []
    closed = app.cases.cases[case.id]
    assert (closed.status, closed.user_chat_id, closed.user_pseudonym) == (
        Status.CLOSED,
        None,
        PERSON,
    )


async def test_ending_while_assigned_tells_the_counsellor_with_outcome_buttons(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    ended, _useful = await app.person.end(PERSON, "en")
    assert said(ended.text, "handoff.ended_by_user", "en")
    notice = app.cases.row(f"end:{case.id}")
    assert (notice.chat_id, notice.relay) == (COUNSELLOR, Relay.NOTICE_COUNSELLOR)
    assert isinstance(notice.notice, Say)
    assert said(notice.notice.text, "counsellor.user_ended", "uk", tag=case.tag)
    assert actions(notice.notice.buttons) == [CloseCase(case.id, o) for o in CaseOutcome]
    assert not [r for r in app.cases.rows(relay=Relay.CARD_EDIT) if r.key.startswith("ended:")]
    assert app.cases.cases[case.id].status is Status.CLOSED


async def test_ending_tells_the_counsellor_in_their_own_language(app: App) -> None:
    await app.counsellor(COUNSELLOR, "en-GB")
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "uk")
    await app.person.end(PERSON, "uk")
    notice = app.cases.row(f"end:{case.id}")
    assert isinstance(notice.notice, Say)
    assert said(notice.notice.text, "counsellor.user_ended", "en", tag=case.tag)


async def test_ending_with_nothing_open_gives_no_reply(app: App) -> None:
    assert await app.person.end(PERSON, "en") == []
    assert app.cases.outbox == []


async def test_the_person_rates_their_own_case(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    await app.person.end(PERSON, "en")
    [thanks] = await app.person.rate(case.id, False, "en", PERSON)
    assert said(thanks.text, "handoff.useful_thanks", "en")
    assert app.cases.cases[case.id].useful is False


async def test_rating_another_persons_case_gets_the_menu_and_records_nothing(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    await app.person.end(PERSON, "en")
    [menu] = await app.person.rate(case.id, True, "en", "someone-else")
    assert menu == app.engine.menu("en")
    assert app.cases.cases[case.id].useful is None
    assert "rate" not in app.cases.calls


async def test_during_a_case_start_explains_and_offers_the_end_button(app: App) -> None:
    await app.person.request(PERSON, CHAT, "en", Reason.USER_ASKED, None)
    assert await app.person.during_case(PERSON, "en") is None  # not yet agreed
    await app.person.agree(PERSON, "en", app.engine.hotlines("en"))
    [reply] = await app.person.during_case(PERSON, "en") or []
    assert said(reply.text, "handoff.during_case", "en")
    assert actions(reply.buttons) == [EndCase()]
    assert await app.person.during_case("nobody", "en") is None


def test_only_the_person_of_a_case_or_its_counsellor_owns_it() -> None:
    case = dataclasses.replace(
        open_case(Reason.USER_ASKED, "uk", NOW), id=1, user_pseudonym=PERSON, counsellor_id=7
    )
    assert owns_case(case, person=PERSON) and owns_case(case, counsellor=7)
    assert not owns_case(case, person="other") and not owns_case(case, counsellor=8)
    assert not owns_case(case) and not owns_case(case, person=PERSON, counsellor=7)
    assert not owns_case(None, person=PERSON)
    erased = dataclasses.replace(case, user_pseudonym=None)
    assert not owns_case(erased, person=PERSON)


# ---- what the person writes during a case ----------------------------------------------------
async def test_what_the_person_writes_while_waiting_is_held_until_a_counsellor_takes_it(
    app: App,
) -> None:
    case = await app.waiting_case(PERSON, CHAT, "en")
    await app.person.relay(case, 77, Incoming(9, "text", "I was <promised> a job & a flat"))
    [held] = app.cases.rows(relay=Relay.TO_COUNSELLOR)
    assert (held.status, held.chat_id, held.item.source) == (Slot.HELD, 0, 9)
    assert isinstance(held.notice, Say) and held.notice.protect
    header = app.engine.text("uk", "counsellor.relayed_header", tag=case.tag)
    assert held.notice.text == f"{header} I was &lt;promised&gt; a job &amp; a flat"
    await app.counsellor(COUNSELLOR)
    await app.desk.take(case.id, COUNSELLOR, "uk")
    assert (held.status, held.chat_id) == (Slot.PENDING, COUNSELLOR)


async def test_what_the_person_writes_while_assigned_goes_straight_to_the_counsellor(
    app: App,
) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    await app.person.relay(case, 78, Incoming(10, "text", "hello"))
    row = app.cases.row("u78:0")
    assert (row.status, row.chat_id, row.relay, row.case_id) == (
        Slot.PENDING,
        COUNSELLOR,
        Relay.TO_COUNSELLOR,
        case.id,
    )


async def test_a_message_written_as_the_case_is_taken_is_released_too(app: App) -> None:
    stale = await app.waiting_case(PERSON, CHAT, "en")
    await app.counsellor(COUNSELLOR)
    await app.desk.take(stale.id, COUNSELLOR, "uk")  # taken while the person's update ran
    await app.person.relay(stale, 79, Incoming(11, "text", "are you there?"))
    row = app.cases.row("u79:0")
    assert (row.status, row.chat_id) == (Slot.PENDING, COUNSELLOR)


async def test_a_photo_is_copied_with_the_tagged_caption(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    await app.person.relay(case, 80, Incoming(12, "photo", "my contract"))
    header = app.engine.text("uk", "counsellor.relayed_header", tag=case.tag)
    assert app.cases.row("u80:0").notice == Copy(CHAT, 12, f"{header} my contract", protect=True)


async def test_a_sticker_is_a_tagged_line_then_the_copy(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    await app.person.relay(case, 81, Incoming(13, "sticker"))
    line, copy = app.cases.rows(case_id=case.id)[-2:]
    header = app.engine.text("uk", "counsellor.relayed_header", tag=case.tag)
    assert (line.relay, line.notice) == (Relay.NOTICE_COUNSELLOR, Say(header, protect=True))
    assert (copy.relay, copy.notice) == (Relay.TO_COUNSELLOR, Copy(CHAT, 13, protect=True))


async def test_a_location_is_written_out_with_its_coordinates(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    await app.person.relay(case, 82, Incoming(14, "location", location=(52.2297, 21.01222)))
    line = app.cases.row("u82:0")
    assert isinstance(line.notice, Say)
    where = app.engine.text("uk", "counsellor.location", latitude="52.22970", longitude="21.01222")
    assert line.notice.text.endswith(where)
    assert app.cases.row("u82:1").notice == Copy(CHAT, 14, protect=True)


async def test_an_edit_by_the_person_reaches_the_counsellor_as_a_correction(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    await app.person.relay(case, 83, Incoming(15, "text", "fixed", edited=True))
    row = app.cases.row("u83:0")
    header = app.engine.text("uk", "counsellor.edited_header", tag=case.tag)
    assert (row.relay, row.notice) == (
        Relay.NOTICE_COUNSELLOR,
        Say(f"{header} fixed", protect=True),
    )


async def test_writing_again_after_blocking_the_bot_clears_the_blocked_mark(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    await app.cases.set_person_blocked(case.id, True)
    await app.person.relay(app.cases.cases[case.id], 84, Incoming(16, "text", "back"))
    assert app.cases.cases[case.id].person_blocked is False


async def test_a_replayed_update_is_relayed_once(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, PERSON, CHAT, "en")
    for _ in range(2):
        await app.person.relay(case, 85, Incoming(17, "text", "once"))
    assert len(app.cases.rows(relay=Relay.TO_COUNSELLOR)) == 1
