"""Content that editors change: FAQ entries, UI strings and advice, hotlines."""

from bot.content.loader import ContentError, Problem, load_content
from bot.content.model import Content, FaqEntry, FaqText, Hotline, Source

__all__ = [
    "Content",
    "ContentError",
    "FaqEntry",
    "FaqText",
    "Hotline",
    "Problem",
    "Source",
    "load_content",
]
