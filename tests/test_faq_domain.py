"""FAQ retrieval and confidence bands, on plain values."""

from __future__ import annotations

import pytest

from bot.domain.faq import Band, FaqDocument
from bot.faq.index import FaqIndex
from bot.nlp import Lemmatizer

DOCS = [
    FaqDocument(
        "passport",
        "Employer wants my passport",
        (
            "can the employer keep my passport",
            "they took my passport",
            "boss holds my documents",
            "give passport for registration",
        ),
        "Never hand over your passport.",
    ),
    FaqDocument(
        "fees",
        "Agency asks for a fee",
        (
            "agency wants money for the job",
            "do i pay a recruitment fee",
            "they ask 300 euro for documents",
            "is it normal to pay the agency",
        ),
        "Agencies may not charge job-seekers.",
    ),
    FaqDocument(
        "visa",
        "Working on a tourist visa",
        (
            "can i work on a tourist visa",
            "work visa free with biometric passport",
            "is visa-free entry enough to work",
            "tourist visa job offer",
        ),
        "Visa-free entry does not allow work.",
    ),
    FaqDocument(
        "contract",
        "What a contract must say",
        (
            "what should my contract contain",
            "contract in a language i don't understand",
            "no written contract is that ok",
            "check my employment contract",
        ),
        "A contract states duties, pay and hours.",
    ),
]


SMALL_TALK = [
    "hi",
    "thanks a lot",
    "how are you",
    "tell me a joke",
    "what time is it",
    "recommend a film",
    "who won the match",
    "is it going to rain",
    "ok",
    "bye",
]


@pytest.fixture(scope="module")
def index(lemmatizer: Lemmatizer) -> FaqIndex:
    return FaqIndex.build({"en": DOCS}, lemmatizer.lemmas, {"en": SMALL_TALK})


def test_a_clear_question_is_answered_with_its_entry(index: FaqIndex) -> None:
    match = index.search("en", "my boss took my passport, what now")
    assert match.band is Band.ANSWER
    assert match.topic == "passport"


def test_an_unrelated_question_is_never_answered(index: FaqIndex) -> None:
    for text in ("what is the weather in Warsaw", "hello", "asdkjh qwe", "🙂"):
        assert index.search("en", text).band is not Band.ANSWER, text


def test_confidence_is_a_probability(index: FaqIndex) -> None:
    for text in ("fee for the agency", "hello", "tourist visa"):
        assert 0.0 <= index.search("en", text).confidence <= 1.0


def test_suggestions_hold_at_most_three_distinct_entries(index: FaqIndex) -> None:
    match = index.search("en", "documents")
    assert len(set(match.suggestions)) == len(match.suggestions) <= 3
