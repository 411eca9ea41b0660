"""The conversation engine: what the bot says to a job-seeker, independent of Telegram.

The Telegram handlers and the terminal chat both drive this engine; it returns replies (text in
Telegram HTML plus buttons) and events for the caller to store. States are in `states.py`.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bot.domain import states
from bot.domain.actions import (
    Action,
    AskCounsellor,
    ChooseLanguage,
    ConfirmForget,
    Consent,
    EndCase,
    MenuItem,
    OpenMenu,
    RateAnswer,
    RateCase,
    RiskDetails,
    ShareQuestion,
    ShowAnswer,
    decode,
)
from bot.domain.advert import risk_card, risk_details, too_short
from bot.domain.cases import Reason, SharedAdvert, WorkingHours
from bot.domain.dialogue_types import Button, ContentView, Reply
from bot.domain.faq import SUGGEST_THRESHOLD, Band, FaqMatch, FaqSearch
from bot.domain.language import UI_LANGUAGES, known_language, ui_language
from bot.domain.risk import Assessment
from bot.domain.routing import Chat, Route, RouteJudge, route
from bot.domain.translit import looks_transliterated, to_cyrillic

MAX_QUESTION_LENGTH = 4096
"""Telegram's longest message: anything it delivers is read (a story's question is at its end)."""
FOCUS_CHARS = 600
"""How much of the end of a long message the FAQ search reads."""
SHORT_HOTLINES = 2
"""A miss shows the first hotlines of content/hotlines.yaml (527, 1547); /hotlines has all."""
_ABOUT_DATA = re.compile(
    r"дані|данные|data|police|поліц|полиц|stor|зберіга|сохраня|храни|delete|видалити|удалить",
    re.IGNORECASE,
)
"""A question about the bot that is about what happens to one's data."""
_SENTENCE_END = re.compile(r"(?<=[.!?…\n])\s+")


def _leaving_modes(outcome: Outcome) -> Outcome:
    """The outcome, ending any pending mode unless it sets a state itself (first, so that
    nothing is written after an erasure)."""
    if not any(isinstance(e, SetState) for e in outcome.events):
        outcome.events.insert(0, SetState(None))
    return outcome


def _one_word(text: str) -> bool:
    """A message of one word (a country, an app): too little to answer with confidence."""
    return len(re.findall(r"\w+", text)) == 1


def focus(text: str) -> str:
    """The part of a message the FAQ search reads: all of a short one, the last sentences of a
    long story (where its question usually is)."""
    if len(text) <= FOCUS_CHARS:
        return text
    kept: list[str] = []
    for sentence in reversed(_SENTENCE_END.split(text)):
        if kept and sum(len(k) for k in kept) + len(sentence) > FOCUS_CHARS:
            break
        kept.insert(0, sentence)
    return " ".join(kept)[-FOCUS_CHARS * 2 :]


@dataclass(frozen=True)
class SetLanguage:
    """Event: the user chose a language."""

    lang: str


@dataclass(frozen=True)
class Feedback:
    """Event: the user rated an answer (topic and vote only)."""

    topic: str
    helpful: bool
    lang: str


@dataclass(frozen=True)
class FaqMiss:
    """Event: a question the bot could not answer, counted by language and nearest topic."""

    lang: str
    nearest: str | None
    question: str = field(default="", repr=False)
    """Held in memory only, for a few minutes, in case the user chooses to share it."""


@dataclass(frozen=True)
class ShareMiss:
    """Event: the user agreed to share the question the bot could not answer."""


@dataclass(frozen=True)
class SetState:
    """Event: the conversation moved to another state (see states.py)."""

    state: str | None


@dataclass(frozen=True)
class AdvertChecked:
    """Event: an advert was checked (counted without text; held briefly for a counsellor)."""

    lang: str
    level: str
    flags: tuple[str, ...]
    source: str
    evidence: tuple[tuple[str, ...], ...] = field(default=(), repr=False)
    text: str = field(default="", repr=False)


