"""The contract between code and content: every UI key the bot reads, and its {placeholders}.

UI_KEYS lists each key the code reads with the placeholder names the code passes when it fills
the text (see `Content.text` and `fill`). A UI string may use any of them, and no other: an
unknown {name} would reach the user as it is. FAMILIES are keys the code builds at run time
from an id (`f"risk.level.{level}"`); FAMILY_IDS says which ids exist, so every member is a
required key too.

REQUIRED lists the placeholders a text must keep, with what the bot puts there. The rule: a
placeholder is optional unless the text is wrong without it, meaning the reader cannot act
on it or it misstates what happens. Examples: a counsellor's notice without the request's {tag}
(they have several requests open), a consent question that does not say what is shared,
or a count the sentence is about. Everything else is optional; editors may rephrase without it.

tests/test_content_contract.py scans bot/ for text lookups and fails when the code reads a key
this module does not declare, so a new key in code cannot ship without a line here.
"""

from __future__ import annotations

import re

import yaml

from bot.domain.cases import CaseOutcome, Reason
from bot.domain.risk import RiskLevel
from bot.domain.routing import Chat

_NONE: frozenset[str] = frozenset()
_TAG = frozenset({"tag"})
_HOTLINE = frozenset({"hotline_line"})
"""`Dialogue.error` fills {hotline_line} into every text it is given."""

