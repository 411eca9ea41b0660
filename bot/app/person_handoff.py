"""The person's side of a hand-off: asking, consent, writing while a case is open, ending, rating.

Replies to the person come back as values; everything else (cards, relays, notices) is written
to the outbox in the same write as the case's move.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.case_texts import CaseTexts, escaped
from bot.app.ports import Cases
from bot.domain.cases import Case, CaseOutcome, Reason, SharedAdvert, Status, open_case
from bot.domain.dialogue_types import Reply
from bot.domain.notices import Copy, Outgoing, Relay, Say

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
    location: tuple[float, float] | None = None
    """(latitude, longitude) of a shared location."""
    copyable: bool = True
    """False when no Telegram chat holds the message (typed in `perevir chat`): a counsellor's
    text then goes to the person as text, not as a copy of the message."""


def owns_case(
    case: Case | None, *, person: str | None = None, counsellor: int | None = None
) -> bool:
    """The one ownership rule of case-scoped actions (buttons and commands about one case).

    A person acts only on their own case: its pseudonym is theirs (erased cases have none, so
    nobody owns them). A counsellor acts only on a case they hold: it is assigned to them, or
    was when it ended (a transfer back to the queue lets go of it). Say who pressed: `person`
    (pseudonym) or `counsellor` (Telegram id). Taking a waiting case is the one case action
    open to every counsellor; the person's `end` and consent buttons act on the presser's own
    open case, found by their pseudonym.
    """
    if case is None or (person is None) == (counsellor is None):
        return False
    if person is not None:
        return case.user_pseudonym is not None and case.user_pseudonym == person
    return case.counsellor_id is not None and case.counsellor_id == counsellor


class PersonHandoff:
    """The use cases of the person who asks for a counsellor."""

    def __init__(self, cases: Cases, texts: CaseTexts) -> None:
        self.cases = cases
        self.texts = texts

    def _t(self, lang: str, key: str, **params: object) -> str:
        return self.texts.t(lang, key, **params)

    async def request(
        self,
        user_key: str,
        chat_id: int,
        lang: str,
        reason: Reason,
        advert: SharedAdvert | None,
    ) -> list[Reply]:
        """Ask for consent before anything is shared."""
        current = await self.cases.open_for_user(user_key)
        if current is not None and current.status is not Status.REQUESTED:
            return [Reply(self._t(lang, "handoff.already_waiting"), self.texts.end_button(lang))]
        if current is not None:
            await self.cases.move(current.id, Status.REQUESTED, Status.CLOSED)
        case = await self.cases.create(
            open_case(reason, lang, self.texts.now()), user_key, chat_id, advert
        )
        return [self.texts.consent(lang, case if advert is not None else None)]

    async def agree(self, user_key: str, lang: str, hotlines: Reply) -> list[Reply]:
        """Queue the case and post its card to the counsellors' group (in one write)."""
        case = await self.cases.open_for_user(user_key)
        if case is None or not await self.cases.move(
            case.id, Status.REQUESTED, Status.WAITING, then=[self.texts.card(case, "card")]
        ):
            return [Reply(self._t(lang, "handoff.already_waiting"), self.texts.end_button(lang))]
        hours_text = self._t(lang, "hours.text")
        replies = [
            Reply(
                self._t(lang, "handoff.queued")
                + "\n\n"
                + self._t(lang, "handoff.hours", hours=hours_text),
                self.texts.end_button(lang),
            )
        ]
        hours = self.texts.engine().content_hours()
        if hours is not None and not hours.open_at(self.texts.now()):
            replies.append(Reply(self._t(lang, "handoff.out_of_hours") + "\n\n" + hotlines.text))
        return replies

    async def decline(self, user_key: str, lang: str, hotlines: Reply) -> list[Reply]:
        """The person does not want to share: close the request, offer the phone lines."""
        case = await self.cases.open_for_user(user_key)
        if case is not None:
            await self.cases.move(
                case.id, Status.REQUESTED, Status.CLOSED, outcome=CaseOutcome.OTHER
            )
        return [Reply(self._t(lang, "handoff.declined") + "\n\n" + hotlines.text)]

    async def relay(self, case: Case, update_id: int, message: Incoming) -> None:
        """Everything the person sends reaches the counsellor (held until one takes the case)."""
        if case.person_blocked:  # they write again, so they have unblocked the bot
            await self.cases.set_person_blocked(case.id, False)
        held = case.status is not Status.ASSIGNED
        lang = await self.texts.staff_lang(case.counsellor_id)
        header = self._t(
            lang,
            "counsellor.edited_header" if message.edited else "counsellor.relayed_header",
            tag=case.tag,
        )
        body = message.text
        if message.location is not None:
            latitude, longitude = message.location
            body = self._t(
                lang,
                "counsellor.location",
                latitude=f"{latitude:.5f}",
                longitude=f"{longitude:.5f}",
            )
        said = f"{header} {escaped(body)}".strip()
        target = case.counsellor_id or 0

        def item(n: int, relay: Relay, notice: Say | Copy) -> Outgoing:
            return Outgoing(
                f"u{update_id}:{n}",
                target,
                notice,
                relay,
                case_id=case.id,
                source=message.message_id,
                held=held,
            )

        chat = case.user_chat_id or 0
        if message.kind == "text" and not message.edited:
            items = [item(0, Relay.TO_COUNSELLOR, Say(said, protect=True))]
        elif message.kind in CAPTIONED and not message.edited:
            copy = Copy(chat, message.message_id, caption=said, protect=True)
            items = [item(0, Relay.TO_COUNSELLOR, copy)]
        elif message.edited:
            items = [item(0, Relay.NOTICE_COUNSELLOR, Say(said, protect=True))]
        else:  # stickers, locations, contacts: a tagged line, then the thing itself
            items = [
                item(0, Relay.NOTICE_COUNSELLOR, Say(said, protect=True)),
                item(1, Relay.TO_COUNSELLOR, Copy(chat, message.message_id, protect=True)),
            ]
        await self.cases.enqueue(items)
        if held:  # taken meanwhile (chats are handled at the same time): release it too
            fresh = await self.cases.get(case.id)
            if fresh is not None and fresh.status is Status.ASSIGNED:
                await self.cases.release_held(case.id, fresh.counsellor_id or 0)

    async def end(self, user_key: str, lang: str) -> list[Reply]:
        """The person ends the conversation; the bot is back and asks if it helped.
        Nothing to end gives no reply (the caller shows the menu)."""
        case = await self.cases.open_for_user(user_key)
        if case is None:
            return []
        if case.status is Status.REQUESTED:  # asked, never agreed: nobody to end a talk with
            await self.cases.move(case.id, Status.REQUESTED, Status.CLOSED)
            return []
        then: list[Outgoing] = []
        if case.counsellor_id:
            then.append(
                await self.texts.to_counsellor(
                    case, "counsellor.user_ended", f"end:{case.id}", with_outcomes=True
                )
            )
        if case.status is Status.WAITING:
            then.append(self.texts.card_ended(case))
        ended = Reply(self._t(lang, "handoff.ended_by_user"))
        if not await self.cases.move(
            case.id, case.status, Status.CLOSED, then=then, forget_chat=True
        ):
            return [ended]
        useful = self.texts.useful_buttons(lang, case.id)
        return [ended, Reply(self._t(lang, "handoff.useful"), (useful,))]

    async def rate(self, case_id: int, useful: bool, lang: str, user_key: str) -> list[Reply]:
        """Store whether the help was useful (no text); only the person of the case may: to
        anyone else it is a stale button, answered with the menu and recording nothing."""
        case = await self.cases.get(case_id)
        if not owns_case(case, person=user_key):
            return [self.texts.engine().menu(lang)]
        await self.cases.rate(case_id, useful)
        return [Reply(self._t(lang, "handoff.useful_thanks"))]

    async def during_case(self, user_key: str, lang: str) -> list[Reply] | None:
        """/start or /help while a request is open: what is going on, and how to end it."""
        case = await self.cases.open_for_user(user_key)
        if case is None or case.status is Status.REQUESTED:
            return None
        return [Reply(self._t(lang, "handoff.during_case"), self.texts.end_button(lang))]
