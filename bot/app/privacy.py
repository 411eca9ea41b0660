"""Erasure (/forget) and retention: what the bot must not keep."""

from __future__ import annotations

import datetime as dt
import logging

from bot.app.case_texts import CaseTexts
from bot.app.memory import Memory
from bot.app.ports import Cases, People, StorageFailure
from bot.domain.cases import Status
from bot.domain.notices import Delete, Outgoing, Relay

log = logging.getLogger(__name__)
INBOX_DAYS = 7
"""Handled updates are kept this long (only their ids; the text is erased once handled)."""


class Privacy:
    """The person's right to be forgotten, and the retention limits."""

    def __init__(
        self, people: People, cases: Cases, texts: CaseTexts, memory: Memory, retention_days: int
    ) -> None:
        self.people = people
        self.cases = cases
        self.texts = texts
        self.memory = memory
        self.retention_days = retention_days

    async def forget(self, user_key: str, chat_id: int) -> int:
        """Erase the person from cases, the outbox, the users and memory; tell counsellors of
        open cases; delete recent bot messages in the chat and the copies of the person's
        messages in counsellors' chats. Returns how many messages the person's chat loses."""
        plan = await self.cases.erasure_plan(user_key)
        items: list[Outgoing] = []
        for case in plan.open_cases:
            if case.counsellor_id:
                items.append(
                    await self.texts.to_counsellor(
                        case, "counsellor.user_forgot", f"forget:{case.id}"
                    )
                )
            elif case.status is Status.WAITING:
                items.append(self.texts.card_ended(case))
        stamp = self.texts.now().timestamp()
        items += [
            Outgoing(f"del:{stamp}:{n}", chat_id, Delete(m), Relay.DELETE)
            for n, m in enumerate(plan.deletable)
        ]
        items += [
            Outgoing(f"delc:{stamp}:{n}", chat, Delete(m), Relay.DELETE)
            for n, (chat, m) in enumerate(plan.copies)
        ]
        # One write: a failure erases nothing, so "nothing was erased yet, try again" is true.
        await self.cases.forget_user(user_key, chat_id, then=items)
        await self.people.forget(user_key)
        await self.memory.forget(user_key)
        return len(plan.deletable)

    async def purge_old(self) -> None:
        """Apply the retention limits (case messages, outbox, inbox, sent-message ids)."""
        try:
            await self.cases.purge(dt.timedelta(days=self.retention_days))
            await self.people.purge_inbox(dt.timedelta(days=INBOX_DAYS))
            if self.memory.held is not None:
                await self.memory.held.purge_held(self.memory.clock())
        except StorageFailure as exc:
            log.warning("retention purge failed (%s)", type(exc).__name__)
