"""The person's conversation (`bot/app/conversation.py`) over in-memory fakes: what the engine
decided is stored, what may be shared is held, and the hand-off steps are carried out, whatever
storage does."""

from __future__ import annotations

import pytest

from bot.app.memory import SHARE_WINDOW_SECONDS
from bot.domain import states
from bot.domain.actions import Consent, EndCase, MenuItem, OpenMenu, RateAnswer, RateCase
from bot.domain.cases import Reason, SharedAdvert, SharedFlag, Status
from bot.domain.dialogue import AdvertChecked, AskForHuman, Outcome, SetLanguage, SetState
from bot.domain.dialogue_types import Reply
from bot.domain.notices import Relay, Say
from tests.support.fakes import App, actions, build, has_text, said

PERSON, CHAT = "person-1", 1001
COUNSELLOR = 501
ENTRY = "agency-fees"
"""An FAQ entry of the real content."""


@pytest.fixture
def app() -> App:
    """The use cases over fresh fakes."""
    return build()


async def press(app: App, data: str, lang: str | None = "en") -> list[str]:
    """The person presses a button: the engine decides, the conversation records; the texts of
    every reply, the engine's first."""
    outcome = app.engine.action(data, lang, 30)
    follow_up = await app.conversation.record(PERSON, outcome, lang, CHAT)
    return [r.text for r in outcome.replies + follow_up]


def checked(flags: tuple[str, ...], text: str = "Pay 300 EUR for the visa first") -> Outcome:
    """The engine's outcome of a checked advert (no risk model here)."""
    evidence = tuple(("300 EUR",) for _ in flags)
    return Outcome([], [AdvertChecked("en", "high", flags, "text", evidence, text)])


# ---- what is stored --------------------------------------------------------------------------
async def test_choosing_a_language_is_stored_and_remembered(app: App) -> None:
    texts = await press(app, "lang:en", None)
    assert said(texts[0], "language.set", "en")
    assert app.people.users[PERSON].language == "en"
    assert app.memory.recall(PERSON) == ("en", None)
    assert await app.conversation.user_state(PERSON) == ("en", None)


async def test_with_storage_down_the_language_and_mode_live_on_in_memory(app: App) -> None:
    app.people.fail()
    await press(app, "lang:en", None)
    await press(app, "menu:check")
    assert app.people.users == {}
    assert await app.conversation.user_state(PERSON) == ("en", states.AWAITING_ADVERT)
    assert await app.conversation.language(PERSON) == "en"


async def test_one_failed_write_does_not_stop_the_next(app: App) -> None:
    app.people.fail("set_state")
    outcome = Outcome([], [SetState(states.AWAITING_ADVERT), SetLanguage("en")])
    assert await app.conversation.record(PERSON, outcome, None, CHAT) == []
    assert app.people.users[PERSON].language == "en"
    assert app.memory.recall(PERSON) == ("en", states.AWAITING_ADVERT)


async def test_a_vote_on_an_answer_is_counted_without_text(app: App) -> None:
    [thanks] = await press(app, f"fb:{ENTRY}:1")
    assert said(thanks, "feedback.thanks", "en")
    assert app.people.feedback == [(PERSON, ENTRY, True, "en")]
    assert actions(app.engine.action(f"faq:{ENTRY}", "en", 30).replies[0].buttons) == [
        RateAnswer(ENTRY, True),
        RateAnswer(ENTRY, False),
    ]


async def test_an_unanswered_question_is_counted_and_shared_only_when_the_person_agrees(
    app: App,
) -> None:
    question = "Can my employer in Gdansk keep my diploma?"
    outcome = app.engine.question(question, "en")
    assert await app.conversation.record(PERSON, outcome, "en", CHAT) == []
    [miss] = app.people.misses.values()
    assert (miss.language, miss.shared_text) == ("en", None)
    texts = await press(app, "share:miss")
    assert said(texts[-1], "faq.shared", "en")
    assert miss.shared_text == question and miss.pseudonym is None


