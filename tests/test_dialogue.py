"""The conversation engine with the real content: every command and button has words."""

from __future__ import annotations

import pytest

from bot.domain import states
from bot.domain.dialogue import AdvertChecked, FaqMiss, SetLanguage, SetState
from bot.knowledge import Knowledge

COMMANDS = ["start", "language", "help", "privacy", "hotlines", "nonsense"]
ACTIONS = [
    "lang:uk",
    "lang:en",
    "menu:ask",
    "menu:check",
    "menu:counsellor",
    "menu:hotlines",
    "faq:passport-safekeeping",
    "fb:passport-safekeeping:1",
    "fb:unknown:0",
    "stale-button",
    "handoff:advert",
]


@pytest.mark.parametrize("lang", ["uk", "en", None])
@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_answers_in_every_language(
    knowledge: Knowledge, name: str, lang: str | None
) -> None:
    outcome = knowledge.dialogue.command(name, lang, 30)
    assert outcome.replies and all(r.text.strip() for r in outcome.replies)


@pytest.mark.parametrize("lang", ["uk", "en"])
@pytest.mark.parametrize("action", ACTIONS)
def test_every_button_answers_or_hands_over(knowledge: Knowledge, action: str, lang: str) -> None:
    outcome = knowledge.dialogue.action(action, lang, 30)
    if action.startswith(("handoff:", "menu:counsellor")):
        assert [type(e).__name__ for e in outcome.events] == ["SetState", "AskForHuman"]
        return
    assert outcome.replies and all(r.text.strip() for r in outcome.replies)


def test_choosing_a_language_saves_it_and_shows_privacy_then_menu(knowledge: Knowledge) -> None:
    outcome = knowledge.dialogue.action("lang:en", None, 30)
    assert outcome.events == [SetState(None), SetLanguage("en")]  # a button leaves any mode
    assert "not end-to-end encrypted" in outcome.replies[1].text
    assert next(b.action for row in outcome.replies[2].buttons for b in row) == "menu:ask"


def test_a_miss_is_counted_without_its_text(knowledge: Knowledge) -> None:
    outcome = knowledge.dialogue.question("who won the football game last night", "en")
    misses = [e for e in outcome.events if isinstance(e, FaqMiss)]
    assert len(misses) == 1 and misses[0].lang == "en"
    assert "football" not in repr(misses[0])


def test_check_a_job_offer_waits_for_the_advert_then_checks_it(knowledge: Knowledge) -> None:
    outcome = knowledge.dialogue.action("menu:check", "en", 30)
    assert SetState(states.AWAITING_ADVERT) in outcome.events
    advert = (
        "Warehouse in Germany, 3000 EUR net, no experience, no German. Passport stays with "
        "our coordinator. Pay 150 EUR for documents. Departure tomorrow! Viber only."
    )
    result = knowledge.dialogue.message(advert, "en", states.AWAITING_ADVERT)
    assert "High risk" in result.replies[0].text
    checked = [e for e in result.events if isinstance(e, AdvertChecked)]
    assert checked and checked[0].level == "high" and "document_retention" in checked[0].flags
    assert SetState(None) in result.events


def test_a_short_text_when_an_advert_is_expected_says_so_and_leaves_the_mode(
    knowledge: Knowledge,
) -> None:
    result = knowledge.dialogue.message("job in Poland", "en", states.AWAITING_ADVERT)
    assert result.replies[0].text == knowledge.dialogue.text("en", "risk.too_short")
    assert result.events == [SetState(None)]  # one use; its button starts the mode again
    assert "menu:check" in [b.action for row in result.replies[0].buttons for b in row]


def test_a_forwarded_message_is_checked_as_an_advert(knowledge: Knowledge) -> None:
    text = "Привіт! Є робота в Чехії на складі, 2000 євро, житло безкоштовно, виїзд завтра, пиши"
    result = knowledge.dialogue.message(text, "uk", None, forwarded=True)
    assert "Перевірка" in result.replies[0].text or "ризик" in result.replies[0].text.lower()


def test_evidence_from_the_advert_is_escaped_for_telegram_html(knowledge: Knowledge) -> None:
    advert = (
        "<b>Girls</b> 18-25 <i>hostess</i> in Dubai & Abu Dhabi, 5000$ a month, flight paid, "
        "passport kept by the manager, write in WhatsApp <a href='x'>here</a>"
    )
    card = knowledge.dialogue.message(advert, "en", states.AWAITING_ADVERT).replies[0].text
    assert "<a href='x'>" not in card
    assert "&lt;" in card or "<b>Girls</b>" not in card