UI_KEYS: dict[str, frozenset[str]] = {
    # bot/domain/dialogue.py: the job-seeker's conversation
    "language.choose": _NONE,
    "language.name": _NONE,
    "language.set": _NONE,
    "language.russian_notice": _NONE,
    "privacy.note": frozenset({"retention_days", "hotline_line"}),
    "menu.title": _NONE,
    "menu.ask": _NONE,
    "menu.check": _NONE,
    "menu.counsellor": _NONE,
    "menu.hotlines": _NONE,
    "ask.prompt": _NONE,
    "faq.suggest": _NONE,
    "faq.miss": _NONE,
    "faq.share_button": _NONE,
    "faq.sources": _NONE,
    "faq.checked": frozenset({"date"}),
    "feedback.yes": _NONE,
    "feedback.no": _NONE,
    "feedback.thanks": _NONE,
    "hotlines.title": _NONE,
    "hotlines.emergency": _NONE,
    "help.text": _NONE,
    "not_built.counsellor": _NONE,
    "errors.empty": _HOTLINE,
    "errors.too_long": frozenset({"length", "limit", "hotline_line"}),
    "errors.sticker": _NONE,
    "errors.media": _NONE,
    "errors.edited": _NONE,
    "errors.unknown_command": _NONE,
    "link.paste_instead": _NONE,
    # bot/domain/dialogue.py: what routing.route sends each kind of message to
    "faq.clarify": _NONE,
    "hotlines.more": _NONE,
    "situation.offer": _NONE,
    "situation.suggest": _NONE,
    "situation.miss": _NONE,
    "smalltalk.unclear": _NONE,
    "about.text": _NONE,
    # bot/tg/handlers.py: the reply when a handler fails, or takes too long
    "errors.internal": _HOTLINE,
    "errors.too_slow": _HOTLINE,
    # bot/app/conversation.py
    "faq.shared": _NONE,
    "faq.share_expired": _NONE,
    "handoff.forget_done": frozenset({"deleted"}),
    "handoff.forget_failed": _NONE,
    # bot/content/view.py: one line per verified hotline
    "hotlines.line": frozenset({"number", "name", "note", "hours"}),
    # bot/domain/advert.py and dialogue.py: the job-offer check
    "risk.prompt": _NONE,
    "risk.too_short": _NONE,
    "risk.wait_ended": frozenset({"minutes"}),
    "confirm.expired": frozenset({"minutes"}),
    "risk.unavailable": _HOTLINE,
    "risk.title": _NONE,
    "risk.flags_heading": _NONE,
    "risk.flag_line": frozenset({"name", "evidence"}),
    "risk.flag_line_no_evidence": frozenset({"name"}),
    "risk.evidence_separator": _NONE,
    "risk.more_flags": frozenset({"count"}),
    "risk.details_button": _NONE,
    "risk.details_expired": _NONE,
    "risk.disclaimer": _NONE,
    "risk.talk_button": _NONE,
    # bot/domain/dialogue.py: an advert read from a picture (bot/ocr)
    "picture.read_from": frozenset({"first_line"}),
    # bot/app/person_handoff.py and case_texts.py: the person's side of a hand-off
    "handoff.emergency": _NONE,
    "handoff.consent": frozenset({"shared"}),
    "handoff.shared_question": _NONE,
    "handoff.shared_advert": _NONE,
    "handoff.shared_both": frozenset({"first", "second"}),
    "handoff.agree": _NONE,
    "handoff.decline": _NONE,
    "handoff.declined": _NONE,
    "handoff.queued": _NONE,
    "handoff.hours": frozenset({"hours"}),
    "hours.text": _NONE,
    "handoff.out_of_hours": _NONE,
    "handoff.already_waiting": _NONE,
    "handoff.taken": frozenset({"name"}),
    "handoff.default_name": _NONE,
    "handoff.end_button": _NONE,
    "handoff.ended_by_user": _NONE,
    "handoff.ended_by_counsellor": _NONE,
    "handoff.useful": _NONE,
    "handoff.useful_yes": _NONE,
    "handoff.useful_no": _NONE,
    "handoff.useful_thanks": _NONE,
    "handoff.returned_to_queue": _NONE,
    "handoff.relay_refused": _NONE,
    "handoff.during_case": _NONE,
    "handoff.forget_confirm": _NONE,
    "handoff.forget_yes": _NONE,
    "handoff.forget_no": _NONE,
    "handoff.forget_cancelled": _NONE,
    "handoff.consent_flags": frozenset({"flags"}),
    "handoff.corrected": frozenset({"text"}),
    # bot/app/counsellor_desk.py and case_texts.py: texts for counsellors
    "counsellor.card": frozenset({"tag", "language", "reason", "waiting", "flags"}),
    "counsellor.card_ended": _TAG,
    "counsellor.minutes": frozenset({"minutes"}),
    "counsellor.take_button": _NONE,
    "counsellor.taken_by_you": _TAG,
    "counsellor.taken_by_other": _TAG,
    "counsellor.taken_in_group": frozenset({"tag", "name"}),
    "counsellor.request_ended": _TAG,
    "counsellor.start_private_first": _NONE,
    "counsellor.not_allowed": _NONE,
    "counsellor.relayed_header": _TAG,
    "counsellor.edited_header": _TAG,
    "counsellor.no_case_selected": _NONE,
    "counsellor.choose_case": _NONE,
    "counsellor.selected": _TAG,
    "counsellor.sent_to": _TAG,
    "counsellor.not_your_case": _TAG,
    "counsellor.person_blocked": _TAG,
    "counsellor.not_delivered": _TAG,
    "counsellor.cases_none": _NONE,
    "counsellor.cases_heading": _NONE,
    "counsellor.blocked_mark": _NONE,
    "counsellor.transfer_done": _TAG,
    "counsellor.close_prompt": _TAG,
    "counsellor.closed": frozenset({"tag", "outcome"}),
    "counsellor.user_ended": _TAG,
    "counsellor.user_forgot": _TAG,
    "counsellor.card_flags": frozenset({"flags"}),
    "counsellor.brief_flag": frozenset({"name", "evidence"}),
    "counsellor.brief_advert": frozenset({"advert"}),
    "counsellor.case_line": frozenset({"tag", "language", "reason"}),
    "counsellor.case_line_blocked": frozenset({"tag", "language", "reason", "blocked"}),
    "counsellor.case_button": _TAG,
    "counsellor.location": frozenset({"latitude", "longitude"}),
    # bot/terminal.py: a copy of a message (a photo, a file), which only Telegram can show
    "terminal.copy_shown": _NONE,
}

FAMILIES: dict[str, frozenset[str]] = {
    "risk.level.{level}": _NONE,
    "risk.summary.{level}": _NONE,
    "risk.next_steps.{level}": _NONE,
    "flags.{flag}.name": _NONE,
    "flags.{flag}.advice": _NONE,
    "counsellor.reasons.{reason}": _NONE,
    "counsellor.outcome.{outcome}": _NONE,
    "smalltalk.{chat}": _NONE,
    # dialogue.link_failed passes status= to every refusal (empty unless http_error)
    "link.refused.{refusal}": frozenset({"status"}),
    # dialogue.picture_failed: why no advert could be taken from a picture
    "picture.failed.{picture_failure}": _NONE,
}
"""Keys built from an id at run time, by template; {name} stands for one id of FAMILY_IDS."""

LINK_REFUSALS = frozenset(
    {
        "scheme",
        "port",
        "credentials",
        "private",
        "too_big",
        "timeout",
        "redirects",
        "http_error",
        "not_text",
        "failed",
    }
)
"""The reasons bot/web/fetch.py gives in FetchError (the test checks it against the code)."""

PICTURE_FAILURES = frozenset(
    {
        "too_large",
        "too_many_pixels",
        "not_image",
        "no_text",
        "too_slow",
        "unavailable",
        "too_short",
    }
)
"""Why a picture gave no advert: the failures of bot/ocr (`OcrFailure`), and too few words
read (the test checks them against the code)."""