async def test_an_unanswered_question_is_not_shared_after_the_window(app: App) -> None:
    await app.conversation.record(
        PERSON, app.engine.question("Is a B2B contract ok?", "en"), "en", CHAT
    )
    app.clock.advance(seconds=SHARE_WINDOW_SECONDS + 1)
    texts = await press(app, "share:miss")
    assert said(texts[-1], "faq.share_expired", "en")
    assert [m.shared_text for m in app.people.misses.values()] == [None]


async def test_a_checked_advert_is_counted_without_its_text(app: App) -> None:
    await app.conversation.record(PERSON, checked(("fees_debt",)), "en", CHAT)
    await app.conversation.record(PERSON, checked(()), "en", CHAT)
    assert app.people.advert_checks == [
        ("en", "high", ("fees_debt",), "text"),
        ("en", "high", (), "text"),
    ]


async def test_an_advert_without_red_flags_is_not_held_for_a_counsellor(app: App) -> None:
    await app.conversation.record(PERSON, checked(()), "en", CHAT)
    assert await app.memory.advert(PERSON) is None


# ---- the hand-off through the engine -------------------------------------------------------
def is_consent(text: str) -> bool:
    """The consent question."""
    return has_text(text, "handoff.consent", "en")


async def test_the_whole_hand_off_through_the_engine(app: App) -> None:
    [consent] = await press(app, "menu:counsellor")
    assert is_consent(consent)
    [queued] = await press(app, "ho:yes")
    assert has_text(queued, "handoff.queued", "en")
    [case] = app.cases.cases.values()
    assert case.status is Status.WAITING and case.shared_advert is None
    await app.counsellor(COUNSELLOR)
    await app.desk.take(case.id, COUNSELLOR, "uk")
    ended, useful = await press(app, "end")
    assert said(ended, "handoff.ended_by_user", "en") and said(useful, "handoff.useful", "en")
    [thanks] = await press(app, f"hf:{case.id}:1")
    assert said(thanks, "handoff.useful_thanks", "en")
    assert app.cases.cases[case.id].useful is True


async def test_the_menus_counsellor_button_asks_for_consent_with_its_buttons(app: App) -> None:
    outcome = app.engine.action(OpenMenu(MenuItem.COUNSELLOR), "en", 30)
    assert outcome.events == [SetState(None), AskForHuman(Reason.USER_ASKED)]
    [consent] = await app.conversation.record(PERSON, outcome, "en", CHAT)
    assert actions(consent.buttons) == [Consent(True), Consent(False)]


async def test_declining_through_the_engine_closes_the_request(app: App) -> None:
    await press(app, "menu:counsellor")
    [declined] = await press(app, "ho:no")
    assert has_text(declined, "handoff.declined", "en")
    [case] = app.cases.cases.values()
    assert case.status is Status.CLOSED
    assert app.cases.outbox == []


async def test_a_held_advert_is_shared_only_with_consent_and_then_let_go(app: App) -> None:
    text = "Warehouse job, pay 300 EUR for the visa first"
    await app.conversation.record(PERSON, checked(("fees_debt",), text), "en", CHAT)
    held = await app.memory.advert(PERSON)
    assert held == SharedAdvert("high", text, (SharedFlag("fees_debt", ("300 EUR",)),))
    [consent] = await press(app, "handoff:advert")
    assert has_text(consent, "handoff.shared_advert", "en")
    [case] = app.cases.cases.values()
    assert (case.reason, case.shared_advert) == (Reason.RISKY_ADVERT, held)
    await press(app, "ho:yes")
    assert await app.memory.advert(PERSON) is None
    [card] = app.cases.rows(relay=Relay.CARD)
    flag = app.engine.text("en", "flags.fees_debt.name")
    assert isinstance(card.notice, Say)
    assert has_text(card.notice.text, "counsellor.card_flags", "en", flags=flag)


