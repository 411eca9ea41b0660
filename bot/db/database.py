"""Engines, sessions and migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def sqlite_folder(url: str) -> Path | None:
    """The folder of a SQLite database file; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database)).parent
    return None


def sync_url(url: str) -> str:
    """The URL for a synchronous driver (used by migrations)."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def async_url(url: str) -> str:
    """The URL for an asynchronous driver (used by the bot)."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


CONNECT_TIMEOUT_SECONDS = 10
"""A PostgreSQL server that drops packets is reported after this, not the system's TCP timeout."""


def _connect_args(url: str) -> dict[str, int]:
    if make_url(url).drivername.startswith("postgres"):
        return {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return {}


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    database = parsed.database
    if parsed.drivername.startswith("sqlite") and database and database != ":memory:":
        folder = Path(database).parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.umask(0o077)  # the database, its WAL and journal files: readable by the bot only


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Under WAL, NORMAL loses nothing when the process is killed (only on power loss)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Erased rows are overwritten, not left in free pages (what /forget erases is gone)
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()


def migrate(url: str, revision: str = "head", *, down: bool = False) -> None:
    """Apply the Alembic migrations up to `revision` (the newest by default), or back down to
    it with `down`."""
    _ensure_sqlite_folder(url)
    engine = create_engine(sync_url(url), connect_args=_connect_args(url))
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            if down:
                command.downgrade(config, revision)
            else:
                command.upgrade(config, revision)
    finally:
        engine.dispose()


def make_async_engine(url: str) -> AsyncEngine:
    """An async engine for the bot, with SQLite tuned for concurrent use."""
    _ensure_sqlite_folder(url)
    engine = create_async_engine(
        async_url(url), pool_pre_ping=True, connect_args=_connect_args(url)
    )
    if engine.dialect.name == "sqlite":
        _sqlite_pragmas(engine.sync_engine)
    return engine


async def checkpoint(engine: AsyncEngine) -> bool:
    """Move SQLite's write-ahead log into the database and empty it, so no old page (holding
    what was just erased) stays in the log file. True when done; a no-op elsewhere."""
    if engine.dialect.name != "sqlite":
        return True
    async with engine.connect() as connection:
        result = await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        row = result.first()
    return row is None or not row[0]


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    """Sessions that keep objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)
