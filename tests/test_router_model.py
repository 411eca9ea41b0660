"""The trained message router as a built artefact: it round-trips, refuses what was altered,
is rebuilt when its data changes, and the bot falls back to the rules without it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from bot.config import PROJECT_ROOT
from bot.domain.routing import Route, route
from bot.knowledge import load_router
from bot.routing.data import ROUTING_SET, data_hash, load_items, training_files
from bot.routing.model import ARRAYS, CARD, RouterError, RouterModel, decide
from bot.routing.train import fit

SAMPLES = (
    "Можна з живою людиною поговорити?",
    "Склад у Вроцлаві, 22 zł/год, житло 400 zł, пишіть у вайбер",
    "мені не заплатили за два місяці, що робити",
    "chy mozhna pracyuvaty po bezvizu v polshchi",
)


@pytest.fixture(scope="module")
def small_router(tmp_path_factory: pytest.TempPathFactory) -> tuple[RouterModel, Path]:
    """A router fitted on the first development split and saved."""
    model = fit(load_items(ROUTING_SET / "dev.yaml"))
    model.confident = 0.4
    folder = tmp_path_factory.mktemp("router")
    model.save(folder)
    return model, folder


def test_a_saved_router_loads_and_judges_exactly_as_it_did(
    small_router: tuple[RouterModel, Path],
) -> None:
    model, folder = small_router
    loaded = RouterModel.load(folder)
    assert loaded.classes == model.classes and loaded.confident == 0.4
    for text in SAMPLES:
        before, after = model.probabilities(text), loaded.probabilities(text)
        assert before.keys() == after.keys() == set(Route)
        assert np.allclose(list(before.values()), list(after.values()))
        assert loaded.judge(text) is model.judge(text)


def test_an_altered_or_missing_router_file_is_refused(
    small_router: tuple[RouterModel, Path], tmp_path: Path
) -> None:
    _, folder = small_router
    for name in (ARRAYS, CARD):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    with pytest.raises(RouterError, match="does not match its card"):
        RouterModel.load(tmp_path)  # the vocabulary is missing
    (tmp_path / "vocabulary.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RouterError, match="does not match its card"):
        RouterModel.load(tmp_path)
    card = json.loads((folder / CARD).read_text(encoding="utf-8"))
    (tmp_path / CARD).write_text(json.dumps({**card, "format": 0}), encoding="utf-8")
    with pytest.raises(RouterError, match="another format"):
        RouterModel.load(tmp_path)


def test_without_a_router_the_rules_decide_and_the_log_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.knowledge"):
        assert load_router(tmp_path) is None
    assert "message router off, the rules decide alone" in caplog.text
    assert route("хочу поговорити з консультантом").route is Route.HUMAN


def test_a_kind_outside_the_open_ones_is_named_only_when_the_model_is_confident() -> None:
    probabilities = dict.fromkeys(Route, 0.0) | {Route.ABOUT_BOT: 0.35, Route.QUESTION: 0.3}
    assert decide(probabilities, confident=0.5) is Route.QUESTION
    assert decide(probabilities, confident=0.3) is Route.ABOUT_BOT


def test_the_rules_that_are_rarely_wrong_come_before_the_model() -> None:
    def always_advert(text: str) -> Route:
        return Route.ADVERT

    assert route("нас не випускають з ферми", judge=always_advert).route is Route.DANGER
    assert route("дякую!", judge=always_advert).route is Route.SMALL_TALK
    assert route("https://jobs.example.pl/1", judge=always_advert).route is Route.LINK


def test_the_built_router_was_trained_on_the_training_data_as_it_is_now() -> None:
    router = RouterModel.load(PROJECT_ROOT / "models" / "router")
    assert router.card["data_sha256"] == data_hash(training_files()), "run `make model`"
    assert "test.yaml" not in router.card["trained_on"]


def test_no_training_message_is_also_in_the_held_out_set() -> None:
    def norm(text: str) -> str:
        return " ".join(text.lower().split())

    held_out = {norm(i.text) for i in load_items(ROUTING_SET / "test.yaml")}
    for path in training_files():
        assert not [i.id for i in load_items(path) if norm(i.text) in held_out], path.name


def test_every_training_file_states_its_provenance() -> None:
    for path in sorted((PROJECT_ROOT / "training_data" / "routing").glob("*.yaml")):
        head = path.read_text(encoding="utf-8")[:800]
        assert head.startswith("#") and "blind to evaluation/routing" in head, path.name


@pytest.mark.parametrize(
    "text",
    [
        "Можна з живою   людиною поговорити?",
        "a",
        "I paid 600 € to the agent — now he BLOCKED me!!",
        "chy mozhna pracyuvaty po bezvizu\tv polshchi\n\nдякую",
        "",
    ],
)
def test_the_features_are_those_scikit_learn_would_make(text: str) -> None:
    """The router makes its n-grams itself (scikit-learn is not imported at run time)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from bot.routing.model import char_features, word_features

    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)).build_analyzer()
    words = TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b").build_analyzer()
    assert char_features(text) == chars(text)
    assert word_features(text) == words(text)
