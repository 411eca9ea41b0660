"""Negation-aware features of an advert, with the words each feature came from.

Words in the scope of a negation ("we never keep your passport", "жодних оплат", "без
договору") get an `n` prefix, so the model learns for each label whether the negated form is a
warning ("no contract") or a reassurance ("no fees"), instead of seeing the bare keyword.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, ORTH

from bot.nlp import Lemmatizer
from bot.nlp.normalize import normalize_keep_offsets

MAX_TEXT = 20_000
NEGATION_SCOPE = 4
NEGATION_CUES = {
    "en": frozenset({"no", "not", "never", "without", "none", "nor", "n't", "neither", "nothing"}),
    "uk": frozenset(
        {"не", "ні", "ніколи", "жодний", "жоден", "без", "немає", "нема", "ніякий", "ніщо"}
    ),
    "ru": frozenset({"не", "нет", "никогда", "никакой", "ни", "без", "ничто"}),
}
SCOPE_BREAKERS = frozenset({"but", "however", "але", "проте", "а", "но", "однак", "однако"})
_DIGITS = re.compile(r"\d")
_HAS_DIGIT = _DIGITS.search


@dataclass(frozen=True)
class Word:
    """A word of the text: its place in the original, lemma, and whether it is negated."""

    start: int
    end: int
    lemma: str
    negated: bool


CHUNK_CACHE_SIZE = 100_000
_CHUNK = re.compile(r"\S+")
_chunks: dict[tuple[str, str], tuple[tuple[int, str, bool], ...]] = {}
Token = tuple[int, str, bool]
"""A token: its offset, its text, whether it is punctuation."""


def tokens(lemmatizer: Lemmatizer, lang: str, text: str) -> list[Token]:
    """The tokens of a text, spaces left out. spaCy's tokenizer splits at white space first and
    then works on each chunk alone, so chunks are tokenized once and remembered: adverts repeat
    their words, and spaCy's own cache stops helping after a document's first special case."""
    make_doc = None
    out: list[Token] = []
    for match in _CHUNK.finditer(text):
        chunk, offset = match.group(), match.start()
        known = _chunks.get((lang, chunk))
        if known is None:
            make_doc = make_doc or lemmatizer.pipeline(lang).make_doc
            doc = make_doc(chunk)
            # Reading the tokens as arrays avoids building a Token object per word.
            table = doc.to_array([ORTH, IDX, IS_PUNCT, IS_SPACE]).tolist()
            strings = doc.vocab.strings
            known = tuple(
                (start, strings[orth], bool(punct))
                for orth, start, punct, space in table
                if not space
            )
            if len(_chunks) < CHUNK_CACHE_SIZE:
                _chunks[(lang, chunk)] = known
        out.extend((offset + start, word, punct) for start, word, punct in known)
    return out


def words(lemmatizer: Lemmatizer, lang: str, text: str) -> list[Word]:
    """Words with lemmas and negation marks, offsets into the original text."""
    text = text[:MAX_TEXT]
    lemma_of = lemmatizer.lemma_function(lang)
    cues = NEGATION_CUES.get(lang, NEGATION_CUES["en"])
    out: list[Word] = []
    scope = 0
    for start, word, is_punct in tokens(lemmatizer, lang, normalize_keep_offsets(text)):
        if is_punct or word in SCOPE_BREAKERS:
            scope = 0
            continue
        lemma = _lemma_key(lemma_of, word)
        if lemma == COUNTRY:  # no destination is a sign: it neither counts nor is quoted
            scope = max(0, scope - 1)
            continue
        if lemma in cues or word in cues:
            out.append(Word(start, start + len(word), lemma, False))
            scope = NEGATION_SCOPE
            continue
        out.append(Word(start, start + len(word), lemma, scope > 0))
        scope = max(0, scope - 1)
    return out


CURRENCY = "¤"
"""The one feature every currency becomes: the sign is what is paid for, not in which money."""
COUNTRY = "<country>"
"""What every destination country becomes, then leaves out: no country is a warning sign."""
_CURRENCIES = frozenset(
    "€ eur euro євро евро zł zl pln злотий злотый злотих злотых злоті грн гривня гривна uah "
    "$ usd долар доллар dollar £ gbp фунт czk kč крона крон ₪ шекель шекелі ils aed дирхам "
    "dirham".split()
)
_COUNTRY_STEMS = tuple(
    "польщ польш poland чехі чехи czech німеччин герман germany литв lithuan нідерланд "
    "нидерланд netherland holland голланд словаччин словаки slovakia британі британи britain "
    "england ізраїл израил israel італі итали italy іспані испани spain туреччин турци turkey "
    "оае оаэ uae emirates емірат эмират франці франци france фінлянді финлянди finland "
    "норвегі норвеги norway швеці швеци sweden бельгі бельги belgium австрі австри austria "
    "канад canada румуні румыни romania угорщин венгри hungary португалі португали portugal "
    "ірланді ирланди ireland естоні эстони estonia латві латви latvia".split()
)


def _lemma_key(lemma_of: Callable[[str], str], word: str) -> str:
    lemma = lemma_of(word)
    if _HAS_DIGIT(lemma):
        return _DIGITS.sub("0", lemma)
    if lemma in _CURRENCIES:
        return CURRENCY
    return COUNTRY if lemma.startswith(_COUNTRY_STEMS) else lemma


def word_features(lemma: str, negated: bool) -> list[str]:
    """The features one word contributes: its lemma and the character n-grams inside it."""
    tag = "n" if negated else ""
    out = [f"{tag}w:{lemma}"]
    if len(lemma) >= 3:
        padded = f" {lemma} "
        for n in (3, 4, 5):
            out.extend(f"{tag}c:{padded[k : k + n]}" for k in range(len(padded) - n + 1))
    return out


def bigram_feature(first: Word, second: Word) -> str:
    """The feature of two neighbouring words."""
    tag = "n" if (first.negated or second.negated) else ""
    return f"{tag}b:{first.lemma} {second.lemma}"


def features(ws: list[Word]) -> tuple[list[str], list[tuple[int, int]]]:
    """Feature strings and, for each, the first and last word index it came from."""
    feats: list[str] = []
    where: list[tuple[int, int]] = []
    for i, w in enumerate(ws):
        own = word_features(w.lemma, w.negated)
        feats.extend(own)
        where.extend([(i, i)] * len(own))
        if i + 1 < len(ws):
            feats.append(bigram_feature(w, ws[i + 1]))
            where.append((i, i + 1))
    return feats, where
