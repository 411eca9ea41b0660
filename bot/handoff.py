"""The hand-off to counsellors: requests, consent, taking, relaying, ending, erasure.

Telegram-free: replies to the person come back as values; everything else the bot must send
(cards, relays, notices, deletions) is written to the outbox first and sent from there.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.db.cases_repo import CaseRepository, to_case
from bot.db.models import CaseRecord, OutboxItem, OutboxStatus, Relay, utcnow
from bot.domain.actions import CloseCase, Consent, EndCase, RateCase, SendTo, TakeCase
from bot.domain.cases import CaseOutcome, Reason, Status, open_case, waiting_time
from bot.domain.dialogue import Dialogue
from bot.domain.dialogue_types import Button, Reply
from bot.domain.language import ui_language

log = logging.getLogger(__name__)
CAPTIONED = frozenset({"photo", "video", "document", "audio", "voice", "animation"})


@dataclass(frozen=True)
class Incoming:
    """What someone sent, as much as relaying needs."""

    message_id: int
    kind: str
    """text, photo, video, document, audio, voice, animation, sticker, location, contact, ..."""
    text: str = ""
    """The text, or the caption of media."""
    edited: bool = False
    reply_to: int | None = None


def keyboard(rows: list[tuple[Button, ...]]) -> dict[str, Any]:
    """An inline keyboard in the Bot API's JSON shape, for outbox items."""
    return {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.action} for b in row] for row in rows
        ]
    }


