"""FAQ understanding on held-out paraphrases that are not in the content.

The floors are the figures measured with `perevir evaluate faq`, minus a small margin: a
change that makes the bot understand people worse fails here.
"""

from __future__ import annotations

import pytest

from bot.config import EVALUATION_DIR
from bot.knowledge import Knowledge
from bot.quality.faq_eval import LanguageScore, evaluate_faq, load_eval_items

TOP1_FLOOR = {"uk": 0.75, "en": 0.78}
MAX_WRONG_ANSWER_RATE = 0.09
MAX_OFF_TOPIC_ANSWERED = 2


@pytest.fixture(scope="module")
def scores(knowledge: Knowledge) -> dict[str, LanguageScore]:
    return evaluate_faq(knowledge.dialogue, load_eval_items(EVALUATION_DIR / "faq"))


def test_the_held_out_set_is_large_enough(scores: dict[str, LanguageScore]) -> None:
    for lang in ("uk", "en"):
        assert scores[lang].questions >= 60
        assert scores[lang].out_of_scope >= 15


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_top1_accuracy_stays_above_the_measured_floor(
    scores: dict[str, LanguageScore], lang: str
) -> None:
    assert scores[lang].top1_accuracy >= TOP1_FLOOR[lang]


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_the_bot_rarely_answers_with_a_wrong_entry(
    scores: dict[str, LanguageScore], lang: str
) -> None:
    assert scores[lang].wrong_answer_rate <= MAX_WRONG_ANSWER_RATE


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_small_talk_and_unrelated_questions_are_not_answered(
    scores: dict[str, LanguageScore], lang: str
) -> None:
    assert scores[lang].out_of_scope_answered <= MAX_OFF_TOPIC_ANSWERED