async def test_asking_for_a_counsellor_for_another_reason_shares_no_held_advert(app: App) -> None:
    await app.conversation.record(PERSON, checked(("fees_debt",)), "en", CHAT)
    await press(app, "menu:counsellor")
    [case] = app.cases.cases.values()
    assert case.shared_advert is None


async def test_end_with_nothing_open_gets_the_menu(app: App) -> None:
    outcome = app.engine.command("end", "en", 30)
    [menu] = await app.conversation.record(PERSON, outcome, "en", CHAT)
    assert menu == app.engine.menu("en")


async def test_rating_another_persons_case_through_the_engine_records_nothing(app: App) -> None:
    case = await app.assigned_case(COUNSELLOR, "someone-else", 2002, "en")
    await app.person.end("someone-else", "en")
    outcome = app.engine.action(RateCase(case.id, True), "en", 30)
    [menu] = await app.conversation.record(PERSON, outcome, "en", CHAT)
    assert menu == app.engine.menu("en")
    assert app.cases.cases[case.id].useful is None
    assert "rate" not in app.cases.calls


async def test_without_a_counsellors_group_asking_says_counsellors_are_not_available(
    app: App,
) -> None:
    app = build(group=None)
    [unavailable] = await press(app, "menu:counsellor")
    assert has_text(unavailable, "not_built.counsellor", "en")
    assert app.cases.cases == {}


@pytest.mark.parametrize("data", ["ho:yes", "ho:no", "end", "hf:1:1"])
async def test_without_a_counsellors_group_hand_off_buttons_get_the_menu(
    app: App, data: str
) -> None:
    app = build(group=None)
    outcome = app.engine.action(data, "en", 30)
    assert await app.conversation.record(PERSON, outcome, "en", CHAT) == [app.engine.menu("en")]
    assert app.cases.calls == []


async def test_a_hand_off_step_with_storage_down_raises_nothing_and_opens_nothing(
    app: App,
) -> None:
    app.cases.fail()
    for data in ("menu:counsellor", "ho:yes", "end", "hf:1:1"):
        replies = await press(app, data)
        # never silence: the person is told it failed, with the phone lines
        assert replies == [app.engine.error("en", "errors.internal").text], data
    assert app.cases.cases == {} and app.cases.outbox == []


async def test_end_before_agreeing_closes_the_request_and_shows_the_menu(app: App) -> None:
    await press(app, "menu:counsellor")
    [case] = app.cases.cases.values()
    assert await press(app, "end") == [app.engine.menu("en").text]
    assert app.cases.cases[case.id].status is Status.CLOSED
    assert app.cases.outbox == []  # no card, and no "was it useful?"


async def test_during_a_case_start_offers_the_end_button(app: App) -> None:
    await press(app, "menu:counsellor")
    await press(app, "ho:yes")
    [reply] = await app.person.during_case(PERSON, "en") or []
    assert actions(reply.buttons) == [EndCase()]


async def test_all_the_warning_signs_come_from_the_advert_just_checked(app: App) -> None:
    await app.conversation.record(PERSON, checked(("fees_debt", "document_retention")), "en", CHAT)
    [details] = await press_replies(app, "risk:details")
    assert details.text.count("\n  <i>") == 2  # each sign with its advice
    assert app.engine.text("en", "flags.fees_debt.name") in details.text
    app.clock.advance(seconds=SHARE_WINDOW_SECONDS + 1)
    [gone] = await press_replies(app, "risk:details")
    assert said(gone.text, "risk.details_expired", "en")


async def press_replies(app: App, data: str) -> list[Reply]:
    """The replies to a button press (the engine's and the conversation's)."""
    outcome = app.engine.action(data, "en", 30)
    return outcome.replies + await app.conversation.record(PERSON, outcome, "en", CHAT)
