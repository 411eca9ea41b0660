"""The FAQ index as a built artefact: the same answers after a round trip, refused when stale."""

from __future__ import annotations

import json
from pathlib import Path

from bot.faq import artefact
from bot.faq.index import FaqIndex
from bot.nlp import Lemmatizer
from tests.test_faq_domain import DOCS, SMALL_TALK

QUESTIONS = [
    "can my employer keep my passport",
    "do I need a visa to work in Poland",
    "what's the weather like",
    "hello",
    "",
]


def _built(lemmatizer: Lemmatizer) -> tuple[FaqIndex, str]:
    documents, out_of_scope = {"en": DOCS}, {"en": SMALL_TALK}
    index = FaqIndex.build(documents, lemmatizer.lemmas, out_of_scope)
    return index, artefact.fingerprint(documents, out_of_scope)


def test_a_stored_index_answers_exactly_as_the_trained_one(
    lemmatizer: Lemmatizer, tmp_path: Path
) -> None:
    index, built_from = _built(lemmatizer)
    artefact.save(index, tmp_path, built_from)
    loaded = artefact.load(tmp_path, built_from, lemmatizer.lemmas)
    assert loaded is not None
    assert [loaded.search("en", q) for q in QUESTIONS] == [index.search("en", q) for q in QUESTIONS]
    assert loaded.self_retrieval("en") == index.self_retrieval("en")
    pairs, rows = loaded.phrasings("en")
    assert pairs == index.phrasings("en")[0]
    assert (rows != index.phrasings("en")[1]).nnz == 0


def test_an_index_built_from_other_content_or_tampered_with_is_not_used(
    lemmatizer: Lemmatizer, tmp_path: Path
) -> None:
    index, built_from = _built(lemmatizer)
    artefact.save(index, tmp_path, built_from)
    edited = artefact.fingerprint({"en": DOCS[:-1]}, {"en": SMALL_TALK})
    assert edited != built_from
    assert artefact.load(tmp_path, edited, lemmatizer.lemmas) is None
    texts = tmp_path / artefact.TEXTS
    data = json.loads(texts.read_text(encoding="utf-8"))
    data["en"]["entry_ids"].reverse()
    texts.write_text(json.dumps(data), encoding="utf-8")
    assert artefact.load(tmp_path, built_from, lemmatizer.lemmas) is None
    assert artefact.load(tmp_path / "missing", built_from, lemmatizer.lemmas) is None


def test_the_card_says_what_the_index_was_built_from(
    lemmatizer: Lemmatizer, tmp_path: Path
) -> None:
    index, built_from = _built(lemmatizer)
    artefact.save(index, tmp_path, built_from)
    card = json.loads((tmp_path / artefact.CARD).read_text(encoding="utf-8"))
    assert card["built_from"] == built_from and card["entries"] == {"en": len(DOCS)}
    assert set(card["sha256"]) == {artefact.ARRAYS, artefact.TEXTS}
