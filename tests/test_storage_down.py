"""With the database down the bot still answers, and says so when it cannot do what was asked."""

from __future__ import annotations

import pytest

from bot.db.errors import StorageError
from bot.domain.dialogue import ForgetMe, Outcome
from bot.wiring import Perevir


async def test_forget_with_the_database_down_says_nothing_was_erased_and_to_try_again(
    perevir: Perevir, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(*_args: object) -> None:
        raise StorageError("OperationalError")

    monkeypatch.setattr(perevir.people, "forget", down)
    replies = await perevir.conversation.record("someone", Outcome([], [ForgetMe()]), "en", 42)
    [reply] = replies
    assert reply.text == perevir.knowledge.dialogue.text("en", "handoff.forget_failed")


async def test_with_the_database_down_the_check_an_advert_mode_is_kept(
    perevir: Perevir, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(*_args: object) -> None:
        raise StorageError("OperationalError")

    dialogue = perevir.knowledge.dialogue
    await perevir.conversation.record("someone", dialogue.action("lang:en", None, 30), None, 42)
    monkeypatch.setattr(perevir.people, "state", down)
    monkeypatch.setattr(perevir.people, "set_state", down)
    asked = dialogue.action("menu:check", "en", 30)
    await perevir.conversation.record("someone", asked, "en", 42)
    language, state = await perevir.conversation.user_state("someone")
    advert = (
        "Warehouse job in Poland, 3000 EUR, we keep your passport for registration, "
        "pay 200 EUR for the visa to our manager, leave tomorrow, no contract needed"
    )
    [card, *_] = dialogue.message(advert, language, state, False).replies
    assert language == "en"
    assert dialogue.text("en", "risk.level.high") in card.text
