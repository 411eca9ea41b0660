"""Language processing: normalisation, spaCy pipelines with cached lemmas, language id."""

from bot.nlp.langid import LanguageGuess, detect_language
from bot.nlp.normalize import normalize_text
from bot.nlp.pipelines import Lemmatizer

__all__ = ["LanguageGuess", "Lemmatizer", "detect_language", "normalize_text"]
