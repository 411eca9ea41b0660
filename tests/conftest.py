"""Shared fixtures: the real content and brain, and databases (SQLite, PostgreSQL if configured)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.brain import Brain
from bot.config import PROJECT_ROOT
from bot.nlp import Lemmatizer
from bot.services import Services
from tests.e2e_support import make_services

CONTENT_DIR = PROJECT_ROOT / "content"
MODELS_DIR = PROJECT_ROOT / "models"
POSTGRES_URL = os.environ.get("PEREVIR_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def lemmatizer() -> Lemmatizer:
    """One lemmatizer for the whole run (building pipelines takes a second)."""
    return Lemmatizer()


@pytest.fixture(scope="session")
def brain(lemmatizer: Lemmatizer) -> Brain:
    """The bot's brain built from the real content/ folder."""
    return Brain.load(CONTENT_DIR, MODELS_DIR, lemmatizer)


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite always, PostgreSQL when PEREVIR_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'perevir.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PEREVIR_TEST_POSTGRES_URL is not set")
    _reset_postgres(POSTGRES_URL)
    yield POSTGRES_URL


@pytest.fixture
async def services(brain: Brain, tmp_path: Path) -> AsyncIterator[Services]:
    """Services on a fresh SQLite database, closed after the test."""
    svc = make_services(brain, tmp_path)
    yield svc
    await svc.repository.close()
