"""The counsellor's side of a hand-off: taking, writing to the person, /case, /cases,
/transfer, /close, and what Telegram would not deliver.

Answers to the counsellor come back as `StaffReply`; everything else goes to the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.case_texts import CaseTexts, escaped
from bot.app.person_handoff import Incoming, owns_case
from bot.app.ports import Cases
from bot.domain.cases import Case, CaseOutcome, Status
from bot.domain.language import staff_language
from bot.domain.notices import Copy, EditCard, Outgoing, Queued, Relay, Rows, Say


@dataclass(frozen=True)
class StaffReply:
    """What the bot answers a counsellor in private: text and rows of buttons."""

    text: str
    buttons: Rows = ()


class CounsellorDesk:
    """The use cases of counsellors."""

    def __init__(self, cases: Cases, texts: CaseTexts) -> None:
        self.cases = cases
        self.texts = texts

    def _t(self, lang: str, key: str, **params: object) -> str:
        return self.texts.t(lang, key, **params)

    async def seen(self, counsellor_id: int, telegram_language: str | None) -> str:
        """A counsellor wrote in private: remember they can be reached, and their language
        (the one rule: `staff_language`). Returns that language."""
        lang = staff_language(telegram_language)
        known = await self.cases.counsellor(counsellor_id)
        if known is None or not known.reachable or known.language != lang:
            await self.cases.counsellor_seen(counsellor_id, lang)
        return lang

    async def take(self, case_id: int, counsellor_id: int, lang: str) -> str:
        """A counsellor presses "Take": exactly one wins. Returns the callback answer."""
        case = await self.cases.get(case_id)
        if case is None:
            return self._t(lang, "counsellor.taken_by_other", tag="?")
        if case.status is Status.CLOSED:
            return self._t(lang, "counsellor.request_ended", tag=case.tag)
        known = await self.cases.counsellor(counsellor_id)
        if known is None or not known.reachable:
            return self._t(lang, "counsellor.start_private_first")
        person_lang = case.language
        name = escaped(self.texts.display_name(counsellor_id, person_lang))
        key = f"take:{case_id}:{counsellor_id}:{case.waiting_since}"
        in_group = self._t(person_lang, "counsellor.taken_in_group", tag=case.tag, name=name)
        items = [
            Outgoing(
                f"{key}:group",
                self.texts.group(),
                EditCard(in_group),
                Relay.CARD_EDIT,
                case_id=case_id,
            ),
            Outgoing(
                f"{key}:counsellor",
                counsellor_id,
                Say(self.texts.brief(case, lang), protect=True),
                Relay.NOTICE_COUNSELLOR,
                case_id=case_id,
            ),
            self.texts.to_person(
                case, f"{key}:user", self._t(person_lang, "handoff.taken", name=name)
            ),
        ]
        if not await self.cases.move(
            case_id,
            Status.WAITING,
            Status.ASSIGNED,
            counsellor_id=counsellor_id,
            then=items,
            release_held_to=counsellor_id,
        ):
            return self._t(lang, "counsellor.taken_by_other", tag=case.tag)
        return self._t(lang, "counsellor.taken_by_you", tag=case.tag)

    async def relay(
        self, counsellor_id: int, update_id: int, message: Incoming, lang: str
    ) -> StaffReply | None:
        """A counsellor's message goes to the person of the case it belongs to: the case of the
        message it replies to (or, for an edit, of the message it edits), the case chosen with
        /case, or their only case. With several cases and nothing to go by, it asks which."""
        case = None
        if message.edited:
            case = await self.cases.case_of_counsellor_message(counsellor_id, message.message_id)
        if case is None and message.reply_to is not None:
            case = await self.cases.case_of_counsellor_message(counsellor_id, message.reply_to)
        if case is None:
            mine = await self.cases.assigned_to(counsellor_id)
            chosen = await self._chosen(counsellor_id, mine)
            if chosen is not None:
                case = chosen
            elif len(mine) > 1:
                buttons = self.texts.choose_buttons(mine, message.message_id, lang)
                return StaffReply(self._t(lang, "counsellor.choose_case"), buttons)
            else:
                return StaffReply(self._t(lang, "counsellor.no_case_selected"))
        return await self._send_to_person(case, counsellor_id, update_id, message, lang)

    async def send_to(
        self, counsellor_id: int, case_id: int, message_id: int, lang: str, text: str | None = None
    ) -> StaffReply:
        """The counsellor chose the case for a message (a button of "which request?"); `text`
        is the message when no Telegram chat holds it (typed in the terminal)."""
        case = await self.cases.get(case_id)
        if case is None:
            return StaffReply(self._t(lang, "counsellor.no_case_selected"))
        message = Incoming(message_id, "text", text or "", copyable=text is None)
        failed = await self._send_to_person(
            case, counsellor_id, f"to:{case_id}:{message_id}", message, lang
        )
        return failed or StaffReply(self._t(lang, "counsellor.sent_to", tag=case.tag))

    async def _send_to_person(
        self, case: Case, counsellor_id: int, key: int | str, message: Incoming, lang: str
    ) -> StaffReply | None:
        if (
            not owns_case(case, counsellor=counsellor_id)
            or case.status is not Status.ASSIGNED
            or case.user_chat_id is None
        ):
            return StaffReply(self._refused(case, lang))
        if case.person_blocked:
            return StaffReply(self._t(lang, "counsellor.person_blocked", tag=case.tag))
        notice: Say | Copy
        if message.edited:
            notice = Say(self._t(case.language, "handoff.corrected", text=escaped(message.text)))
        elif message.copyable:
            notice = Copy(counsellor_id, message.message_id)
        else:  # typed in the terminal: no chat holds it to copy from
            notice = Say(escaped(message.text))
        await self.cases.enqueue(
            [
                Outgoing(
                    f"c{key}",
                    case.user_chat_id,
                    notice,
                    Relay.TO_USER,
                    case_id=case.id,
                    source=message.message_id,
                )
            ]
        )
        return None

    async def select(self, counsellor_id: int, tag: str, lang: str) -> str:
        """/case TAG: make plain messages go to that case."""
        case = await self.cases.by_tag(tag)
        if (
            case is None
            or not owns_case(case, counsellor=counsellor_id)
            or case.status is not Status.ASSIGNED
        ):
            return self._t(lang, "counsellor.no_case_selected")
        await self.cases.select(counsellor_id, case.id)
        return self._t(lang, "counsellor.selected", tag=case.tag)

    async def list_cases(self, counsellor_id: int, lang: str) -> str:
        """/cases: the counsellor's open cases."""
        cases = await self.cases.assigned_to(counsellor_id)
        if not cases:
            return self._t(lang, "counsellor.cases_none")
        lines = [self._t(lang, "counsellor.cases_heading")]
        lines += [self.texts.case_line(case, lang) for case in cases]
        return "\n".join(lines)

    async def _chosen(self, counsellor_id: int, mine: list[Case]) -> Case | None:
        """The case selected with /case, else the only one."""
        selected = await self.cases.selected(counsellor_id)
        chosen = [c for c in mine if c.id == selected]
        if chosen:
            return chosen[0]
        return mine[0] if len(mine) == 1 else None

    async def _case_arg(self, counsellor_id: int, tag: str) -> Case | None:
        if tag:
            case = await self.cases.by_tag(tag)
        else:
            case = await self._chosen(counsellor_id, await self.cases.assigned_to(counsellor_id))
        if (
            case is None
            or not owns_case(case, counsellor=counsellor_id)
            or case.status is not Status.ASSIGNED
        ):
            return None
        return case

    async def transfer(self, counsellor_id: int, tag: str, lang: str) -> str:
        """/transfer: back to the queue with a new card; the person is told."""
        case = await self._case_arg(counsellor_id, tag)
        if case is None:
            return self._t(lang, "counsellor.no_case_selected")
        stamp = self.texts.now().timestamp()
        notice = self.texts.to_person(
            case,
            f"transfer:{case.id}:{stamp}:user",
            self._t(case.language, "handoff.returned_to_queue"),
        )
        if not await self.cases.move(
            case.id,
            Status.ASSIGNED,
            Status.WAITING,
            only_counsellor=counsellor_id,
            then=[self.texts.card(case, f"transfer:{stamp}"), notice],
        ):
            return self._t(lang, "counsellor.no_case_selected")
        if await self.cases.selected(counsellor_id) == case.id:
            await self.cases.select(counsellor_id, None)
        return self._t(lang, "counsellor.transfer_done", tag=case.tag)

    async def close_prompt(self, counsellor_id: int, tag: str, lang: str) -> StaffReply:
        """/close: ask for the outcome."""
        case = await self._case_arg(counsellor_id, tag)
        if case is None:
            return StaffReply(self._t(lang, "counsellor.no_case_selected"))
        return StaffReply(
            self._t(lang, "counsellor.close_prompt", tag=case.tag),
            self.texts.outcome_buttons(case, lang),
        )

    async def close(self, counsellor_id: int, case_id: int, outcome: CaseOutcome, lang: str) -> str:
        """Record the outcome: close an assigned case (the person is told), or label an
        already-ended one."""
        case = await self.cases.get(case_id)
        if case is None or not owns_case(case, counsellor=counsellor_id):
            return self._refused(case, lang)
        label = self._t(lang, f"counsellor.outcome.{outcome.value}")
        if case.status is Status.CLOSED:
            await self.cases.record_outcome(case_id, outcome)
            return self._t(lang, "counsellor.closed", tag=case.tag, outcome=label)
        person_lang = case.language
        then = []
        if case.user_chat_id is not None and not case.person_blocked:
            then.append(
                self.texts.to_person(
                    case,
                    f"close:{case_id}:user",
                    self._t(person_lang, "handoff.ended_by_counsellor"),
                    (self.texts.useful_buttons(person_lang, case_id),),
                )
            )
        if not await self.cases.move(
            case_id,
            Status.ASSIGNED,
            Status.CLOSED,
            outcome=outcome,
            only_counsellor=counsellor_id,
            then=then,
        ):
            return self._t(lang, "counsellor.no_case_selected")
        if await self.cases.selected(counsellor_id) == case_id:
            await self.cases.select(counsellor_id, None)
        return self._t(lang, "counsellor.closed", tag=case.tag, outcome=label)

    async def delivery_failed(self, item: Queued, why: str) -> None:
        """Tell the side that was writing that Telegram will never deliver this item
        (`why`: "blocked" when the person blocked the bot, else "refused")."""
        case = await self.cases.get(item.case_id) if item.case_id else None
        if case is None or case.status is Status.CLOSED:
            return
        if why == "blocked":
            if case.counsellor_id and await self.cases.set_person_blocked(case.id, True):
                await self.cases.enqueue(
                    [
                        await self.texts.to_counsellor(
                            case, "counsellor.person_blocked", f"blocked:{item.id}"
                        )
                    ]
                )
        elif item.relay is Relay.TO_USER and case.counsellor_id:
            await self.cases.enqueue(
                [await self.texts.to_counsellor(case, "counsellor.not_delivered", f"nd:{item.id}")]
            )
        elif item.relay is Relay.TO_COUNSELLOR and case.user_chat_id is not None:
            text = self._t(case.language, "handoff.relay_refused")
            await self.cases.enqueue([self.texts.to_person(case, f"nd:{item.id}", text)])

    def _refused(self, case: Case | None, lang: str) -> str:
        """A counsellor acted on a case they do not hold."""
        return self._t(lang, "counsellor.not_your_case", tag=case.tag if case else "?")