@dataclass(frozen=True)
class AskForHuman:
    """Event: the person asks for a counsellor (consent is asked before anything is shared)."""

    reason: Reason


@dataclass(frozen=True)
class ConsentGiven:
    """Event: the person answered the consent question (agree: share and queue the case)."""

    agree: bool


@dataclass(frozen=True)
class EndHandoff:
    """Event: the person ends the conversation with the counsellor."""


@dataclass(frozen=True)
class RateHelp:
    """Event: the person says whether the counsellor's help was useful (their own case only)."""

    case_id: int
    useful: bool


@dataclass(frozen=True)
class LanguageNoted:
    """Event: the person was told the bot answers Russian in Ukrainian (once per conversation)."""


@dataclass(frozen=True)
class ShowRiskDetails:
    """Event: the person asks for every warning sign of the advert they just checked."""


@dataclass(frozen=True)
class ForgetMe:
    """Event: the person confirmed /forget: erase them everywhere."""


HandoffEvent = AskForHuman | ConsentGiven | EndHandoff | RateHelp | ForgetMe
"""The steps of the hand-off the conversation can ask for."""


Event = (
    SetLanguage
    | Feedback
    | FaqMiss
    | ShareMiss
    | SetState
    | AdvertChecked
    | LanguageNoted
    | ShowRiskDetails
    | HandoffEvent
)


@dataclass
class Outcome:
    """What the engine decided: replies to send and events to store."""

    replies: list[Reply] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    """The result of answering one question, for the CLI's JSON and for the chat."""

    language: str | None
    answer_language: str
    match: FaqMatch
    answer: str | None


Detector = Callable[[str], tuple[str | None, float]]
AdvertChecker = Callable[[str], Assessment]


