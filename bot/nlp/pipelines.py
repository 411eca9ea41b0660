"""spaCy pipelines per language: blank tokenisers with cached lemmatisers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache

import spacy
from spacy.language import Language

from bot.nlp.normalize import normalize_keep_offsets, normalize_text

SUPPORTED = ("uk", "en", "ru")
_LEMMATIZER_MODE = {"uk": "pymorphy3", "ru": "pymorphy3", "en": "lookup"}


def _build(lang: str) -> Language:
    nlp = spacy.blank(lang)
    nlp.add_pipe("lemmatizer", config={"mode": _LEMMATIZER_MODE[lang]})
    nlp.initialize()
    return nlp


class Lemmatizer:
    """Tokenises and lemmatises text; lemmas are cached per word (microseconds a message)."""

    def __init__(self, cache_size: int = 200_000) -> None:
        self._pipelines: dict[str, Language] = {}
        self._lock = threading.Lock()
        self._cache_size = cache_size
        self._lemma_fns: dict[str, Callable[[str], str]] = {}

    def pipeline(self, lang: str) -> Language:
        """The spaCy pipeline of one language, built on first use."""
        if lang not in SUPPORTED:
            raise ValueError(f"unsupported language: {lang}")
        with self._lock:
            if lang not in self._pipelines:
                self._pipelines[lang] = _build(lang)
            return self._pipelines[lang]

    def warm_up(self, langs: tuple[str, ...] = SUPPORTED) -> None:
        """Build the pipelines now instead of on the first message."""
        for lang in langs:
            self.lemma(lang, "робота" if lang != "en" else "work")

    def lemma(self, lang: str, word: str) -> str:
        """The lemma of one lower-case word."""
        return self._lemma_fn(lang)(word)

    def lemma_function(self, lang: str) -> Callable[[str], str]:
        """The cached word -> lemma function of a language (for tight loops)."""
        return self._lemma_fn(lang)

    def _lemma_fn(self, lang: str) -> Callable[[str], str]:
        fn = self._lemma_fns.get(lang)
        if fn is None:
            nlp = self.pipeline(lang)
            lemmatizer = nlp.get_pipe("lemmatizer")
            make_doc = nlp.make_doc

            @lru_cache(maxsize=self._cache_size)
            def _lemma(word: str) -> str:
                try:
                    doc = lemmatizer(make_doc(word))
                except (ValueError, KeyError):  # pymorphy3 fails on some rare scripts (Tangut)
                    return word
                if len(doc) != 1:
                    return word
                return doc[0].lemma_.lower() or word

            fn = _lemma
            self._lemma_fns[lang] = fn
        return fn

    def tokens(self, lang: str, text: str) -> list[str]:
        """Lower-case word tokens of normalised text (punctuation and spaces dropped)."""
        doc = self.pipeline(lang).make_doc(normalize_text(text))
        return [t.text for t in doc if not (t.is_punct or t.is_space)]

    def lemmas(self, lang: str, text: str) -> list[str]:
        """Lemmas of the words of a text, in order."""
        fn = self._lemma_fn(lang)
        return [fn(word) for word in self.tokens(lang, text)]

    def spans(self, lang: str, text: str) -> list[tuple[int, int, str]]:
        """(start, end, lemma) for each word of the original text, for quoting evidence."""
        normalised = normalize_keep_offsets(text)
        doc = self.pipeline(lang).make_doc(normalised)
        fn = self._lemma_fn(lang)
        return [
            (t.idx, t.idx + len(t.text), fn(t.text)) for t in doc if not (t.is_punct or t.is_space)
        ]
