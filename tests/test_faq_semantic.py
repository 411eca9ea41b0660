"""Semantic FAQ matching behind its interface: built with an encoder, stored and loaded with
the artefact, the lexical model alone when sure, reused embeddings after an edit, and lexical
matching (logged once) when no encoder can be loaded."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from bot.config import PROJECT_ROOT
from bot.content import load_content
from bot.domain.faq import Band
from bot.faq import artefact
from bot.faq.encoder import RememberingEncoder, load_encoder
from bot.faq.index import FaqIndex, known_embeddings
from bot.faq.semantic import ANSWER_AT, SURE_AT, TEMPERATURES, WEIGHTS
from bot.knowledge import build_faq_index, faq_fingerprint, faq_index
from bot.nlp import Lemmatizer
from tests.support.fake_encoder import TrigramEncoder

CONTENT = PROJECT_ROOT / "content"


@pytest.fixture(scope="module")
def built(lemmatizer: Lemmatizer) -> tuple[FaqIndex, TrigramEncoder]:
    """The real content's index, built with the fake encoder."""
    encoder = TrigramEncoder()
    return build_faq_index(load_content(CONTENT), lemmatizer, encoder), encoder


def test_the_blend_is_chosen_by_cross_validation_from_the_declared_grids(
    built: tuple[FaqIndex, TrigramEncoder],
) -> None:
    index, _ = built
    assert set(index.semantic) == {"uk", "en"}
    for lang, part in index.semantic.items():
        assert part.weight in WEIGHTS and part.temperature in TEMPERATURES
        assert part.answer_at in (*ANSWER_AT, 0.99) and part.sure_at in (*SURE_AT, 1.01)
        measured = index.measured[lang]
        assert measured["cv_wrong"] <= 0.03 or part.answer_at == 0.99  # type: ignore[operator]
        assert len(part.embeddings) == len(index.indexes[lang].semantic_rows())


def test_a_question_the_lexical_model_is_sure_of_does_not_ask_the_encoder(
    built: tuple[FaqIndex, TrigramEncoder],
) -> None:
    index, encoder = built
    part = index.indexes["en"]
    title = part.texts[0]  # an entry's own title: the lexical model is sure of it
    before = encoder.calls
    match = index.search("en", title)
    sure = part.calibrated(part.probabilities(index._analyze("en", title)))
    if sure >= index.semantic["en"].sure_at:
        assert encoder.calls == before
    assert match.band is Band.ANSWER and match.topic == part.entry_ids[0]


def test_an_unsure_question_is_matched_by_meaning_too(
    built: tuple[FaqIndex, TrigramEncoder],
) -> None:
    index, encoder = built
    part = index.indexes["en"]
    question = "the man who hired us holds all our papers and says wait"
    sure = part.calibrated(part.probabilities(index._analyze("en", question)))
    assert sure < index.semantic["en"].sure_at
    before = encoder.calls
    match = index.search("en", question)
    assert encoder.calls == before + 1
    assert match.nearest is not None


def test_the_artefact_keeps_the_embeddings_and_refuses_another_encoder(
    built: tuple[FaqIndex, TrigramEncoder], lemmatizer: Lemmatizer, tmp_path: Path
) -> None:
    index, encoder = built
    content = load_content(CONTENT)
    artefact.save(index, tmp_path, faq_fingerprint(content))
    loaded = artefact.load(tmp_path, faq_fingerprint(content), lemmatizer.lemmas, encoder)
    assert loaded is not None
    for lang, part in index.semantic.items():
        assert np.array_equal(loaded.semantic[lang].embeddings, part.embeddings)
        assert loaded.semantic[lang].answer_at == part.answer_at
    question = "can the employer take my passport for safekeeping"
    assert loaded.search("en", question) == index.search("en", question)

    class Other(TrigramEncoder):
        name = "another-encoder"

    assert artefact.load(tmp_path, faq_fingerprint(content), lemmatizer.lemmas, Other()) is None
    lexical = artefact.load(tmp_path, faq_fingerprint(content), lemmatizer.lemmas, None)
    assert lexical is not None and lexical.semantic == {}


def test_a_rebuild_after_an_edit_embeds_only_what_changed(
    built: tuple[FaqIndex, TrigramEncoder], lemmatizer: Lemmatizer
) -> None:
    index, _ = built
    fresh = TrigramEncoder()
    remembering = RememberingEncoder(fresh, known_embeddings(index))
    rebuilt = build_faq_index(load_content(CONTENT), lemmatizer, remembering)
    assert fresh.texts == 0  # nothing changed: nothing embedded again
    assert rebuilt.semantic["uk"].weight == index.semantic["uk"].weight


def test_without_an_encoder_matching_is_lexical_and_the_log_says_so_once(
    caplog: pytest.LogCaptureFixture, lemmatizer: Lemmatizer
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.faq.encoder"):
        assert load_encoder("no_such_module_here:make") is None
        assert load_encoder("no_such_module_here:make") is None
    assert caplog.text.count("semantic FAQ matching off, lexical only") == 1
    assert load_encoder("none") is None
    index = faq_index(load_content(CONTENT), lemmatizer, PROJECT_ROOT / "models", None)
    assert index.semantic == {}
    assert index.search("en", "can my employer keep my passport").nearest is not None


def test_a_deployment_plugs_its_own_encoder_by_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEREVIR_ENCODER", "tests.support.fake_encoder:make")
    encoder = load_encoder()
    assert encoder is not None and encoder.name == "fake-trigram-64"
    vectors = encoder.encode(["паспорт", "passport"])
    assert vectors.shape == (2, encoder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_a_wall_of_symbols_is_matched_lexically_without_asking_the_encoder(
    built: tuple[FaqIndex, TrigramEncoder],
) -> None:
    index, encoder = built
    before = encoder.calls
    for text in ("a\u0301\u0302\u0303" * 1024, "€$%^&*()[]{}<>" * 300):
        index.search("en", text)
    assert encoder.calls == before  # seconds of encoder time for nothing a person wrote
