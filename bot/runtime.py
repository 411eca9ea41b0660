"""Start-up steps shared by the bot and the CLI: settings, content, storage."""

from __future__ import annotations

from bot.brain import Brain
from bot.config import Settings, ensure_pseudonym_key
from bot.db.cases_repo import CaseRepository
from bot.db.database import make_async_engine, make_sessionmaker, migrate
from bot.db.repository import Repository
from bot.handoff import Handoff
from bot.services import Services


def open_services(settings: Settings, brain: Brain | None = None) -> Services:
    """Load content (ContentError if broken), migrate the database, and wire the services."""
    brain = brain or Brain.load(settings.content_dir, settings.models_dir)
    url = settings.effective_database_url
    migrate(url)
    engine = make_async_engine(url)
    sessions = make_sessionmaker(engine)
    repository = Repository(sessions, engine)
    services = Services(brain, repository, ensure_pseudonym_key(settings), settings.retention_days)
    services.handoff = Handoff(
        CaseRepository(sessions),
        lambda: services.brain.dialogue,
        settings.counsellor_chat_id,
        settings.counsellor_names(),
    )
    return services
