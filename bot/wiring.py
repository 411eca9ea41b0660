"""The composition root: the one place that knows every concrete class and builds the bot once.

`open_storage` opens the database (migrated) and the pseudonym key; `assemble` builds the use
cases on top of storage and knowledge; `open_bot` does both from settings. Adapters (Telegram,
the CLI) get a finished `Perevir` and never build parts of it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.app.case_texts import CaseTexts
from bot.app.conversation import Conversation
from bot.app.counsellor_desk import CounsellorDesk
from bot.app.memory import Memory
from bot.app.person_handoff import PersonHandoff
from bot.app.ports import Clock
from bot.app.privacy import Privacy
from bot.app.use_cases import build_use_cases
from bot.config import Settings, ensure_pseudonym_key
from bot.db.cases_repo import CaseRepository
from bot.db.database import make_async_engine, make_sessionmaker, migrate, sqlite_folder
from bot.db.held_repo import HeldRepository
from bot.db.models import utcnow
from bot.db.repository import Repository
from bot.domain.dialogue import Dialogue
from bot.ocr import ImageReader, TextReader
from bot.offload import CpuWorker
from bot.privacy import Sealer, held_key, pseudonym
from bot.startup import check_folder, load_knowledge, storage_faults
from bot.web.fetch import LinkFetcher, fetch_page

if TYPE_CHECKING:  # imported when used: the storage checks need no language tools
    from bot.knowledge import Knowledge

PICTURE_BUDGET_SECONDS = 10.0
"""The longest a person waits for a picture to be read (Tesseract itself stops at 6 s)."""


@dataclass(frozen=True)
class Storage:
    """The migrated database and the pseudonym key."""

    people: Repository
    cases: CaseRepository
    pseudonym_key: bytes
    held: HeldRepository | None = None
    """What a person may still share, sealed in the database (None: this process only)."""


@dataclass
class Live:
    """The knowledge live now: a content reload replaces it while the bot runs."""

    knowledge: Knowledge

    def dialogue(self) -> Dialogue:
        """The conversation engine of the live content."""
        return self.knowledge.dialogue


@dataclass
class Perevir:
    """The assembled bot, shared by every handler. Only the live knowledge changes while it
    runs (content reloaded); everything else is built once by `assemble`."""

    live: Live
    people: Repository
    cases: CaseRepository
    pseudonym_key: bytes
    retention_days: int
    group_chat_id: int | None
    counsellor_names: dict[int, str]
    memory: Memory
    texts: CaseTexts
    person: PersonHandoff
    desk: CounsellorDesk
    privacy: Privacy
    conversation: Conversation
    fetch_link: LinkFetcher
    """How a link in a message is fetched (a port: tests plug in their own)."""
    cpu: CpuWorker = field(default_factory=CpuWorker)
    """Where the engine's CPU-heavy work runs, off the event loop."""
    reader: TextReader = field(default_factory=ImageReader)
    """How the text of a picture is read (a port: tests plug in their own)."""
    pictures: CpuWorker = field(default_factory=lambda: CpuWorker(PICTURE_BUDGET_SECONDS))
    """Where pictures are read: a thread of their own (Tesseract runs without holding the GIL),
    so reading one holds up neither the event loop nor anyone else's message."""

    @property
    def knowledge(self) -> Knowledge:
        """Content, language tools, FAQ index, engine and risk model, as live now."""
        return self.live.knowledge

    @knowledge.setter
    def knowledge(self, new: Knowledge) -> None:
        self.live.knowledge = new

    @property
    def dialogue(self) -> Dialogue:
        """The conversation engine of the live content."""
        return self.live.knowledge.dialogue

    @property
    def handoff_enabled(self) -> bool:
        """Whether a counsellors' group is configured."""
        return self.group_chat_id is not None

    def pseudonym(self, telegram_id: int) -> str:
        """The stored identifier of a Telegram user."""
        return pseudonym(self.pseudonym_key, telegram_id)

    async def close(self) -> None:
        """Close the database."""
        await self.people.close()


def assemble(
    knowledge: Knowledge,
    storage: Storage,
    *,
    retention_days: int,
    group_chat_id: int | None = None,
    counsellor_names: dict[int, str] | None = None,
    fetch_link: LinkFetcher = fetch_page,
    clock: Clock = utcnow,
    reader: TextReader | None = None,
) -> Perevir:
    """Build every use case once, on this storage and knowledge."""
    names = counsellor_names or {}
    live = Live(knowledge)
    built = build_use_cases(
        storage.people,
        storage.cases,
        live.dialogue,
        clock,
        group_chat_id=group_chat_id,
        counsellor_names=names,
        retention_days=retention_days,
        held=storage.held,
    )
    return Perevir(
        live=live,
        people=storage.people,
        cases=storage.cases,
        pseudonym_key=storage.pseudonym_key,
        retention_days=retention_days,
        group_chat_id=group_chat_id,
        counsellor_names=names,
        memory=built.memory,
        texts=built.texts,
        person=built.person,
        desk=built.desk,
        privacy=built.privacy,
        conversation=built.conversation,
        fetch_link=fetch_link,
        reader=reader if reader is not None else ImageReader(),
    )


def prepare_database(settings: Settings) -> str:
    """Check the SQLite folder (if SQLite), run the migrations; the URL. StartupError if not."""
    url = settings.effective_database_url
    with storage_faults(url, settings.data_dir):
        folder = sqlite_folder(url)
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
    secret = settings.hold_key.get_secret_value().encode() if settings.hold_key else key
    held = HeldRepository(sessions, Sealer(held_key(secret)))
    return Storage(Repository(sessions, engine), CaseRepository(sessions), key, held)


def open_bot(
    settings: Settings, knowledge: Knowledge | None = None, storage: Storage | None = None
) -> Perevir:
    """Load content (StartupError if broken), open the storage, and assemble the bot."""
    storage = storage or open_storage(settings)
    return assemble(
        knowledge or load_knowledge(settings),
        storage,
        retention_days=settings.retention_days,
        group_chat_id=settings.counsellor_chat_id,
        counsellor_names=settings.counsellor_names(),
        reader=ImageReader(settings.tessdata_prefix),
    )
