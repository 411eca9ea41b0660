"""With the database down the bot still answers, and says so when it cannot do what was asked."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from bot.domain.dialogue import HandoffEvent, Outcome
from bot.services import Services


async def test_forget_with_the_database_down_says_nothing_was_erased_and_to_try_again(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(*_args: object) -> None:
        raise OperationalError("DELETE", {}, Exception("database is locked"))

    monkeypatch.setattr(services.repository, "forget", down)
    replies = await services.store("someone", Outcome([], [HandoffEvent("forget")]), "en", 42)
    [reply] = replies
    assert reply.text == services.brain.dialogue.text("en", "handoff.forget_failed")
