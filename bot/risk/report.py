"""`perevir check-ad` output: the same card the bot shows, as JSON or readable text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.content import load_content
from bot.content.view import RenderedContent
from bot.domain.advert import advice_text, risk_card
from bot.risk.model import CheckResult
from bot.terminal import plain


def _content(content_dir: Path) -> RenderedContent:
    return RenderedContent(load_content(content_dir))


def _lang(result: CheckResult) -> str:
    return "en" if result.language == "en" else "uk"


def check_result_json(result: CheckResult, content_dir: Path) -> dict[str, Any]:
    """The documented JSON shape of one check."""
    assessment = result.assessment
    return {
        "language": result.language,
        "risk": assessment.level.value,
        "score": assessment.score,
        "flags": [
            {"id": f.id, "confidence": f.confidence, "evidence": list(f.evidence)}
            for f in assessment.flags
        ],
        "advice": plain(advice_text(_content(content_dir), _lang(result), assessment)),
        "model_version": result.model_version,
    }


def check_result_text(result: CheckResult, content_dir: Path) -> str:
    """The risk card as plain text, in the advert's language (Ukrainian for Russian)."""
    card = risk_card(_content(content_dir), _lang(result), result.assessment)
    return plain(card.text) + f"\n\n(model {result.model_version})"