FAMILY_IDS: dict[str, frozenset[str] | None] = {
    "level": frozenset(level.value for level in RiskLevel),
    "reason": frozenset(reason.value for reason in Reason),
    "outcome": frozenset(outcome.value for outcome in CaseOutcome),
    "refusal": LINK_REFUSALS,
    "picture_failure": PICTURE_FAILURES,
    "chat": frozenset(chat.value for chat in Chat),
    "flag": None,
}
"""The ids of each family; None: the ids come from the risk taxonomy (see `flag_ids`)."""

REQUIRED: dict[str, dict[str, str]] = {
    "faq.checked": {"date": "the date the answer was last checked"},
    "errors.too_long": {"limit": "the longest question the bot accepts"},
    "errors.internal": {
        "hotline_line": "a hotline (this reply is all a person gets when the bot fails)"
    },
    "hotlines.line": {"number": "the hotline's phone number"},
    "risk.flag_line": {"name": "the name of the warning sign"},
    "picture.read_from": {"first_line": "the first line read (the person sees what was read)"},
    "risk.flag_line_no_evidence": {"name": "the name of the warning sign"},
    "handoff.consent": {"shared": "what the counsellor will see (the person consents to it)"},
    "handoff.shared_both": {"first": "the first shared item", "second": "the second shared item"},
    "handoff.hours": {"hours": "the counsellors' working hours, from hours.text"},
    "counsellor.minutes": {"minutes": "the minutes the person has waited"},
    **{
        key: {"tag": "the request's number (counsellors can have several requests open)"}
        for key in (
            "counsellor.card",
            "counsellor.card_ended",
            "counsellor.taken_by_you",
            "counsellor.taken_in_group",
            "counsellor.request_ended",
            "counsellor.relayed_header",
            "counsellor.edited_header",
            "counsellor.selected",
            "counsellor.sent_to",
            "counsellor.not_your_case",
            "counsellor.person_blocked",
            "counsellor.not_delivered",
            "counsellor.transfer_done",
            "counsellor.close_prompt",
            "counsellor.closed",
            "counsellor.user_ended",
            "counsellor.user_forgot",
        )
    },
}
"""Per key: the placeholders its text must use, and what the bot puts there (for the editor)."""

_FAMILY_PART = re.compile(r"\{([a-z_]+)\}")


def flag_ids() -> frozenset[str] | None:
    """The red-flag ids of training_data/labels.yaml, or None when it cannot be read."""
    from bot.risk.data import DataError, load_labels

    try:
        return frozenset(label.id for label in load_labels())
    except (OSError, yaml.YAMLError, DataError, KeyError, TypeError, ValueError):
        return None


def family_ids(flags: frozenset[str] | None = None) -> dict[str, frozenset[str] | None]:
    """The ids of each family, with the flag ids given (None leaves that family open)."""
    return {**FAMILY_IDS, "flag": flags}


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = _FAMILY_PART.split(template)
    # split() alternates literal text and family names: literal, name, literal, ...
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^.]+)" for i, part in enumerate(parts)
    )
    return re.compile(regex)


_PATTERNS = {template: _template_pattern(template) for template in FAMILIES}


def expand(ids: dict[str, frozenset[str] | None]) -> dict[str, frozenset[str]]:
    """Every concrete key the bot reads, with its placeholders (families with known ids)."""
    keys = dict(UI_KEYS)
    for template, fills in FAMILIES.items():
        names = _FAMILY_PART.findall(template)
        if len(names) != 1:  # pragma: no cover - a mistake in this module
            raise ValueError(f"a family needs exactly one id: {template}")
        members = ids.get(names[0])
        if members is None:
            continue
        for member in members:
            keys[template.replace("{" + names[0] + "}", member)] = fills
    return keys


def placeholders_for(
    key: str, ids: dict[str, frozenset[str] | None] | None = None
) -> frozenset[str] | None:
    """The placeholders the bot fills into a key, or None when the bot never reads the key."""
    ids = FAMILY_IDS if ids is None else ids
    if key in UI_KEYS:
        return UI_KEYS[key]
    for template, fills in FAMILIES.items():
        match = _PATTERNS[template].fullmatch(key)
        if match is None:
            continue
        name, member = next(iter(match.groupdict().items()))
        members = ids.get(name)
        if members is None or member in members:  # an open family accepts any id
            return fills
    return None


def required_placeholders(key: str) -> dict[str, str]:
    """The placeholders a key's text must use, each with what the bot puts there."""
    return REQUIRED.get(key, {})
