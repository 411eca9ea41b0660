"""Checks Telegram's HTML subset the way the Bot API parses it."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

MAX_MESSAGE_LENGTH = 4096
ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-spoiler",
        "span",
        "tg-emoji",
    }
)
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
_TAG = re.compile(r"<[^>]*>")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"the tag <{tag}> is not allowed by Telegram")
            return
        href = (dict(attrs).get("href") or "").strip()
        if tag == "a" and not href:
            self.problems.append("a link <a> needs an href")
        elif tag == "a" and not href.lower().startswith(
            ("https://", "http://", "tg://", "mailto:")
        ):
            self.problems.append("a link must start with https://, http://, tg:// or mailto:")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes a tag that is not open")
            return
        self.stack.pop()


def html_problems(text: str) -> list[str]:
    """Plain-language problems that would make Telegram refuse this HTML; empty when fine."""
    problems: list[str] = []
    stripped = _TAG.sub("", text)
    for match in re.finditer(r"&", stripped):
        if not _ENTITY.match(stripped, match.start()):
            problems.append("a bare '&' must be written as &amp;")
            break
    if "<" in stripped or ">" in stripped.replace("&gt;", ""):
        problems.append("a bare '<' or '>' must be written as &lt; or &gt;")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    problems.extend(checker.problems)
    if checker.stack:
        problems.append(f"<{checker.stack[-1]}> is never closed")
    return problems


def visible_text(text: str) -> str:
    """The text a user sees: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def visible_length(text: str) -> int:
    """Length as Telegram counts it after parsing entities (UTF-16 code units)."""
    return len(visible_text(text).encode("utf-16-le")) // 2
