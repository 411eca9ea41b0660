"""Builds the language tools, the FAQ index and the conversation engine from content."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.content import Content, load_content
from bot.content.view import RenderedContent
from bot.domain.dialogue import Dialogue
from bot.domain.faq import FaqDocument, FaqIndex
from bot.nlp import Lemmatizer, detect_language


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


def build_faq_index(content: Content, lemmatizer: Lemmatizer) -> FaqIndex:
    """The FAQ index of some content."""
    return FaqIndex(faq_documents(content), lemmatizer.lemmas, content.out_of_scope)


@dataclass
class Brain:
    """Everything the bot knows, built once from content and shared by Telegram and the CLI."""

    content: Content
    lemmatizer: Lemmatizer
    faq: FaqIndex
    dialogue: Dialogue

    @classmethod
    def from_content(cls, content: Content, lemmatizer: Lemmatizer | None = None) -> Brain:
        """Build the index and engine for already loaded content."""
        lemmatizer = lemmatizer or Lemmatizer()
        faq = build_faq_index(content, lemmatizer)
        dialogue = Dialogue(RenderedContent(content), faq, _detect)
        return cls(content, lemmatizer, faq, dialogue)

    @classmethod
    def load(cls, content_dir: Path, lemmatizer: Lemmatizer | None = None) -> Brain:
        """Load content (raising ContentError when broken) and build everything."""
        return cls.from_content(load_content(content_dir), lemmatizer)