class Dialogue:
    """Turns what a user sends into replies and events."""

    def __init__(
        self,
        content: ContentView,
        faq: FaqSearch,
        detect: Detector,
        check_advert: AdvertChecker | None = None,
        judge: RouteJudge | None = None,
    ) -> None:
        self.content = content
        self.faq = faq
        self.detect = detect
        self.check_advert = check_advert
        self.judge = judge

    # ---- building blocks -------------------------------------------------------------
    def _t(self, lang: str, key: str, **params: object) -> str:
        return self.content.text(lang, key, **params)

    def hotline_line(self, lang: str) -> str:
        """The first verified hotline, in one short phrase, for error messages."""
        lines = self.content.hotline_lines(lang)
        return lines[0] if lines else ""

    def hotlines(self, lang: str) -> Reply:
        """The hotlines card."""
        body = "\n".join(self.content.hotline_lines(lang))
        text = (
            f"{self._t(lang, 'hotlines.title')}\n\n{body}\n\n{self._t(lang, 'hotlines.emergency')}"
        )
        return Reply(text)

    def short_hotlines(self, lang: str) -> str:
        """The first hotlines and where the full list is."""
        lines = self.content.hotline_lines(lang)[:SHORT_HOTLINES]
        return "\n".join([*lines, self._t(lang, "hotlines.more")])

    def menu(self, lang: str) -> Reply:
        """The main menu."""
        return Reply(
            self._t(lang, "menu.title"),
            (
                (Button.of(self._t(lang, "menu.ask"), OpenMenu(MenuItem.ASK)),),
                (Button.of(self._t(lang, "menu.check"), OpenMenu(MenuItem.CHECK)),),
                (Button.of(self._t(lang, "menu.counsellor"), OpenMenu(MenuItem.COUNSELLOR)),),
                (Button.of(self._t(lang, "menu.hotlines"), OpenMenu(MenuItem.HOTLINES)),),
            ),
        )

    def language_choice(self) -> Reply:
        """The language question, in both languages."""
        return Reply(
            self._t("uk", "language.choose"),
            (
                (
                    Button.of(self._t("uk", "language.name"), ChooseLanguage("uk")),
                    Button.of(self._t("en", "language.name"), ChooseLanguage("en")),
                ),
            ),
        )

    def privacy(self, lang: str, retention_days: int) -> Reply:
        """The privacy note."""
        return Reply(
            self._t(
                lang,
                "privacy.note",
                retention_days=retention_days,
                hotline_line=self.hotline_line(lang),
            )
        )

    def error(self, lang: str, key: str, **params: object) -> Reply:
        """A kind error reply that always carries a hotline."""
        return Reply(self._t(lang, key, hotline_line=self.hotline_line(lang), **params))

    # ---- questions -------------------------------------------------------------------
    def understand(self, text: str, saved: str | None, force: str | None = None) -> Answer:
        """Find the FAQ answer for a question: searched in the language it is written in (the
        Ukrainian index for Russian too), answered in the person's chosen language."""
        detected: str | None
        if looks_transliterated(text):  # Ukrainian in Latin letters: match it as Ukrainian
            text, detected, confidence = to_cyrillic(text), "uk", 1.0
        else:
            detected, confidence = self.detect(text)
        if detected is not None and confidence >= 0.6:
            language: str | None = detected
        else:
            language = saved if saved in UI_LANGUAGES else detected
        search_language = force or ("en" if language == "en" else "uk")
        answer_language = force or known_language(saved) or search_language
        match = self.faq.search(search_language, focus(text))
        answer = None
        if match.topic is not None:
            answer = self.content.answer(answer_language, match.topic)[1]
        return Answer(language, answer_language, match, answer)

    def _answer_reply(self, lang: str, entry_id: str) -> Reply:
        title, answer, sources, checked = self.content.answer(lang, entry_id)
        links = " · ".join(
            f'<a href="{html.escape(url, quote=True)}">{i}</a>' for i, url in enumerate(sources, 1)
        )
        text = (
            f"<b>{html.escape(title)}</b>\n\n{answer}\n\n"
            f"<i>{self._t(lang, 'faq.sources')} {links}. "
            f"{self._t(lang, 'faq.checked', date=checked)}</i>"
        )
        return Reply(
            text,
            (
                (
                    Button.of(self._t(lang, "feedback.yes"), RateAnswer(entry_id, True)),
                    Button.of(self._t(lang, "feedback.no"), RateAnswer(entry_id, False)),
                ),
            ),
        )

    def question(
        self, text: str, saved: str | None, *, situation: bool = False, noted: bool = False
    ) -> Outcome:
        """Answer a free-text question: answer, offer choices, or say so kindly. A personal
        situation gets the same answer and the offer of a counsellor."""
        ui = known_language(saved)
        stripped = text.strip()
        if not stripped:
            return Outcome([self.error(ui or "uk", "errors.empty")])
        if len(stripped) > MAX_QUESTION_LENGTH:
            return Outcome(
                [
                    self.error(
                        ui or "uk",
                        "errors.too_long",
                        length=len(stripped),
                        limit=MAX_QUESTION_LENGTH,
                    )
                ]
            )
        result = self.understand(stripped, saved)
        lang = result.answer_language
        outcome = Outcome()
        match = result.match
        # the note that the bot answers in Ukrainian goes with an answer, never with a miss,
        # and once per conversation (`noted`: the person was told already)
        prefix = ""
        if result.language == "ru" and match.band is not Band.MISS and not noted:
            prefix = self._t(lang, "language.russian_notice") + "\n\n"
            outcome.events.append(LanguageNoted())
        offer = self._offer(lang) if situation else ()
        # one word (an app, a country) asks which topic, also when the word alone reads off-topic
        if _one_word(stripped) and match.ranked and match.confidence >= SUGGEST_THRESHOLD:
            rows = self._topic_rows(lang, match.ranked)
            outcome.replies.append(Reply(self._t(lang, "faq.clarify"), rows))
        elif match.band is Band.ANSWER and match.topic is not None:
            reply = self._answer_reply(lang, match.topic)
            if situation:  # someone telling what happened to them also gets the phones
                offer_text = self._t(lang, "situation.offer") + "\n" + self.short_hotlines(lang)
                reply = Reply(reply.text + "\n\n" + offer_text, reply.buttons)
            outcome.replies.append(Reply(prefix + reply.text, reply.buttons + offer))
        elif match.band is Band.SUGGEST:
            rows = self._topic_rows(lang, match.suggestions)
            text = self._t(lang, "faq.suggest")
            if situation:
                text = self._t(lang, "situation.suggest") + "\n" + self.short_hotlines(lang)
            outcome.replies.append(Reply(prefix + text, rows + offer))
        else:
            outcome.events.append(FaqMiss(lang, match.nearest, stripped))
            key = "situation.miss" if situation else "faq.miss"
            ask = (Button.of(self._t(lang, "menu.counsellor"), AskCounsellor(Reason.FAQ_MISS)),)
            outcome.replies.append(
                Reply(
                    self._t(lang, key) + "\n\n" + self.short_hotlines(lang),
                    (ask, (Button.of(self._t(lang, "faq.share_button"), ShareQuestion()),)),
                )
            )
        return outcome

    def _topic_rows(self, lang: str, topics: tuple[str, ...]) -> tuple[tuple[Button, ...], ...]:
        return tuple(
            (Button.of(self.content.answer(lang, topic)[0], ShowAnswer(topic)),) for topic in topics
        )

    def _offer(self, lang: str) -> tuple[tuple[Button, ...], ...]:
        """The offer of a counsellor, as a row of one button."""
        return ((Button.of(self._t(lang, "menu.counsellor"), AskCounsellor(Reason.USER_ASKED)),),)

    def small_talk(self, chat: Chat | None, saved: str | None) -> Outcome:
        """A greeting, thanks, goodbye or "ok": a short, warm reply and the menu."""
        lang = ui_language(saved)
        if chat is None:
            return Outcome([Reply(self._t(lang, "smalltalk.unclear")), self.menu(lang)])
        return Outcome([Reply(self._t(lang, f"smalltalk.{chat.value}")), self.menu(lang)])

    def about_bot(self, text: str, saved: str | None) -> Outcome:
        """A question about the bot: its FAQ answer when there is one (privacy, who runs it),
        otherwise who the bot is and what it can do; then the menu."""
        lang = ui_language(saved)
        if _ABOUT_DATA.search(text):  # what happens to my data: the FAQ's sourced answer
            result = self.understand(text, saved)
            lang, match = result.answer_language, result.match
            if match.band is Band.ANSWER and match.topic is not None:
                return Outcome([self._answer_reply(lang, match.topic), self.menu(lang)])
        return Outcome([Reply(self._t(lang, "about.text")), self.menu(lang)])

    # ---- adverts ----------------------------------------------------------------------
    def message(
        self,
        text: str,
        saved: str | None,
        state: str | None,
        forwarded: bool = False,
        *,
        noted: bool = False,
    ) -> Outcome:
        """Free text, routed by `routing.route` to the reply its kind needs; a pending mode
        (waiting for an advert) ends with this message whatever it is, and one that timed out
        says so first. `noted`: the person was already told that Russian is answered in
        Ukrainian."""
        routed = route(
            text,
            forwarded=forwarded,
            awaiting_advert=state == states.AWAITING_ADVERT,
            judge=self.judge,
        )
        outcome = self._routed(routed.route, routed.chat, text, saved, forwarded, noted)
        if state == states.ADVERT_WAIT_ENDED:  # the mode timed out: say so before the reply
            minutes = int(states.MODE_TIMEOUT.total_seconds() // 60)
            ended = self._t(ui_language(saved), "risk.wait_ended", minutes=minutes)
            outcome.replies.insert(0, Reply(ended))
        if state is not None and not any(isinstance(e, SetState) for e in outcome.events):
            outcome.events.append(SetState(None))
        return outcome

    def _routed(
        self,
        kind: Route,
        chat: Chat | None,
        text: str,
        saved: str | None,
        forwarded: bool,
        noted: bool,
    ) -> Outcome:
        match kind:
            case Route.DANGER:
                return self.danger(text, saved)
            case Route.HUMAN:
                return Outcome([], [AskForHuman(Reason.USER_ASKED)])
            case Route.SMALL_TALK:
                return self.small_talk(chat, saved)
            case Route.ABOUT_BOT:
                return self.about_bot(text, saved)
            case Route.NONSENSE:
                return self.small_talk(None, saved)
            case Route.ADVERT:
                return self.advert(text, saved, "forward" if forwarded else "text")
            case Route.SITUATION:
                return self.question(text, saved, situation=True, noted=noted)
            case Route.LINK:  # a link the caller could not open for us: ask for the text
                lang = ui_language(saved)
                return Outcome(
                    [Reply(self._t(lang, "link.paste_instead"))], [SetState(states.AWAITING_ADVERT)]
                )
        return self.question(text, saved, noted=noted)

    def danger(self, text: str, saved: str | None) -> Outcome:
        """Danger now: the emergency numbers first, then the answer to what was asked (signs of
        trafficking, helping someone else, being trapped) when the FAQ has one."""
        outcome = self.emergency(saved)
        result = self.understand(text, saved)
        lang, match = result.answer_language, result.match
        if match.band is Band.ANSWER and match.topic is not None:
            outcome.replies.append(self._answer_reply(lang, match.topic))
        elif match.band is Band.SUGGEST:
            rows = self._topic_rows(lang, match.suggestions)
            outcome.replies.append(Reply(self._t(lang, "faq.suggest"), rows))
        return outcome

    def emergency(self, saved: str | None) -> Outcome:
        """Words of immediate danger: the emergency numbers at once, whatever the hours."""
        lang = ui_language(saved)
        text = self._t(lang, "handoff.emergency") + "\n\n" + self.hotlines(lang).text
        button = Button.of(self._t(lang, "menu.counsellor"), AskCounsellor(Reason.EMERGENCY))
        return Outcome([Reply(text, ((button,),))])

    def _card_language(self, text: str, saved: str | None) -> str:
        if saved in UI_LANGUAGES:
            return saved
        detected, _ = self.detect(text)
        return "en" if detected == "en" else "uk"

    def advert(self, text: str, saved: str | None, source: str) -> Outcome:
        """Check an advert and show the risk card; ask for more when it is too short."""
        lang = self._card_language(text, saved)
        if too_short(text):
            return Outcome(
                [
                    Reply(
                        self._t(lang, "risk.too_short"),
                        (
                            (Button.of(self._t(lang, "menu.check"), OpenMenu(MenuItem.CHECK)),),
                            (Button.of(self._t(lang, "menu.ask"), OpenMenu(MenuItem.ASK)),),
                        ),
                    )
                ],
                [SetState(None)],  # one use: the mode ends, the button starts it again
            )
        if self.check_advert is None:
            return Outcome(
                [self.error(lang, "risk.unavailable"), self.hotlines(lang)], [SetState(None)]
            )
        assessment = self.check_advert(text)
        return Outcome(
            [risk_card(self.content, lang, assessment)],
            [
                SetState(None),
                AdvertChecked(
                    lang,
                    assessment.level.value,
                    tuple(f.id for f in assessment.flags),
                    source,
                    tuple(f.evidence for f in assessment.flags),
                    text,
                ),
            ],
        )

    def picture(self, text: str, first_line: str, saved: str | None) -> Outcome:
        """An advert read from a picture, checked like a pasted one; its card opens with the
        first line read, so the person sees what was read. Too few words: the text is asked
        for."""
        if too_short(text):
            return self.picture_failed("too_short", saved)
        outcome = self.advert(text, saved, "picture")
        lang = self._card_language(text, saved)
        read = self._t(lang, "picture.read_from", first_line=html.escape(first_line))
        outcome.replies[0] = replace(
            outcome.replies[0], text=f"{read}\n\n{outcome.replies[0].text}"
        )
        return outcome

    def picture_failed(self, failure: str, saved: str | None) -> Outcome:
        """No advert could be taken from a picture: say why, kindly, and ask for the text."""
        lang = ui_language(saved)
        return Outcome([Reply(self._t(lang, f"picture.failed.{failure}"))], [SetState(None)])

    def risk_details(self, saved: str | None, advert: SharedAdvert | None) -> Reply:
        """Every sign of the advert just checked; said kindly when it is no longer held."""
        lang = ui_language(saved)
        if advert is None:
            return Reply(self._t(lang, "risk.details_expired"))
        return risk_details(self.content, lang, advert)

    def link_failed(self, reason: str, status: int | None, saved: str | None) -> Outcome:
        """A link could not be opened: say why and ask for the text instead."""
        lang = ui_language(saved)
        why = self._t(lang, f"link.refused.{reason}", status=status or "")
        return Outcome(
            [Reply(f"{why}\n\n{self._t(lang, 'link.paste_instead')}")],
            [SetState(states.AWAITING_ADVERT)],
        )

    # ---- actions (buttons) -----------------------------------------------------------
    def action(
        self,
        action: Action | str | None,
        saved: str | None,
        retention_days: int,
        asked_ago: dt.timedelta | None = None,
    ) -> Outcome:
        """Handle a button press (its action, or its callback data); unknown or stale actions,
        and counsellors' actions, get the menu again. Every button leaves a pending mode
        (only "Check a job offer" starts one). A "yes" to a question asked longer ago than
        `states.CONFIRM_TIMEOUT` (`asked_ago`: the age of the message with the button) is not
        acted on, and the person is told so."""
        pressed = decode(action) if action is None or isinstance(action, str) else action
        saying_yes = (isinstance(pressed, Consent) and pressed.agree) or (
            isinstance(pressed, ConfirmForget) and pressed.erase
        )
        if saying_yes and asked_ago is not None and asked_ago > states.CONFIRM_TIMEOUT:
            lang = ui_language(saved)
            minutes = int(states.CONFIRM_TIMEOUT.total_seconds() // 60)
            expired = Reply(self._t(lang, "confirm.expired", minutes=minutes))
            return _leaving_modes(Outcome([expired, self.menu(lang)]))
        return _leaving_modes(self._action(pressed, saved, retention_days))

    def _action(
        self, action: Action | str | None, saved: str | None, retention_days: int
    ) -> Outcome:
        lang = ui_language(saved)
        pressed = decode(action) if action is None or isinstance(action, str) else action
        match pressed:
            case ChooseLanguage(chosen) if chosen in UI_LANGUAGES:
                return Outcome(
                    [
                        Reply(self._t(chosen, "language.set")),
                        self.privacy(chosen, retention_days),
                        self.menu(chosen),
                    ],
                    [SetLanguage(chosen)],
                )
            case OpenMenu(MenuItem.ASK):
                return Outcome([Reply(self._t(lang, "ask.prompt"))], [SetState(None)])
            case OpenMenu(MenuItem.HOTLINES):
                return Outcome([self.hotlines(lang)])
            case OpenMenu(MenuItem.CHECK):
                return Outcome(
                    [Reply(self._t(lang, "risk.prompt"))], [SetState(states.AWAITING_ADVERT)]
                )
            case OpenMenu(MenuItem.COUNSELLOR):
                return Outcome([], [AskForHuman(Reason.USER_ASKED)])
            case ShareQuestion():
                return Outcome([], [ShareMiss()])
            case RiskDetails():
                return Outcome([], [ShowRiskDetails()])
            case AskCounsellor(reason):
                return Outcome([], [AskForHuman(reason)])
            case Consent(agree):
                return Outcome([], [ConsentGiven(agree)])
            case EndCase():
                return Outcome([], [EndHandoff()])
            case RateCase(case_id, useful):
                # whose case it is is checked where cases are: PersonHandoff.rate
                return Outcome([], [RateHelp(case_id, useful)])
            case ConfirmForget(True):
                return Outcome([], [ForgetMe()])
            case ConfirmForget(False):
                return Outcome([Reply(self._t(lang, "handoff.forget_cancelled"))])
            case ShowAnswer(entry) if self._has_entry(entry):
                return Outcome([self._answer_reply(lang, entry)])
            case RateAnswer(entry, helpful) if self._has_entry(entry):
                return Outcome(
                    [Reply(self._t(lang, "feedback.thanks"))], [Feedback(entry, helpful, lang)]
                )
        return Outcome([self.menu(lang)])

    def text(self, lang: str, key: str, **params: object) -> str:
        """A UI string in a language."""
        return self._t(lang, key, **params)

    def content_hours(self) -> WorkingHours | None:
        """When counsellors work, from content."""
        return self.content.hours()

    def note(self, lang: str | None, key: str, **params: object) -> Reply:
        """A one-line reply from a UI string."""
        return Reply(self._t(ui_language(lang), key, **params))

    def counsellor_unavailable(self, lang: str) -> Outcome:
        """Until counsellors are configured: say so honestly and give the hotlines."""
        return Outcome(
            [
                Reply(
                    self._t(lang, "not_built.counsellor")
                    + "\n\n"
                    + "\n".join(self.content.hotline_lines(lang))
                )
            ]
        )

    def _has_entry(self, entry_id: str) -> bool:
        try:
            self.content.answer("uk", entry_id)
        except KeyError:
            return False
        return True

    # ---- commands --------------------------------------------------------------------
    def command(self, name: str, saved: str | None, retention_days: int) -> Outcome:
        """Handle /start, /language, /help, /privacy, /hotlines and unknown commands; every
        command leaves a pending mode."""
        return _leaving_modes(self._command(name, saved, retention_days))

    def _command(self, name: str, saved: str | None, retention_days: int) -> Outcome:
        lang = ui_language(saved)
        if name == "start":
            if saved not in UI_LANGUAGES:
                return Outcome([self.language_choice()])
            return Outcome([self.menu(lang)])
        if name == "language":
            return Outcome([self.language_choice()])
        if name == "help":
            return Outcome([Reply(self._t(lang, "help.text")), self.menu(lang)])
        if name == "privacy":
            return Outcome([self.privacy(lang, retention_days)])
        if name == "hotlines":
            return Outcome([self.hotlines(lang)])
        if name == "forget":
            return Outcome(
                [
                    Reply(
                        self._t(lang, "handoff.forget_confirm"),
                        (
                            (
                                Button.of(self._t(lang, "handoff.forget_yes"), ConfirmForget(True)),
                                Button.of(self._t(lang, "handoff.forget_no"), ConfirmForget(False)),
                            ),
                        ),
                    )
                ]
            )
        if name == "end":
            return Outcome([], [EndHandoff()])
        return Outcome(
            [Reply(self._t(lang, "errors.unknown_command") + "\n\n" + self._t(lang, "help.text"))]
        )

    def unsupported(self, kind: str, saved: str | None) -> Outcome:
        """A sticker, photo, voice, file or edit: say kindly what the bot can read."""
        lang = ui_language(saved)
        key = {"sticker": "errors.sticker", "edited": "errors.edited"}.get(kind, "errors.media")
        return Outcome([Reply(self._t(lang, key))])
