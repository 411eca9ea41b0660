"""Tokenizing an advert chunk by chunk (remembered) gives exactly what spaCy gives for the whole."""

from __future__ import annotations

import pytest
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, ORTH

from bot.nlp import Lemmatizer
from bot.nlp.normalize import normalize_keep_offsets
from bot.risk.data import load_examples
from bot.risk.features import tokens

TRICKY = [
    ("uk", "м. Київ, вул. Шевченка 5, 3000€/міс.!!! (брутто) «без оплати»…"),
    ("ru", "СРОЧНО!!!\n\n  40$ за 15 минут — пиши @job_XX, +48 5XX XXX XXX"),
    ("en", "Don't pay: we'll never ask; e-mail jobs@firm-example.pl\tor call 555-0100."),
]


def _whole(lemmatizer: Lemmatizer, lang: str, text: str) -> list[tuple[int, str, bool]]:
    doc = lemmatizer.pipeline(lang).make_doc(text)
    table = doc.to_array([ORTH, IDX, IS_PUNCT, IS_SPACE]).tolist()
    strings = doc.vocab.strings
    return [(start, strings[orth], bool(p)) for orth, start, p, space in table if not space]


@pytest.mark.parametrize("lang", ["uk", "ru", "en"])
def test_chunked_tokens_equal_the_whole_document_tokens(lemmatizer: Lemmatizer, lang: str) -> None:
    texts = [e.text for e in load_examples() if e.lang == lang][::7]
    texts += [t for code, t in TRICKY if code == lang]
    for text in texts:
        normal = normalize_keep_offsets(text)
        assert tokens(lemmatizer, lang, normal) == _whole(lemmatizer, lang, normal), text[:60]
