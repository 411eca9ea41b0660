"""Every JSON object the `perevir` command prints, in one place.

Scripts rely on these shapes (tests/test_cli.py, tests/test_content_contract.py check them),
so each is a TypedDict with one builder; a command calls the builder and :func:`dumps`, never
builds a dict of its own. Keys keep the order shown, which is the order they are printed in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    from bot.content.check import CheckReport
    from bot.content.loader import Problem
    from bot.domain.dialogue import Answer
    from bot.quality.faq_eval import LanguageScore
    from bot.risk.evaluate import SystemReport
    from bot.risk.model import CheckResult


def dumps(shape: Mapping[str, Any]) -> str:
    """One shape as one line of JSON (non-ASCII text kept as it is)."""
    return json.dumps(shape, ensure_ascii=False)


# ---- perevir ask --json ------------------------------------------------------------------


class AskJson(TypedDict):
    """`perevir ask --json`: how one question was understood and answered."""

    language: str | None
    answer_language: str
    topic: str | None
    confidence: float
    answer: str | None
    suggestions: list[str]


def ask_json(result: Answer) -> AskJson:
    """The shape of one understood question."""
    return {
        "language": result.language,
        "answer_language": result.answer_language,
        "topic": result.match.topic,
        "confidence": result.match.confidence,
        "answer": result.answer,
        "suggestions": list(result.match.suggestions),
    }


# ---- perevir content check --json --------------------------------------------------------


class ProblemJson(TypedDict):
    """One problem in a content file."""

    file: str
    line: int
    message: str


class ContentCheckJson(TypedDict):
    """`perevir content check --json`: coverage, every error and warning, and the verdict
    (`strict`: warnings fail too; `passed`: false exactly when the command exits 1)."""

    entries: int
    languages: dict[str, int]
    missing_translations: list[str]
    errors: list[ProblemJson]
    warnings: list[ProblemJson]
    notes: list[ProblemJson]
    strict: bool
    passed: bool


def problem_json(problem: Problem) -> ProblemJson:
    """The shape of one content problem (its severity is the list it is in)."""
    return {"file": problem.file, "line": problem.line, "message": problem.message}


def content_check_json(report: CheckReport) -> ContentCheckJson:
    """The shape of a content check."""
    return {
        "entries": report.entries,
        "languages": report.languages,
        "missing_translations": report.missing_translations,
        "errors": [problem_json(p) for p in report.errors],
        "warnings": [problem_json(p) for p in report.warnings],
        "notes": [problem_json(p) for p in report.notes],
        "strict": report.strict,
        "passed": not report.failed,
    }


# ---- perevir check-ad --json -------------------------------------------------------------


class FlagJson(TypedDict):
    """One red flag raised in an advert, with the phrases that support it."""

    id: str
    confidence: float
    evidence: list[str]


class CheckAdJson(TypedDict):
    """`perevir check-ad --json`: the verdict on one advert and the advice the bot gives."""

    language: str
    risk: str
    score: float
    flags: list[FlagJson]
    advice: str
    model_version: str


def check_ad_json(result: CheckResult, advice: str) -> CheckAdJson:
    """The shape of one advert check; `advice` is the card's advice as plain text."""
    assessment = result.assessment
    return {
        "language": result.language,
        "risk": assessment.level.value,
        "score": assessment.score,
        "flags": [
            {"id": f.id, "confidence": f.confidence, "evidence": list(f.evidence)}
            for f in assessment.flags
        ],
        "advice": advice,
        "model_version": result.model_version,
    }


# ---- perevir evaluate faq --json ---------------------------------------------------------


class FaqScoreJson(TypedDict):
    """FAQ retrieval on the held-out questions of one language (shares rounded to 4 places)."""

    questions: int
    top1_accuracy: float
    answer_accuracy: float
    wrong_answer_rate: float
    out_of_scope: int
    out_of_scope_answered: int


def faq_score_json(score: LanguageScore) -> FaqScoreJson:
    """The shape of one language's FAQ scores."""
    return {
        "questions": score.questions,
        "top1_accuracy": round(score.top1_accuracy, 4),
        "answer_accuracy": round(score.answer_accuracy, 4),
        "wrong_answer_rate": round(score.wrong_answer_rate, 4),
        "out_of_scope": score.out_of_scope,
        "out_of_scope_answered": score.out_of_scope_answered,
    }


def faq_evaluation_json(scores: Mapping[str, LanguageScore]) -> dict[str, FaqScoreJson]:
    """`perevir evaluate faq --json`: the scores by language, languages in order."""
    return {lang: faq_score_json(score) for lang, score in sorted(scores.items())}


# ---- perevir evaluate risk --json --------------------------------------------------------


class SystemReportJson(TypedDict):
    """One system (the model or the keyword baseline) on the test split."""

    per_label: dict[str, dict[str, dict[str, float]]]
    levels: dict[str, dict[str, float]]
    confusion: list[list[int]]


def system_report_json(report: SystemReport) -> SystemReportJson:
    """The shape of one system's test-split report."""
    return {"per_label": report.per_label, "levels": report.levels, "confusion": report.confusion}


def risk_evaluation_json(
    reports: Mapping[str, SystemReport], external: dict[str, Any]
) -> dict[str, SystemReportJson | dict[str, Any]]:
    """`perevir evaluate risk --json`: each system by name, then "external" (the shares on real
    adverts, as bot.risk.evaluate.evaluate_external gives them; empty without --external)."""
    shape: dict[str, SystemReportJson | dict[str, Any]] = {
        name: system_report_json(report) for name, report in reports.items()
    }
    shape["external"] = external
    return shape
