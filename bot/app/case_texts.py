"""What the hand-off says, and to whom: every text, card and button of a case, as typed notices.

Language rule for counsellor-facing texts (docs/ARCHITECTURE.md): in a counsellor's private chat,
the counsellor's own language (`domain.language.staff_language` of their Telegram setting, as last
seen); in the group (cards, "taken by") the language of the person who asked. The person always
reads their own language.
"""

from __future__ import annotations

import datetime as dt
import html

from bot.app.ports import Cases, Clock, Engine
from bot.domain.actions import CloseCase, Consent, EndCase, RateCase, SendTo, TakeCase
from bot.domain.cases import Case, CaseOutcome, waiting_time
from bot.domain.dialogue_types import Button, Reply
from bot.domain.language import ui_language
from bot.domain.notices import EditCard, Outgoing, Relay, Rows, Say

BRIEF_ADVERT_CHARS = 3000
"""How much of a shared advert the counsellor's brief quotes (cut before escaping)."""


def escaped(text: str) -> str:
    """Plain text made safe inside Telegram HTML."""
    return html.escape(text, quote=False)


class CaseTexts:
    """Builds the texts and notices of cases from the live content."""

    def __init__(
        self,
        cases: Cases,
        engine: Engine,
        clock: Clock,
        group_chat_id: int | None,
        names: dict[int, str],
    ) -> None:
        self.cases = cases
        self.engine = engine
        self.clock = clock
        self.group_chat_id = group_chat_id
        self.names = names

    def t(self, lang: str | None, key: str, **params: object) -> str:
        """A UI string in the person's (or counsellor's) language."""
        return self.engine().text(ui_language(lang), key, **params)

    def display_name(self, counsellor_id: int, lang: str) -> str:
        """What the person sees of a counsellor: a configured display name, never the account."""
        return self.names.get(counsellor_id) or self.t(lang, "handoff.default_name")

    async def staff_lang(self, counsellor_id: int | None) -> str:
        """The language of a counsellor's texts, as last seen from them (Ukrainian if unknown)."""
        known = await self.cases.counsellor(counsellor_id) if counsellor_id else None
        return known.language if known is not None else "uk"

    def flag_names(self, case: Case, lang: str) -> str:
        """The names of the shared advert's red flags, joined."""
        advert = case.shared_advert
        if advert is None:
            return ""
        return ", ".join(self.t(lang, f"flags.{f.id}.name") for f in advert.flags)

    # ---- buttons ------------------------------------------------------------------------
    def end_button(self, lang: str) -> Rows:
        """The person's "end the conversation" button."""
        return ((Button.of(self.t(lang, "handoff.end_button"), EndCase()),),)

    def useful_buttons(self, lang: str, case_id: int) -> tuple[Button, ...]:
        """ "Was it useful?" yes / no."""
        return (
            Button.of(self.t(lang, "handoff.useful_yes"), RateCase(case_id, True)),
            Button.of(self.t(lang, "handoff.useful_no"), RateCase(case_id, False)),
        )

    def outcome_buttons(self, case: Case, lang: str) -> Rows:
        """One row per outcome a counsellor can close a case with."""
        return tuple(
            (Button.of(self.t(lang, f"counsellor.outcome.{o.value}"), CloseCase(case.id, o)),)
            for o in CaseOutcome
        )

    def choose_buttons(self, cases: list[Case], message_id: int, lang: str) -> Rows:
        """ "Which request is this message for?": one button per case."""
        return tuple(
            (
                Button.of(
                    self.t(lang, "counsellor.case_button", tag=c.tag), SendTo(c.id, message_id)
                ),
            )
            for c in cases
        )

    # ---- texts --------------------------------------------------------------------------
    def consent(self, lang: str, with_advert: Case | None) -> Reply:
        """The consent question (what will be shared), with its yes / no buttons."""
        shared = self.t(lang, "handoff.shared_question")
        if with_advert is not None:
            shared = self.t(
                lang,
                "handoff.shared_both",
                first=shared,
                second=self.t(lang, "handoff.shared_advert"),
            )
        text = self.t(lang, "handoff.consent", shared=shared)
        if with_advert is not None:
            flags = escaped(self.flag_names(with_advert, lang))
            text += "\n\n" + self.t(lang, "handoff.consent_flags", flags=flags)
        buttons = (
            (
                Button.of(self.t(lang, "handoff.agree"), Consent(True)),
                Button.of(self.t(lang, "handoff.decline"), Consent(False)),
            ),
        )
        return Reply(text, buttons)

    def brief(self, case: Case, lang: str) -> str:
        """What the counsellor who takes a case reads first: the flags and the advert."""
        lines = [self.t(lang, "counsellor.taken_by_you", tag=case.tag)]
        advert = case.shared_advert
        if advert is not None:
            joiner = self.t(lang, "risk.evidence_separator")
            for flag in advert.flags:
                evidence = joiner.join(escaped(e) for e in flag.evidence)
                name = escaped(self.t(lang, f"flags.{flag.id}.name"))
                lines.append(self.t(lang, "counsellor.brief_flag", name=name, evidence=evidence))
            quoted = escaped(advert.text[:BRIEF_ADVERT_CHARS])  # cut the plain text, then escape
            lines.append(self.t(lang, "counsellor.brief_advert", advert=quoted))
        return "\n".join(lines)

    def case_line(self, case: Case, lang: str) -> str:
        """One line of /cases."""
        reason = self.t(lang, f"counsellor.reasons.{case.reason.value}")
        if case.person_blocked:
            return self.t(
                lang,
                "counsellor.case_line_blocked",
                tag=case.tag,
                language=case.language,
                reason=reason,
                blocked=self.t(lang, "counsellor.blocked_mark"),
            )
        return self.t(
            lang, "counsellor.case_line", tag=case.tag, language=case.language, reason=reason
        )

    # ---- notices ------------------------------------------------------------------------
    def card(self, case: Case, key: str) -> Outgoing:
        """The request card in the counsellors' group, with its Take button."""
        lang = case.language
        waited = waiting_time(case, self.clock()) or dt.timedelta(0)
        flags = self.flag_names(case, lang)
        text = self.t(
            lang,
            "counsellor.card",
            tag=case.tag,
            language=lang,
            reason=self.t(lang, f"counsellor.reasons.{case.reason.value}"),
            waiting=self.t(lang, "counsellor.minutes", minutes=int(waited.total_seconds() // 60)),
            flags=self.t(lang, "counsellor.card_flags", flags=escaped(flags)) if flags else "",
        )
        take = Button.of(self.t(lang, "counsellor.take_button"), TakeCase(case.id))
        return Outgoing(
            f"{key}:{case.id}", self.group(), Say(text, ((take,),)), Relay.CARD, case_id=case.id
        )

    def card_ended(self, case: Case) -> Outgoing:
        """The card of a request the person ended before anyone took it: no Take button."""
        text = self.t(case.language, "counsellor.card_ended", tag=case.tag)
        return Outgoing(
            f"ended:{case.id}:{case.waiting_since}",
            self.group(),
            EditCard(text),
            Relay.CARD_EDIT,
            case_id=case.id,
        )

    def to_person(self, case: Case, key: str, text: str, buttons: Rows = ()) -> Outgoing:
        """A notice of the bot to the person of a case."""
        return Outgoing(
            key, case.user_chat_id or 0, Say(text, buttons), Relay.NOTICE_USER, case_id=case.id
        )

    async def to_counsellor(
        self, case: Case, text_key: str, key: str, with_outcomes: bool = False
    ) -> Outgoing:
        """A notice of the bot to the counsellor of a case, in their language."""
        lang = await self.staff_lang(case.counsellor_id)
        buttons = self.outcome_buttons(case, lang) if with_outcomes and not case.outcome else ()
        return Outgoing(
            key,
            case.counsellor_id or 0,
            Say(self.t(lang, text_key, tag=case.tag), buttons),
            Relay.NOTICE_COUNSELLOR,
            case_id=case.id,
        )

    def group(self) -> int:
        """The counsellors' group (the hand-off is on only when one is configured)."""
        return self.group_chat_id or 0

    def now(self) -> dt.datetime:
        """The clock's now."""
        return self.clock()
