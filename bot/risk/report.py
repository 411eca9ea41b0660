"""`perevir check-ad` as text: the card the bot shows (the JSON shape is in bot/cli/shapes.py)."""

from __future__ import annotations

from pathlib import Path

from bot.content import load_content
from bot.content.view import RenderedContent
from bot.domain.advert import risk_card
from bot.domain.language import ui_language
from bot.risk.model import CheckResult
from bot.terminal import plain


def _content(content_dir: Path) -> RenderedContent:
    return RenderedContent(load_content(content_dir))


def check_result_text(result: CheckResult, content_dir: Path) -> str:
    """The risk card as plain text, in the advert's language (Ukrainian for Russian)."""
    card = risk_card(_content(content_dir), ui_language(result.language), result.assessment)
    return plain(card.text) + f"\n\n(model {result.model_version})"
