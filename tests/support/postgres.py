"""A PostgreSQL database of its own for each test worker (tests run in parallel with xdist).

`PEREVIR_TEST_POSTGRES_URL` names the server and a database kept for tests; worker `gw1`
gets `<database>_gw1` on the same server (created when missing), so that workers never reset
each other's schema.
"""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BASE_URL = os.environ.get("PEREVIR_TEST_POSTGRES_URL")


def worker_url(worker: str) -> str | None:
    """The database URL of a test worker ("master" when not distributed); None without one."""
    if not BASE_URL:
        return None
    if worker in ("", "master"):
        return BASE_URL
    base = make_url(BASE_URL)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if found.first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def reset(url: str) -> None:
    """An empty public schema."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
