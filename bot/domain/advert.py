"""What the user sees about a checked advert: the risk card, and when a text is an advert."""

from __future__ import annotations

import html
import re

from bot.domain.actions import AskCounsellor, RiskDetails
from bot.domain.cases import Reason, SharedAdvert
from bot.domain.dialogue_types import Button, ContentView, Reply
from bot.domain.risk import Assessment

MIN_ADVERT_WORDS = 12
CARD_FLAGS = 3
"""A card names at most this many warning signs (the strongest first), so it fits a phone."""
CARD_HOTLINES = 2
"""and the first hotlines of content (527, 1547); /hotlines has them all."""
LIKELY_ADVERT_WORDS = 25
_MARKERS = re.compile(
    r"(€|\$|£|zł|зл|грн|eur|usd|pln|czk|/год|/h\b|/hour|/міс|/мес|per hour|per month|"
    r"зарплат|зп\b|salary|wage|вакансі|ваканси|vacanc|hiring|набір|набор|робота в|работа в|"
    r"job in|work in|\+\d{2}|@\w|viber|вайбер|telegram|whatsapp)",
    re.IGNORECASE,
)
_URL = re.compile(
    r"https?://\S+|\bwww\.\S+|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|info|biz|"
    r"ua|pl|de|eu|cz|sk|lt|lv|ee|uk|nl|it|es|pt|fr|il|tr|ae|io|co|jobs)/\S*",
    re.IGNORECASE,
)


def looks_like_advert(text: str) -> bool:
    """A long text with pay, contact or vacancy markers reads as an advert, not a question."""
    words = len(text.split())
    return words >= LIKELY_ADVERT_WORDS and len(_MARKERS.findall(text)) >= 2


def find_link(text: str) -> str | None:
    """The link in a message that is mostly a link (so the page is what should be checked)."""
    match = _URL.search(text)
    if match is None:
        return None
    rest = (text[: match.start()] + text[match.end() :]).split()
    if len(rest) > 8:
        return None
    link = match.group(0).rstrip(".,);]>»\"'")
    return link if link.lower().startswith(("http://", "https://")) else f"https://{link}"


def too_short(text: str) -> bool:
    """Too few words to judge."""
    return len(text.split()) < MIN_ADVERT_WORDS


def _flag_line(content: ContentView, lang: str, flag_id: str, evidence: tuple[str, ...]) -> str:
    """One warning sign: its name, the advert's words that carry it, and its advice."""
    name = content.text(lang, f"flags.{flag_id}.name")
    if evidence:
        joiner = content.text(lang, "risk.evidence_separator")
        quoted = joiner.join(html.escape(e) for e in evidence)
        line = content.text(lang, "risk.flag_line", name=name, evidence=quoted)
    else:
        line = content.text(lang, "risk.flag_line_no_evidence", name=name)
    return f"{line}\n  <i>{content.text(lang, f'flags.{flag_id}.advice')}</i>"


def _flag_lines(content: ContentView, lang: str, assessment: Assessment) -> list[str]:
    return [
        _flag_line(content, lang, flag.id, tuple(flag.evidence))
        for flag in assessment.flags[:CARD_FLAGS]
    ]


def risk_card(content: ContentView, lang: str, assessment: Assessment) -> Reply:
    """The result card: level, meaning, flags with quoted evidence and advice, next steps."""
    level = assessment.level.value
    parts = [
        content.text(lang, "risk.title"),
        f"<b>{content.text(lang, f'risk.level.{level}')}</b>",
        content.text(lang, f"risk.summary.{level}"),
    ]
    flags = _flag_lines(content, lang, assessment)
    if flags:
        more = len(assessment.flags) - CARD_FLAGS
        if more > 0:
            flags.append(content.text(lang, "risk.more_flags", count=more))
        parts.append(content.text(lang, "risk.flags_heading") + "\n" + "\n".join(flags))
    parts.append(content.text(lang, f"risk.next_steps.{level}"))
    hotlines = content.hotline_lines(lang)[:CARD_HOTLINES]
    parts.append("\n".join([*hotlines, content.text(lang, "hotlines.more")]))
    parts.append(f"<i>{content.text(lang, 'risk.disclaimer')}</i>")
    reason = Reason.RISKY_ADVERT if assessment.flags else Reason.USER_ASKED
    talk = Button.of(content.text(lang, "risk.talk_button"), AskCounsellor(reason))
    if not assessment.flags:
        return Reply("\n\n".join(parts), ((talk,),))
    details = Button.of(content.text(lang, "risk.details_button"), RiskDetails())
    return Reply("\n\n".join(parts), ((details,), (talk,)))


def risk_details(content: ContentView, lang: str, advert: SharedAdvert) -> Reply:
    """Every warning sign of a checked advert, with the words that carry it and its advice."""
    lines = [content.text(lang, "risk.flags_heading")]
    lines += [_flag_line(content, lang, flag.id, flag.evidence) for flag in advert.flags]
    talk = Button.of(content.text(lang, "risk.talk_button"), AskCounsellor(Reason.RISKY_ADVERT))
    return Reply("\n".join(lines), ((talk,),))


def advice_text(content: ContentView, lang: str, assessment: Assessment) -> str:
    """The advice of a card as plain lines (summary, per-flag advice, next steps)."""
    lines = [content.text(lang, f"risk.summary.{assessment.level.value}")]
    lines += [content.text(lang, f"flags.{f.id}.advice") for f in assessment.flags]
    lines.append(content.text(lang, f"risk.next_steps.{assessment.level.value}"))
    return "\n".join(lines)