@dataclass(frozen=True)
class StaffReply:
    """What the bot answers a counsellor in private: text and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()


def _html(text: str) -> str:
    return html.escape(text, quote=False)


def owns_case(
    record: CaseRecord | None, *, person: str | None = None, counsellor: int | None = None
) -> bool:
    """The one ownership rule of case-scoped actions (buttons and commands about one case).

    A person acts only on their own case: its pseudonym is theirs (erased cases have none, so
    nobody owns them). A counsellor acts only on a case they hold: it is assigned to them, or
    was when it ended (a transfer back to the queue lets go of it). Say who pressed: `person`
    (pseudonym) or `counsellor` (Telegram id). Taking a waiting case is the one case action
    open to every counsellor; the person's `end` and consent buttons act on the presser's own
    open case, found by their pseudonym.
    """
    if record is None or (person is None) == (counsellor is None):
        return False
    if person is not None:
        return record.user_pseudonym is not None and record.user_pseudonym == person
    return record.counsellor_id is not None and record.counsellor_id == counsellor


class Handoff:
    """The counsellor side of the bot, on top of the case repository and the outbox."""

    def __init__(
        self,
        repo: CaseRepository,
        dialogue: Callable[[], Dialogue],
        group_chat_id: int | None,
        counsellors: dict[int, str],
    ) -> None:
        self.repo = repo
        self._dialogue = dialogue
        self.group_chat_id = group_chat_id
        self.counsellors = counsellors

    @property
    def enabled(self) -> bool:
        """Whether a counsellors' group is configured."""
        return self.group_chat_id is not None

    def t(self, lang: str | None, key: str, **params: object) -> str:
        """A UI string."""
        return self._dialogue().text(ui_language(lang), key, **params)

    def display_name(self, counsellor_id: int, lang: str) -> str:
        """What the person sees of a counsellor: a configured display name, never the account."""
        return self.counsellors.get(counsellor_id) or self.t(lang, "handoff.default_name")

    async def staff_lang(self, counsellor_id: int | None) -> str:
        """The language of a counsellor's texts, as last seen from them (Ukrainian if unknown)."""
        known = await self.repo.counsellor(counsellor_id) if counsellor_id else None
        return known.language if known is not None else "uk"

    # ---- the person's side ---------------------------------------------------------------
    async def request(
        self, user_key: str, chat_id: int, lang: str, reason: Reason, advert: dict[str, Any] | None
    ) -> list[Reply]:
        """Ask for consent before anything is shared."""
        current = await self.repo.open_for_user(user_key)
        if current is not None and current.status != Status.REQUESTED.value:
            return [Reply(self.t(lang, "handoff.already_waiting"), self._end_button(lang))]
        if current is not None:
            await self.repo.move(current.id, Status.REQUESTED, Status.CLOSED)
        shared = self.t(lang, "handoff.shared_question")
        if advert is not None:
            shared = self.t(
                lang,
                "handoff.shared_both",
                first=shared,
                second=self.t(lang, "handoff.shared_advert"),
            )
        case = open_case(reason, lang, utcnow())
        await self.repo.create(case, user_key, chat_id, advert)
        text = self.t(lang, "handoff.consent", shared=shared)
        if advert is not None:
            flags = ", ".join(self.t(lang, f"flags.{f['id']}.name") for f in advert["flags"])
            text += f"\n\n<i>{_html(flags)}</i>"
        return [
            Reply(
                text,
                (
                    (
                        Button.of(self.t(lang, "handoff.agree"), Consent(True)),
                        Button.of(self.t(lang, "handoff.decline"), Consent(False)),
                    ),
                ),
            )
        ]

    async def agree(
        self, user_key: str, lang: str, hotlines: Reply, now: dt.datetime | None = None
    ) -> list[Reply]:
        """Queue the case and post its card to the counsellors' group (in one transaction)."""
        record = await self.repo.open_for_user(user_key)
        if record is None or not await self.repo.move(
            record.id, Status.REQUESTED, Status.WAITING, then=[self._card(record, "card")]
        ):
            return [Reply(self.t(lang, "handoff.already_waiting"), self._end_button(lang))]
        replies = [
            Reply(
                self.t(lang, "handoff.queued")
                + "\n\n"
                + self.t(lang, "handoff.hours", hours=self.t(lang, "hours.text")),
                self._end_button(lang),
            )
        ]
        hours = self._dialogue().content_hours()
        if hours is not None and not hours.open_at(now or utcnow()):
            replies.append(Reply(self.t(lang, "handoff.out_of_hours") + "\n\n" + hotlines.text))
        return replies

    async def decline(self, user_key: str, lang: str, hotlines: Reply) -> list[Reply]:
        """The person does not want to share: close the request, offer the phone lines."""
        record = await self.repo.open_for_user(user_key)
        if record is not None:
            await self.repo.move(
                record.id, Status.REQUESTED, Status.CLOSED, outcome=CaseOutcome.OTHER
            )
        return [Reply(self.t(lang, "handoff.declined") + "\n\n" + hotlines.text)]

    async def relay_from_user(self, record: CaseRecord, update_id: int, message: Incoming) -> None:
        """Everything the person sends reaches the counsellor (held until one takes the case)."""
        if record.person_blocked:  # they write again, so they have unblocked the bot
            await self.repo.set_person_blocked(record.id, False)
        held = record.status != Status.ASSIGNED.value
        target = record.counsellor_id or 0
        lang = await self.staff_lang(record.counsellor_id)
        header = self.t(
            lang,
            "counsellor.edited_header" if message.edited else "counsellor.relayed_header",
            tag=record.tag,
        )
        status = OutboxStatus.HELD if held else OutboxStatus.PENDING
        base = {"case_id": record.id, "chat_id": target, "status": status.value}
        said = f"{header} {_html(message.text)}".strip()

        def text(relay: Relay) -> dict[str, Any]:
            params = {"text": said, "parse_mode": "HTML", "protect_content": True}
            return base | {
                "method": "sendMessage",
                "relay": relay,
                "source": message.message_id,
                "params": params,
            }

        def copy(caption: str | None) -> dict[str, Any]:
            params: dict[str, Any] = {
                "from_chat_id": record.user_chat_id,
                "message_id": message.message_id,
                "protect_content": True,
            }
            if caption is not None:
                params |= {"caption": caption, "parse_mode": "HTML"}
            return base | {
                "method": "copyMessage",
                "relay": Relay.TO_COUNSELLOR,
                "source": message.message_id,
                "params": params,
            }

        if message.kind == "text" and not message.edited:
            items = [text(Relay.TO_COUNSELLOR)]
        elif message.kind in CAPTIONED and not message.edited:
            items = [copy(said)]
        elif message.edited:
            items = [text(Relay.NOTICE_COUNSELLOR)]
        else:  # stickers, locations, contacts: a tagged line, then the thing itself
            items = [text(Relay.NOTICE_COUNSELLOR), copy(None)]
        for n, item in enumerate(items):
            item["dedupe_key"] = f"u{update_id}:{n}"
        await self.repo.enqueue(items)
        if held:  # taken meanwhile (chats are handled at the same time): release it too
            fresh = await self.repo.get(record.id)
            if fresh is not None and fresh.status == Status.ASSIGNED.value:
                await self.repo.release_held(record.id, fresh.counsellor_id or 0)

    async def end(self, user_key: str, lang: str) -> list[Reply]:
        """The person ends the conversation; the bot is back and asks if it helped.
        Nothing to end gives no reply (the caller shows the menu)."""
        record = await self.repo.open_for_user(user_key)
        if record is None:
            return []
        status = Status(record.status)
        then: list[dict[str, Any]] = []
        if record.counsellor_id:
            then.append(
                await self._to_counsellor(
                    record, "counsellor.user_ended", f"end:{record.id}", with_outcomes=True
                )
            )
        if status is Status.WAITING:
            then.append(self._card_ended(record))
        if not await self.repo.move(record.id, status, Status.CLOSED, then=then, forget_chat=True):
            return [Reply(self.t(lang, "handoff.ended_by_user"))]
        return [
            Reply(self.t(lang, "handoff.ended_by_user")),
            Reply(self.t(lang, "handoff.useful"), (self._useful_buttons(lang, record.id),)),
        ]

    async def useful(self, case_id: int, yes: bool, lang: str, user_key: str) -> list[Reply]:
        """Store whether the help was useful (no text); only the person of the case may: to
        anyone else it is a stale button, answered with the menu and recording nothing."""
        record = await self.repo.get(case_id)
        if not owns_case(record, person=user_key):
            return self._refused_person(lang)
        await self.repo.set_fields(case_id, useful=yes)
        return [Reply(self.t(lang, "handoff.useful_thanks"))]

    async def during_case(self, user_key: str, lang: str) -> list[Reply] | None:
        """/start or /help while a request is open: what is going on, and how to end it."""
        record = await self.repo.open_for_user(user_key)
        if record is None or record.status == Status.REQUESTED.value:
            return None
        return [Reply(self.t(lang, "handoff.during_case"), self._end_button(lang))]

    # ---- the counsellors' side -----------------------------------------------------------
    async def take(self, case_id: int, counsellor_id: int, lang: str) -> str:
        """A counsellor presses "Take": exactly one wins. Returns the callback answer."""
        record = await self.repo.get(case_id)
        if record is None:
            return self.t(lang, "counsellor.taken_by_other", tag="?")
        if record.status == Status.CLOSED.value:
            return self.t(lang, "counsellor.request_ended", tag=record.tag)
        known = await self.repo.counsellor(counsellor_id)
        if known is None or not known.reachable:
            return self.t(lang, "counsellor.start_private_first")
        person_lang = record.language
        name = self.display_name(counsellor_id, person_lang)
        key = f"take:{case_id}:{counsellor_id}:{record.waiting_since}"
        items: list[dict[str, Any]] = [
            {
                "dedupe_key": f"{key}:group",
                "chat_id": self.group_chat_id,
                "case_id": case_id,
                "method": "editMessageText",
                "relay": Relay.CARD_EDIT,
                "params": {
                    "message_id": None,  # the card's id, looked up when it is sent
                    "text": self.t(
                        person_lang, "counsellor.taken_in_group", tag=record.tag, name=_html(name)
                    ),
                    "parse_mode": "HTML",
                },
            },
            {
                "dedupe_key": f"{key}:counsellor",
                "chat_id": counsellor_id,
                "case_id": case_id,
                "method": "sendMessage",
                "relay": Relay.NOTICE_COUNSELLOR,
                "params": {
                    "text": self._brief(record, lang),
                    "parse_mode": "HTML",
                    "protect_content": True,
                },
            },
            {
                "dedupe_key": f"{key}:user",
                "chat_id": record.user_chat_id,
                "case_id": case_id,
                "method": "sendMessage",
                "relay": Relay.NOTICE_USER,
                "params": {
                    "text": self.t(person_lang, "handoff.taken", name=_html(name)),
                    "parse_mode": "HTML",
                },
            },
        ]
        if not await self.repo.move(
            case_id,
            Status.WAITING,
            Status.ASSIGNED,
            counsellor_id=counsellor_id,
            then=items,
            release_held_to=counsellor_id,
        ):
            return self.t(lang, "counsellor.taken_by_other", tag=record.tag)
        return self.t(lang, "counsellor.taken_by_you", tag=record.tag)

    def _brief(self, record: CaseRecord, lang: str) -> str:
        lines = [self.t(lang, "counsellor.taken_by_you", tag=record.tag)]
        if record.shared_advert:
            advert = json.loads(record.shared_advert)
            for flag in advert.get("flags", []):
                evidence = "», «".join(_html(e) for e in flag.get("evidence", []))
                name = self.t(lang, "flags." + flag["id"] + ".name")
                lines.append(f"• {_html(name)}: «{evidence}»")
            lines.append(f"<blockquote>{_html(advert.get('text', '')[:3000])}</blockquote>")
        return "\n".join(lines)

    async def relay_from_counsellor(
        self, counsellor_id: int, update_id: int, message: Incoming, lang: str
    ) -> StaffReply | None:
        """A counsellor's message goes to the person of the case it belongs to: the case of the
        message it replies to (or, for an edit, of the message it edits), the case chosen with
        /case, or their only case. With several cases and nothing to go by, it asks which."""
        record = None
        if message.edited:
            record = await self.repo.case_of_counsellor_message(counsellor_id, message.message_id)
        if record is None and message.reply_to is not None:
            record = await self.repo.case_of_counsellor_message(counsellor_id, message.reply_to)
        if record is None:
            mine = await self.repo.assigned_to(counsellor_id)
            selected = await self.repo.selected(counsellor_id)
            chosen = [c for c in mine if c.id == selected]
            if chosen or len(mine) == 1:
                record = (chosen or mine)[0]
            elif len(mine) > 1:
                return StaffReply(
                    self.t(lang, "counsellor.choose_case"),
                    tuple(
                        (Button.of(f"#{c.tag}", SendTo(c.id, message.message_id)),) for c in mine
                    ),
                )
            else:
                return StaffReply(self.t(lang, "counsellor.no_case_selected"))
        return await self._send_to_person(record, counsellor_id, update_id, message, lang)

    async def send_to(
        self, counsellor_id: int, case_id: int, message_id: int, lang: str
    ) -> StaffReply:
        """The counsellor chose the case for a message (a button of "which request?")."""
        record = await self.repo.get(case_id)
        if record is None:
            return StaffReply(self.t(lang, "counsellor.no_case_selected"))
        message = Incoming(message_id, "text")
        failed = await self._send_to_person(
            record, counsellor_id, f"to:{case_id}:{message_id}", message, lang
        )
        return failed or StaffReply(self.t(lang, "counsellor.sent_to", tag=record.tag))

    async def _send_to_person(
        self,
        record: CaseRecord,
        counsellor_id: int,
        key: int | str,
        message: Incoming,
        lang: str,
    ) -> StaffReply | None:
        if (
            not owns_case(record, counsellor=counsellor_id)
            or record.status != Status.ASSIGNED.value
            or record.user_chat_id is None
        ):
            return StaffReply(self._refused_counsellor(record, lang))
        if record.person_blocked:
            return StaffReply(self.t(lang, "counsellor.person_blocked", tag=record.tag))
        item: dict[str, Any] = {
            "dedupe_key": f"c{key}",
            "chat_id": record.user_chat_id,
            "case_id": record.id,
            "relay": Relay.TO_USER,
            "source": message.message_id,
        }
        if message.edited:
            item |= {
                "method": "sendMessage",
                "params": {"text": f"✏️ {_html(message.text)}", "parse_mode": "HTML"},
            }
        else:
            item |= {
                "method": "copyMessage",
                "params": {"from_chat_id": counsellor_id, "message_id": message.message_id},
            }
        await self.repo.enqueue([item])
        return None

    async def select(self, counsellor_id: int, tag: str, lang: str) -> str:
        """/case TAG: make plain messages go to that case."""
        record = await self.repo.by_tag(tag)
        if (
            record is None
            or not owns_case(record, counsellor=counsellor_id)
            or record.status != Status.ASSIGNED.value
        ):
            return self.t(lang, "counsellor.no_case_selected")
        await self.repo.select(counsellor_id, record.id)
        return self.t(lang, "counsellor.selected", tag=record.tag)

    async def list_cases(self, counsellor_id: int, lang: str) -> str:
        """/cases: the counsellor's open cases."""
        cases = await self.repo.assigned_to(counsellor_id)
        if not cases:
            return self.t(lang, "counsellor.cases_none")
        lines = [self.t(lang, "counsellor.cases_heading")]
        for record in cases:
            reason = self.t(lang, f"counsellor.reasons.{record.reason}")
            line = f"#{record.tag} · {record.language} · {reason}"
            if record.person_blocked:
                line += " · " + self.t(lang, "counsellor.blocked_mark")
            lines.append(line)
        return "\n".join(lines)

    async def _case_arg(self, counsellor_id: int, tag: str) -> CaseRecord | None:
        if tag:
            record = await self.repo.by_tag(tag)
        else:
            mine = await self.repo.assigned_to(counsellor_id)
            selected = await self.repo.selected(counsellor_id)
            chosen = [c for c in mine if c.id == selected]
            record = (chosen or mine)[0] if chosen or len(mine) == 1 else None
        if (
            record is None
            or not owns_case(record, counsellor=counsellor_id)
            or record.status != Status.ASSIGNED.value
        ):
            return None
        return record

    async def transfer(self, counsellor_id: int, tag: str, lang: str) -> str:
        """/transfer: back to the queue with a new card; the person is told."""
        record = await self._case_arg(counsellor_id, tag)
        if record is None:
            return self.t(lang, "counsellor.no_case_selected")
        stamp = utcnow().timestamp()
        notice = {
            "dedupe_key": f"transfer:{record.id}:{stamp}:user",
            "chat_id": record.user_chat_id,
            "case_id": record.id,
            "method": "sendMessage",
            "relay": Relay.NOTICE_USER,
            "params": {"text": self.t(record.language, "handoff.returned_to_queue")},
        }
        if not await self.repo.move(
            record.id,
            Status.ASSIGNED,
            Status.WAITING,
            only_counsellor=counsellor_id,
            then=[self._card(record, f"transfer:{stamp}"), notice],
        ):
            return self.t(lang, "counsellor.no_case_selected")
        await self.repo.select(counsellor_id, None)
        return self.t(lang, "counsellor.transfer_done", tag=record.tag)

    async def close_prompt(self, counsellor_id: int, tag: str, lang: str) -> StaffReply:
        """/close: ask for the outcome."""
        record = await self._case_arg(counsellor_id, tag)
        if record is None:
            return StaffReply(self.t(lang, "counsellor.no_case_selected"))
        return StaffReply(
            self.t(lang, "counsellor.close_prompt", tag=record.tag),
            tuple((b,) for b in self._outcome_buttons(record, lang)),
        )

    def _outcome_buttons(self, record: CaseRecord, lang: str) -> list[Button]:
        return [
            Button.of(self.t(lang, f"counsellor.outcome.{o.value}"), CloseCase(record.id, o))
            for o in CaseOutcome
        ]

    async def close(self, counsellor_id: int, case_id: int, outcome: CaseOutcome, lang: str) -> str:
        """Record the outcome: close an assigned case (the person is told), or label an
        already-ended one."""
        record = await self.repo.get(case_id)
        if record is None or not owns_case(record, counsellor=counsellor_id):
            return self._refused_counsellor(record, lang)
        label = self.t(lang, f"counsellor.outcome.{outcome.value}")
        if record.status == Status.CLOSED.value:
            await self.repo.record_outcome(case_id, outcome)
            return self.t(lang, "counsellor.closed", tag=record.tag, outcome=label)
        person_lang = record.language
        notice = {
            "dedupe_key": f"close:{case_id}:user",
            "chat_id": record.user_chat_id,
            "case_id": case_id,
            "method": "sendMessage",
            "relay": Relay.NOTICE_USER,
            "params": {
                "text": self.t(person_lang, "handoff.ended_by_counsellor"),
                "reply_markup": keyboard([self._useful_buttons(person_lang, case_id)]),
            },
        }
        if not await self.repo.move(
            case_id,
            Status.ASSIGNED,
            Status.CLOSED,
            outcome=outcome,
            only_counsellor=counsellor_id,
            then=[notice] if record.user_chat_id is not None and not record.person_blocked else [],
        ):
            return self.t(lang, "counsellor.no_case_selected")
        if await self.repo.selected(counsellor_id) == case_id:
            await self.repo.select(counsellor_id, None)
        return self.t(lang, "counsellor.closed", tag=record.tag, outcome=label)

    # ---- what could not be delivered ------------------------------------------------------
    async def delivery_failed(self, item: OutboxItem, why: str) -> None:
        """Tell the side that was writing that Telegram will never deliver this item."""
        record = await self.repo.get(item.case_id) if item.case_id else None
        if record is None or record.status == Status.CLOSED.value:
            return
        relay = Relay(item.relay) if item.relay else None
        if why == "blocked":
            if record.counsellor_id and await self.repo.set_person_blocked(record.id, True):
                await self.repo.enqueue(
                    [
                        await self._to_counsellor(
                            record, "counsellor.person_blocked", f"blocked:{item.id}"
                        )
                    ]
                )
        elif relay is Relay.TO_USER and record.counsellor_id:
            await self.repo.enqueue(
                [await self._to_counsellor(record, "counsellor.not_delivered", f"nd:{item.id}")]
            )
        elif relay is Relay.TO_COUNSELLOR and record.user_chat_id is not None:
            await self.repo.enqueue(
                [
                    {
                        "dedupe_key": f"nd:{item.id}",
                        "chat_id": record.user_chat_id,
                        "case_id": record.id,
                        "method": "sendMessage",
                        "relay": Relay.NOTICE_USER,
                        "params": {"text": self.t(record.language, "handoff.relay_refused")},
                    }
                ]
            )

    # ---- erasure ---------------------------------------------------------------------
    async def forget(self, user_key: str, chat_id: int) -> int:
        """Erase the person from cases, tell counsellors of open ones, delete recent bot
        messages in the chat and the copies of the person's messages in counsellors' chats.
        Returns how many messages will be deleted in the person's chat."""
        deletable = await self.repo.deletable_messages(user_key)
        closed, copies = await self.repo.forget_user(user_key, chat_id)
        items: list[dict[str, Any]] = []
        for record in closed:
            if record.counsellor_id:
                items.append(
                    await self._to_counsellor(
                        record, "counsellor.user_forgot", f"forget:{record.id}"
                    )
                )
            elif record.status == Status.WAITING.value:
                items.append(self._card_ended(record))
        stamp = utcnow().timestamp()
        items += [_delete(f"del:{stamp}:{n}", chat_id, m) for n, m in enumerate(deletable)]
        items += [_delete(f"delc:{stamp}:{n}", chat, m) for n, (chat, m) in enumerate(copies)]
        await self.repo.enqueue(items)
        return len(deletable)

    # ---- helpers ---------------------------------------------------------------------
    def _refused_person(self, lang: str) -> list[Reply]:
        """A person pressed a button of a case that is not theirs: a stale button, so the menu
        (as for any stale button), and nothing said about the case."""
        return [self._dialogue().menu(lang)]

    def _refused_counsellor(self, record: CaseRecord | None, lang: str) -> str:
        """A counsellor pressed a button of a case they do not hold."""
        return self.t(lang, "counsellor.not_your_case", tag=record.tag if record else "?")

    def _useful_buttons(self, lang: str, case_id: int) -> tuple[Button, ...]:
        return (
            Button.of(self.t(lang, "handoff.useful_yes"), RateCase(case_id, True)),
            Button.of(self.t(lang, "handoff.useful_no"), RateCase(case_id, False)),
        )

    def _end_button(self, lang: str) -> tuple[tuple[Button, ...], ...]:
        return ((Button.of(self.t(lang, "handoff.end_button"), EndCase()),),)

    def _card(self, record: CaseRecord, key: str) -> dict[str, Any]:
        lang = record.language
        case = to_case(record)
        waited = waiting_time(case, utcnow()) or dt.timedelta(0)
        flags = ""
        if record.shared_advert:
            advert = json.loads(record.shared_advert)
            flags = "⚠️ " + ", ".join(
                self.t(lang, f"flags.{f['id']}.name") for f in advert.get("flags", [])
            )
        text = self.t(
            lang,
            "counsellor.card",
            tag=record.tag,
            language=lang,
            reason=self.t(lang, f"counsellor.reasons.{record.reason}"),
            waiting=self.t(lang, "counsellor.minutes", minutes=int(waited.total_seconds() // 60)),
            flags=_html(flags),
        )
        return {
            "dedupe_key": f"{key}:{record.id}",
            "chat_id": self.group_chat_id,
            "case_id": record.id,
            "method": "sendMessage",
            "relay": Relay.CARD,
            "params": {
                "text": text,
                "parse_mode": "HTML",
                "reply_markup": keyboard(
                    [(Button.of(self.t(lang, "counsellor.take_button"), TakeCase(record.id)),)]
                ),
            },
        }

    def _card_ended(self, record: CaseRecord) -> dict[str, Any]:
        """The card of a request the person ended before anyone took it: no Take button."""
        return {
            "dedupe_key": f"ended:{record.id}:{record.waiting_since}",
            "chat_id": self.group_chat_id,
            "case_id": record.id,
            "method": "editMessageText",
            "relay": Relay.CARD_EDIT,
            "params": {
                "message_id": None,
                "text": self.t(record.language, "counsellor.card_ended", tag=record.tag),
                "parse_mode": "HTML",
            },
        }

    async def _to_counsellor(
        self, record: CaseRecord, key: str, dedupe: str, with_outcomes: bool = False
    ) -> dict[str, Any]:
        lang = await self.staff_lang(record.counsellor_id)
        params: dict[str, Any] = {"text": self.t(lang, key, tag=record.tag)}
        if with_outcomes and record.outcome is None:
            params["reply_markup"] = keyboard([(b,) for b in self._outcome_buttons(record, lang)])
        return {
            "dedupe_key": dedupe,
            "chat_id": record.counsellor_id,
            "case_id": record.id,
            "method": "sendMessage",
            "relay": Relay.NOTICE_COUNSELLOR,
            "params": params,
        }


def _delete(key: str, chat_id: int, message_id: int) -> dict[str, Any]:
    return {
        "dedupe_key": key,
        "chat_id": chat_id,
        "method": "deleteMessage",
        "relay": Relay.DELETE,
        "params": {"message_id": message_id},
    }
