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
from bot.db.models import CaseRecord, utcnow
from bot.domain.cases import CaseOutcome, Reason, Status, open_case, waiting_time
from bot.domain.dialogue import Dialogue
from bot.domain.dialogue_types import Button, Reply

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


def _html(text: str) -> str:
    return html.escape(text, quote=False)


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
        return self._dialogue().text(lang if lang in ("uk", "en") else "uk", key, **params)

    def display_name(self, counsellor_id: int, lang: str) -> str:
        """What the person sees of a counsellor: a configured display name, never the account."""
        return self.counsellors.get(counsellor_id) or self.t(lang, "handoff.default_name")

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
                        Button(self.t(lang, "handoff.agree"), "ho:yes"),
                        Button(self.t(lang, "handoff.decline"), "ho:no"),
                    ),
                ),
            )
        ]

    async def agree(
        self, user_key: str, lang: str, hotlines: Reply, now: dt.datetime | None = None
    ) -> list[Reply]:
        """Queue the case and post its card to the counsellors' group."""
        record = await self.repo.open_for_user(user_key)
        if record is None or not await self.repo.move(record.id, Status.REQUESTED, Status.WAITING):
            return [Reply(self.t(lang, "handoff.already_waiting"), self._end_button(lang))]
        await self._post_card(record, "card")
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
        held = record.status != Status.ASSIGNED.value
        target = record.counsellor_id or 0
        lang = record.language
        header = self.t(
            lang,
            "counsellor.edited_header" if message.edited else "counsellor.relayed_header",
            tag=record.tag,
        )
        base = {"case_id": record.id, "chat_id": target, "status": "held" if held else "pending"}
        said = f"{header} {_html(message.text)}".strip()

        def text(relay: str) -> dict[str, Any]:
            params = {"text": said, "parse_mode": "HTML", "protect_content": True}
            source = message.message_id if relay == "to_counsellor" else None
            return base | {
                "method": "sendMessage",
                "relay": relay,
                "source": source,
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
                "relay": "to_counsellor",
                "source": message.message_id,
                "params": params,
            }

        if message.kind == "text":
            items = [text("to_counsellor")]
        elif message.kind in CAPTIONED and not message.edited:
            items = [copy(said)]
        elif message.edited:
            items = [text("notice_counsellor")]
        else:  # stickers, locations, contacts: a tagged line, then the thing itself
            items = [text("notice_counsellor"), copy(None)]
        for n, item in enumerate(items):
            item["dedupe_key"] = f"u{update_id}:{n}"
        await self.repo.enqueue(items)

    async def end(self, user_key: str, lang: str) -> list[Reply]:
        """The person ends the conversation; the bot is back and asks if it helped.
        Nothing to end gives no reply (the caller shows the menu)."""
        record = await self.repo.open_for_user(user_key)
        if record is None:
            return []
        status = Status(record.status)
        if not await self.repo.move(record.id, status, Status.CLOSED):
            return [Reply(self.t(lang, "handoff.ended_by_user"))]
        if record.counsellor_id:
            await self._notify_counsellor(
                record, "counsellor.user_ended", f"end:{record.id}", with_outcomes=True
            )
        await self.repo.set_fields(record.id, user_chat_id=None)
        return [
            Reply(self.t(lang, "handoff.ended_by_user")),
            Reply(self.t(lang, "handoff.useful"), (self._useful_buttons(lang, record.id),)),
        ]

    async def useful(self, case_id: int, yes: bool, lang: str) -> list[Reply]:
        """Store whether the help was useful (no text)."""
        await self.repo.set_fields(case_id, useful=yes)
        return [Reply(self.t(lang, "handoff.useful_thanks"))]

    # ---- the counsellors' side -----------------------------------------------------------
    async def take(self, case_id: int, counsellor_id: int) -> str:
        """A counsellor presses "Take": exactly one wins. Returns the callback answer."""
        record = await self.repo.get(case_id)
        lang = record.language if record else "uk"
        if record is None or not await self.repo.move(
            case_id, Status.WAITING, Status.ASSIGNED, counsellor_id=counsellor_id
        ):
            tag = record.tag if record else "?"
            return self.t(lang, "counsellor.taken_by_other", tag=tag)
        await self.repo.select(counsellor_id, case_id)
        name = self.display_name(counsellor_id, lang)
        key = f"take:{case_id}:{counsellor_id}:{record.waiting_since}"
        items: list[dict[str, Any]] = [
            {
                "dedupe_key": f"{key}:group",
                "chat_id": self.group_chat_id,
                "case_id": case_id,
                "method": "editMessageText",
                "relay": None,
                "params": {
                    "message_id": record.group_message_id,
                    "text": self.t(
                        lang, "counsellor.taken_in_group", tag=record.tag, name=_html(name)
                    ),
                    "parse_mode": "HTML",
                },
            },
            {
                "dedupe_key": f"{key}:counsellor",
                "chat_id": counsellor_id,
                "case_id": case_id,
                "method": "sendMessage",
                "relay": "notice_counsellor",
                "params": {
                    "text": self._brief(record),
                    "parse_mode": "HTML",
                    "protect_content": True,
                },
            },
            {
                "dedupe_key": f"{key}:user",
                "chat_id": record.user_chat_id,
                "case_id": case_id,
                "method": "sendMessage",
                "relay": "notice_user",
                "params": {
                    "text": self.t(lang, "handoff.taken", name=_html(name)),
                    "parse_mode": "HTML",
                },
            },
        ]
        if record.group_message_id is None:
            items = items[1:]
        await self.repo.enqueue(items)
        await self.repo.release_held(case_id, counsellor_id)
        return self.t(lang, "counsellor.taken_by_you", tag=record.tag)

    def _brief(self, record: CaseRecord) -> str:
        lang = record.language
        lines = [self.t(lang, "counsellor.taken_by_you", tag=record.tag)]
        if record.shared_advert:
            advert = json.loads(record.shared_advert)
            for flag in advert.get("flags", []):
                evidence = "», «".join(_html(e) for e in flag.get("evidence", []))
                name = self.t(lang, "flags." + flag["id"] + ".name")
                lines.append(f"• {_html(name)}: «{evidence}»")
            lines.append(f"<blockquote>{_html(advert.get('text', ''))[:3000]}</blockquote>")
        return "\n".join(lines)

    async def relay_from_counsellor(
        self, counsellor_id: int, update_id: int, message: Incoming
    ) -> str | None:
        """A counsellor's message goes to the person; returns a note for the counsellor if not."""
        record = None
        if message.reply_to is not None:
            record = await self.repo.case_of_counsellor_message(counsellor_id, message.reply_to)
        if record is None:
            selected = await self.repo.selected(counsellor_id)
            record = await self.repo.get(selected) if selected else None
        if (
            record is None
            or record.status != Status.ASSIGNED.value
            or record.counsellor_id != counsellor_id
            or record.user_chat_id is None
        ):
            return self.t(record.language if record else "uk", "counsellor.no_case_selected")
        item: dict[str, Any] = {
            "dedupe_key": f"c{update_id}",
            "chat_id": record.user_chat_id,
            "case_id": record.id,
            "relay": "to_user",
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

    async def select(self, counsellor_id: int, tag: str) -> str:
        """/case TAG: make plain messages go to that case."""
        record = await self.repo.by_tag(tag)
        if record is None or record.counsellor_id != counsellor_id:
            return self.t("uk", "counsellor.no_case_selected")
        await self.repo.select(counsellor_id, record.id)
        return self.t(record.language, "counsellor.selected", tag=record.tag)

    async def list_cases(self, counsellor_id: int, lang: str) -> str:
        """/cases: the counsellor's open cases."""
        cases = await self.repo.assigned_to(counsellor_id)
        if not cases:
            return self.t(lang, "counsellor.cases_none")
        lines = [self.t(lang, "counsellor.cases_heading")]
        for record in cases:
            reason = self.t(lang, f"counsellor.reasons.{record.reason}")
            lines.append(f"#{record.tag} · {record.language} · {reason}")
        return "\n".join(lines)

    async def _case_arg(self, counsellor_id: int, tag: str) -> CaseRecord | None:
        if tag:
            record = await self.repo.by_tag(tag)
        else:
            selected = await self.repo.selected(counsellor_id)
            record = await self.repo.get(selected) if selected else None
        if (
            record is None
            or record.counsellor_id != counsellor_id
            or record.status != Status.ASSIGNED.value
        ):
            return None
        return record

    async def transfer(self, counsellor_id: int, tag: str) -> str:
        """/transfer: back to the queue with a new card; the person is told."""
        record = await self._case_arg(counsellor_id, tag)
        if record is None or not await self.repo.move(
            record.id, Status.ASSIGNED, Status.WAITING, only_counsellor=counsellor_id
        ):
            return self.t("uk", "counsellor.no_case_selected")
        await self.repo.select(counsellor_id, None)
        await self._post_card(record, f"transfer:{utcnow().timestamp()}")
        await self.repo.enqueue(
            [
                {
                    "dedupe_key": f"transfer:{record.id}:{utcnow().timestamp()}:user",
                    "chat_id": record.user_chat_id,
                    "case_id": record.id,
                    "method": "sendMessage",
                    "relay": "notice_user",
                    "params": {"text": self.t(record.language, "handoff.returned_to_queue")},
                }
            ]
        )
        return self.t(record.language, "counsellor.transfer_done", tag=record.tag)

    async def close_prompt(self, counsellor_id: int, tag: str) -> tuple[str, list[Button]]:
        """/close: ask for the outcome."""
        record = await self._case_arg(counsellor_id, tag)
        if record is None:
            return self.t("uk", "counsellor.no_case_selected"), []
        return (
            self.t(record.language, "counsellor.close_prompt", tag=record.tag),
            self._outcome_buttons(record, "close"),
        )

    def _outcome_buttons(self, record: CaseRecord, verb: str) -> list[Button]:
        return [
            Button(
                self.t(record.language, f"counsellor.outcome.{o.value}"),
                f"{verb}:{record.id}:{o.value}",
            )
            for o in CaseOutcome
        ]

    async def close(self, counsellor_id: int, case_id: int, outcome: CaseOutcome) -> str:
        """Record the outcome: close an assigned case (the person is told), or label an
        already-ended one."""
        record = await self.repo.get(case_id)
        if record is None or record.counsellor_id != counsellor_id:
            return self.t("uk", "counsellor.not_allowed")
        lang = record.language
        label = self.t(lang, f"counsellor.outcome.{outcome.value}")
        if record.status == Status.CLOSED.value:
            await self.repo.record_outcome(case_id, outcome)
            return self.t(lang, "counsellor.closed", tag=record.tag, outcome=label)
        if not await self.repo.move(
            case_id, Status.ASSIGNED, Status.CLOSED, outcome=outcome, only_counsellor=counsellor_id
        ):
            return self.t(lang, "counsellor.no_case_selected")
        await self.repo.enqueue(
            [
                {
                    "dedupe_key": f"close:{case_id}:user",
                    "chat_id": record.user_chat_id,
                    "case_id": case_id,
                    "method": "sendMessage",
                    "relay": "notice_user",
                    "params": {
                        "text": self.t(lang, "handoff.ended_by_counsellor"),
                        "reply_markup": keyboard([self._useful_buttons(lang, case_id)]),
                    },
                }
            ]
        )
        await self.repo.select(counsellor_id, None)
        return self.t(lang, "counsellor.closed", tag=record.tag, outcome=label)

    # ---- erasure ---------------------------------------------------------------------
    async def forget(self, user_key: str, chat_id: int) -> int:
        """Erase the person from cases, tell counsellors of open ones, delete recent bot
        messages in the chat. Returns how many messages will be deleted."""
        deletable = await self.repo.deletable_messages(user_key)
        closed = await self.repo.forget_user(user_key)
        for record in closed:
            if record.counsellor_id:
                await self._notify_counsellor(
                    record, "counsellor.user_forgot", f"forget:{record.id}"
                )
        await self.repo.enqueue(
            [
                {
                    "dedupe_key": f"del:{user_key[:16]}:{m}",
                    "chat_id": chat_id,
                    "method": "deleteMessage",
                    "params": {"message_id": m},
                }
                for m in deletable
            ]
        )
        return len(deletable)

    # ---- helpers ---------------------------------------------------------------------
    def _useful_buttons(self, lang: str, case_id: int) -> tuple[Button, ...]:
        return (
            Button(self.t(lang, "handoff.useful_yes"), f"hf:{case_id}:1"),
            Button(self.t(lang, "handoff.useful_no"), f"hf:{case_id}:0"),
        )

    def _end_button(self, lang: str) -> tuple[tuple[Button, ...], ...]:
        return ((Button(self.t(lang, "handoff.end_button"), "end"),),)

    async def _post_card(self, record: CaseRecord, key: str) -> None:
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
        await self.repo.enqueue(
            [
                {
                    "dedupe_key": f"{key}:{record.id}",
                    "chat_id": self.group_chat_id,
                    "case_id": record.id,
                    "method": "sendMessage",
                    "relay": "card",
                    "params": {
                        "text": text,
                        "parse_mode": "HTML",
                        "reply_markup": keyboard(
                            [(Button(self.t(lang, "counsellor.take_button"), f"take:{record.id}"),)]
                        ),
                    },
                }
            ]
        )

    async def _notify_counsellor(
        self, record: CaseRecord, key: str, dedupe: str, with_outcomes: bool = False
    ) -> None:
        params: dict[str, Any] = {"text": self.t(record.language, key, tag=record.tag)}
        if with_outcomes and record.outcome is None:
            params["reply_markup"] = keyboard(
                [(b,) for b in self._outcome_buttons(record, "close")]
            )
        await self.repo.enqueue(
            [
                {
                    "dedupe_key": dedupe,
                    "chat_id": record.counsellor_id,
                    "case_id": record.id,
                    "method": "sendMessage",
                    "relay": "notice_counsellor",
                    "params": params,
                }
            ]
        )
