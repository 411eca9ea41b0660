"""Shared fixtures: the real content and knowledge, and databases (SQLite, and PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.knowledge import Knowledge
from bot.nlp import Lemmatizer
from bot.wiring import Perevir
from tests.e2e_support import make_bot
from tests.support import postgres

CONTENT_DIR = PROJECT_ROOT / "content"
MODELS_DIR = PROJECT_ROOT / "models"


@pytest.fixture(scope="session")
def lemmatizer() -> Lemmatizer:
    """One lemmatizer for the whole run (building pipelines takes a second)."""
    return Lemmatizer()


@pytest.fixture(scope="session")
def knowledge(lemmatizer: Lemmatizer) -> Knowledge:
    """The bot's knowledge built from the real content/ folder."""
    return Knowledge.load(CONTENT_DIR, MODELS_DIR, lemmatizer)


@pytest.fixture(scope="session")
def postgres_url(request: pytest.FixtureRequest) -> str | None:
    """This test worker's own PostgreSQL database (None without PEREVIR_TEST_POSTGRES_URL)."""
    worker = getattr(request.config, "workerinput", {}).get("workerid", "master")
    return postgres.worker_url(worker)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres_url: str | None
) -> Iterator[str]:
    """A fresh, empty database: SQLite always, PostgreSQL when PEREVIR_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'perevir.db'}"
        return
    if not postgres_url:
        pytest.skip("PEREVIR_TEST_POSTGRES_URL is not set")
    postgres.reset(postgres_url)
    yield postgres_url


@pytest.fixture
async def perevir(knowledge: Knowledge, tmp_path: Path) -> AsyncIterator[Perevir]:
    """Perevir on a fresh SQLite database, closed after the test."""
    svc = make_bot(knowledge, tmp_path)
    yield svc
    await svc.people.close()
