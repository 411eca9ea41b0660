"""Every state, driven with every kind of input: the state that follows (states.mmd)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from bot.domain import states
from bot.domain.dialogue import ConsentGiven, Dialogue, ForgetMe, Outcome, SetState
from bot.knowledge import Knowledge

ADVERT = (
    "Робота на складі в Німеччині, зарплата 2500 євро на місяць, житло безкоштовно, без досвіду "
    "і без договору, паспорт залишаєте координатору, пишіть у вайбер +48 123 456 789, виїзд "
    "цього тижня, оплата візи 300 євро наперед"
)
Input = Callable[[Dialogue, str | None], Outcome]
INPUTS: dict[str, Input] = {
    "a short text": lambda d, s: d.message("склад Польща", "uk", s),
    "an advert": lambda d, s: d.message(ADVERT, "uk", s),
    "a question": lambda d, s: d.message("чи можна працювати по безвізу в Польщі?", "uk", s),
    "a story": lambda d, s: d.message(
        "Я заплатив агенту 500 євро, а він мене заблокував. Що мені робити?", "uk", s
    ),
    "a request for a person": lambda d, s: d.message("хочу поговорити з людиною", "uk", s),
    "small talk": lambda d, s: d.message("дякую", "uk", s),
    "/start": lambda d, s: d.command("start", "uk", 30),
    "/help": lambda d, s: d.command("help", "uk", 30),
    "/forget": lambda d, s: d.command("forget", "uk", 30),
    "an unknown command": lambda d, s: d.command("", "uk", 30),
    "the ask button": lambda d, s: d.action("menu:ask", "uk", 30),
    "the check button": lambda d, s: d.action("menu:check", "uk", 30),
    "the hotlines button": lambda d, s: d.action("menu:hotlines", "uk", 30),
    "the counsellor button": lambda d, s: d.action("menu:counsellor", "uk", 30),
    "a stale button": lambda d, s: d.action("nonsense:42", "uk", 30),
    "a sticker": lambda d, s: d.unsupported("sticker", "uk"),
    "a photo": lambda d, s: d.unsupported("media", "uk"),
    "an edit": lambda d, s: d.unsupported("edited", "uk"),
}
WAITING_KEEPS = {"a sticker", "a photo", "an edit"}
"""What the bot cannot read leaves the state as it was (it still waits for the advert's text)."""
STARTS_WAITING = {"the check button"}


def _after(state: str | None, outcome: Outcome) -> str | None:
    changes = [e.state for e in outcome.events if isinstance(e, SetState)]
    return changes[-1] if changes else state


@pytest.mark.parametrize(
    "state", [None, states.READY, states.AWAITING_ADVERT, states.ADVERT_WAIT_ENDED]
)
@pytest.mark.parametrize("kind", list(INPUTS))
def test_each_input_in_each_state_leads_to_the_documented_state(
    knowledge: Knowledge, state: str | None, kind: str
) -> None:
    after = _after(state, INPUTS[kind](knowledge.dialogue, state))
    if kind in STARTS_WAITING:
        assert after == states.AWAITING_ADVERT
    elif kind in WAITING_KEEPS:
        assert after == state
    else:  # every command, button and message ends a pending mode
        assert after != states.AWAITING_ADVERT


@pytest.mark.parametrize(("data", "event"), [("forget:yes", ForgetMe), ("ho:yes", ConsentGiven)])
def test_a_yes_to_a_question_asked_too_long_ago_is_not_acted_on_and_says_so(
    knowledge: Knowledge, data: str, event: type
) -> None:
    late = states.CONFIRM_TIMEOUT + dt.timedelta(seconds=1)
    outcome = knowledge.dialogue.action(data, "en", 30, asked_ago=late)
    assert not any(isinstance(e, event) for e in outcome.events)
    minutes = int(states.CONFIRM_TIMEOUT.total_seconds() // 60)
    assert outcome.replies[0].text == knowledge.dialogue.text(
        "en", "confirm.expired", minutes=minutes
    )
    in_time = knowledge.dialogue.action(data, "en", 30, asked_ago=dt.timedelta(minutes=1))
    assert any(isinstance(e, event) for e in in_time.events)


def test_a_no_is_taken_however_late(knowledge: Knowledge) -> None:
    late = states.CONFIRM_TIMEOUT * 4
    outcome = knowledge.dialogue.action("forget:no", "en", 30, asked_ago=late)
    assert outcome.replies[0].text == knowledge.dialogue.text("en", "handoff.forget_cancelled")


def test_a_wait_for_an_advert_begun_at_an_unknown_time_reads_as_ended() -> None:
    now = dt.datetime.now(dt.UTC)
    assert states.current(states.AWAITING_ADVERT, None, now) == states.ADVERT_WAIT_ENDED
    assert states.current(states.AWAITING_ADVERT, now, now) == states.AWAITING_ADVERT
