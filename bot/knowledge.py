"""Builds the language tools, the FAQ index and the conversation engine from content."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.content import Content, load_content
from bot.content.view import RenderedContent
from bot.domain.dialogue import Dialogue
from bot.domain.faq import FaqDocument
from bot.faq import artefact
from bot.faq.index import FaqIndex
from bot.nlp import Lemmatizer, detect_language
from bot.risk.model import ModelError, RiskModel
from bot.routing.model import RouterError, RouterModel

log = logging.getLogger(__name__)


def _detect(text: str) -> tuple[str | None, float]:
    guess = detect_language(text)
    return guess.lang, guess.confidence


def faq_documents(content: Content) -> dict[str, list[FaqDocument]]:
    """FAQ entries per language, as the index takes them."""
    docs: dict[str, list[FaqDocument]] = {}
    for lang in ("uk", "en"):
        docs[lang] = [
            FaqDocument(e.id, e.texts[lang].title, e.texts[lang].questions, e.texts[lang].answer)
            for e in content.faq
        ]
    return docs


def faq_fingerprint(content: Content) -> str:
    """What the FAQ index of some content is built from (see `bot.faq.artefact`)."""
    return artefact.fingerprint(faq_documents(content), content.out_of_scope)


def build_faq_index(content: Content, lemmatizer: Lemmatizer) -> FaqIndex:
    """Train the FAQ index of some content (seconds)."""
    return FaqIndex.build(faq_documents(content), lemmatizer.lemmas, content.out_of_scope)


def faq_index(content: Content, lemmatizer: Lemmatizer, models_dir: Path | None) -> FaqIndex:
    """The FAQ index of some content: the built artefact when it matches, else trained now."""
    if models_dir is not None:
        built = artefact.load(models_dir / "faq", faq_fingerprint(content), lemmatizer.lemmas)
        if built is not None:
            return built
        log.warning(
            "the FAQ index in %s is missing or was built from other content; training it now "
            "(run `make model` to build it once)",
            models_dir / "faq",
        )
    return build_faq_index(content, lemmatizer)


@dataclass
class Knowledge:
    """Everything the bot knows, built once from content and shared by Telegram and the CLI:
    the content, the language tools, the FAQ index, the conversation engine, the risk model."""

    content: Content
    lemmatizer: Lemmatizer
    faq: FaqIndex
    dialogue: Dialogue
    risk: RiskModel | None = None
    router: RouterModel | None = None

    @classmethod
    def from_content(
        cls,
        content: Content,
        lemmatizer: Lemmatizer | None = None,
        risk: RiskModel | None = None,
        models_dir: Path | None = None,
        router: RouterModel | None = None,
    ) -> Knowledge:
        """The index (built artefact if it matches, else trained) and engine for loaded content."""
        lemmatizer = lemmatizer or Lemmatizer()
        faq = faq_index(content, lemmatizer, models_dir)
        check = (lambda text: risk.check(text).assessment) if risk is not None else None
        judge = router.judge if router is not None else None
        dialogue = Dialogue(RenderedContent(content), faq, _detect, check, judge)
        return cls(content, lemmatizer, faq, dialogue, risk, router)

    @classmethod
    def load(
        cls, content_dir: Path, models_dir: Path | None = None, lemmatizer: Lemmatizer | None = None
    ) -> Knowledge:
        """Load content (raising ContentError when broken), the risk model, and build everything."""
        lemmatizer = lemmatizer or Lemmatizer()
        return cls.from_content(
            load_content(content_dir),
            lemmatizer,
            load_risk_model(models_dir, lemmatizer),
            models_dir,
            load_router(models_dir),
        )


def load_router(models_dir: Path | None) -> RouterModel | None:
    """The trained message router, or None (logged in one line) when it is missing or refused:
    the rules alone then decide what the model would."""
    if models_dir is None:
        return None
    try:
        return RouterModel.load(models_dir / "router")
    except RouterError as exc:
        log.warning("message router off, the rules decide alone: %s", exc)
    except Exception as exc:  # a model fault must never take the whole bot down
        log.error("message router off (%s: %s)", type(exc).__name__, exc)
    return None


def load_risk_model(models_dir: Path | None, lemmatizer: Lemmatizer) -> RiskModel | None:
    """The risk model, or None (logged in one line) when it is missing or refused: the bot still
    starts and answers, and the checker says it is unavailable."""
    if models_dir is None:
        return None
    try:
        return RiskModel.load(models_dir / "risk", lemmatizer)
    except ModelError as exc:
        log.error("job-offer checker off: %s", exc)
    except Exception as exc:  # a model fault must never take the whole bot down
        log.error(
            "job-offer checker off: the model in %s cannot be loaded (%s: %s)",
            models_dir / "risk",
            type(exc).__name__,
            exc,
        )
    return None
