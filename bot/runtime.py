"""Start-up steps shared by the bot and the CLI: settings, content, storage.

Each step fails with a StartupError (bot/startup.py): one line for the operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings, ensure_pseudonym_key
from bot.db.cases_repo import CaseRepository
from bot.db.database import make_async_engine, make_sessionmaker, migrate
from bot.db.repository import Repository
from bot.startup import check_folder, load_brain, storage_faults

if TYPE_CHECKING:  # imported when used: the storage checks need no language tools
    from bot.brain import Brain
    from bot.services import Services


@dataclass(frozen=True)
class Storage:
    """The migrated database and the pseudonym key, ready for the services."""

    repository: Repository
    cases: CaseRepository
    pseudonym_key: bytes


def _sqlite_folder(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database)).parent
    return None


def prepare_database(settings: Settings) -> str:
    """Check the SQLite folder (if SQLite), run the migrations; the URL. StartupError if not."""
    url = settings.effective_database_url
    with storage_faults(url, settings.data_dir):
        folder = _sqlite_folder(url)
        if folder is not None:
            check_folder(folder, settings.data_dir)
        migrate(url)
    return url


def open_storage(settings: Settings) -> Storage:
    """The pseudonym key (generated on first run) and the migrated database; StartupError
    (one line) when the data folder, the key or the database cannot be used."""
    url = settings.effective_database_url
    with storage_faults(url, settings.data_dir):
        if settings.pseudonym_key is None:
            key_file = settings.pseudonym_key_file or settings.data_dir / "pseudonym.key"
            if not key_file.exists():
                check_folder(key_file.parent, settings.data_dir)
        key = ensure_pseudonym_key(settings)
    prepare_database(settings)
    with storage_faults(url, settings.data_dir):
        engine = make_async_engine(url)
    sessions = make_sessionmaker(engine)
    return Storage(Repository(sessions, engine), CaseRepository(sessions), key)


def open_services(
    settings: Settings, brain: Brain | None = None, storage: Storage | None = None
) -> Services:
    """Load content (StartupError if broken), open the storage, and wire the services."""
    from bot.handoff import Handoff
    from bot.services import Services

    storage = storage or open_storage(settings)
    brain = brain or load_brain(settings)
    services = Services(brain, storage.repository, storage.pseudonym_key, settings.retention_days)
    services.handoff = Handoff(
        storage.cases,
        lambda: services.brain.dialogue,
        settings.counsellor_chat_id,
        settings.counsellor_names(),
    )
    return services
