"""Start-up faults, each turned into one line for the operator: what is wrong and what to do.

Every step that can fail when the bot starts (the data folder, the database, the Bot API, the
content) goes through here, so `perevir run` and the other commands end with one line such as

    perevir: cannot reach the database at postgresql+psycopg://bot:***@db:5432/perevir
    (connection refused) — is PostgreSQL running? Check PEREVIR_DATABASE_URL.

and exit code 1, never a traceback. Passwords and the bot token are never part of a message.
"""

from __future__ import annotations

import errno
import logging
import socket
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from telegram.error import TelegramError

    from bot.config import Settings
    from bot.knowledge import Knowledge


class StartupError(Exception):
    """Start-up cannot go on; the message is one line for the operator (no traceback)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        self.message = one_line(message)
        self.exit_code = exit_code
        super().__init__(self.message)


def one_line(text: str) -> str:
    """Text on one line: line breaks (as in driver messages) become spaces."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


# ---- the data folder ---------------------------------------------------------------------


def _folder_name(folder: Path, data_dir: Path | None) -> str:
    if data_dir is not None and folder.resolve() == data_dir.resolve():
        return f"the data folder {folder}"
    return f"the folder {folder}"


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def check_folder(folder: Path, data_dir: Path | None = None) -> None:
    """Create the folder (mode 700) if needed and make sure the bot can write in it."""
    name = _folder_name(folder, data_dir)
    hint = "or set PEREVIR_DATA_DIR" if name.startswith("the data folder") else ""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise StartupError(
            f"cannot use {name}: it (or a folder above it) is a file, not a folder — "
            f"move the file away {hint}".rstrip()
        ) from None
    except OSError as exc:
        raise StartupError(
            f"cannot create {name} ({_reason(exc)}) — create it for the bot's user {hint}".rstrip()
        ) from None
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise StartupError(
            f"cannot write to {name} ({_reason(exc)}) — make it writable for the bot's user "
            f"{hint}".rstrip()
        ) from None


# ---- the database ------------------------------------------------------------------------


def safe_database_url(url: str) -> str:
    """The database URL as it may be shown: without its password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unreadable URL)"


def _sqlite_path(url: str) -> str | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        return parsed.database or ":memory:"
    return None


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _sqlite_fault(orig: BaseException, path: str) -> StartupError:
    message = str(orig).lower()
    if not isinstance(orig, sqlite3.OperationalError) and any(
        sign in message for sign in ("not a database", "malformed", "encrypted")
    ):
        return StartupError(
            f"the database file {path} is damaged or not SQLite: move it away to start fresh, "
            "or restore a backup"
        )
    if "readonly" in message or "read-only" in message:
        return StartupError(
            f"cannot write to the database file {path} (read-only) — make it writable for the "
            "bot's user"
        )
    if "unable to open" in message:
        return StartupError(
            f"cannot open the database file {path} — check that its folder exists and the bot's "
            "user may write there (PEREVIR_DATA_DIR, PEREVIR_DATABASE_URL)"
        )
    if "locked" in message:
        return StartupError(
            f"the database file {path} is locked by another program (is another Perevir running?)"
        )
    if "disk is full" in message or "disk i/o" in message:
        return StartupError(f"cannot write to the database file {path} ({_first_line(orig)})")
    return StartupError(f"the database file {path} cannot be used ({_first_line(orig)})")


_POSTGRES_REASONS = (
    ("connection refused", "connection refused", "is PostgreSQL running?"),
    ("timeout expired", "timed out", "is the host reachable?"),
    ("timed out", "timed out", "is the host reachable?"),
    ("could not translate host name", "unknown host", "is the host name right?"),
    ("name or service not known", "unknown host", "is the host name right?"),
    ("nodename nor servname", "unknown host", "is the host name right?"),
    ("no route to host", "no route to host", "is the host reachable?"),
    ("network is unreachable", "network unreachable", "is the network up?"),
    ("password authentication failed", "user or password refused", "are they right?"),
    ("no password supplied", "a password is needed", "put it in the URL."),
    ("no pg_hba.conf entry", "the server refuses this client (pg_hba.conf)", "is it allowed?"),
    ("too many clients", "the server has too many connections", "try again later."),
    ("the database system is starting up", "PostgreSQL is still starting", "try again."),
)


def _postgres_fault(orig: BaseException, url: str) -> StartupError:
    from sqlalchemy.engine import make_url

    text = str(orig)
    lowered = text.lower()
    shown = safe_database_url(url)
    known = next(((r, h) for sign, r, h in _POSTGRES_REASONS if sign in lowered), None)
    if known is not None:
        reason, hint = known
    elif "does not exist" in lowered:
        line = next(line for line in text.splitlines() if "does not exist" in line)
        reason, hint = line.split("FATAL:")[-1].strip(), "create it, or correct the URL."
    else:
        reason, hint = _first_line(orig), ""
        password = make_url(url).password
        if password:
            reason = reason.replace(str(password), "***")
    advice = f"{hint} Check PEREVIR_DATABASE_URL." if hint else "check PEREVIR_DATABASE_URL."
    return StartupError(f"cannot reach the database at {shown} ({reason}) — {advice}")


def database_fault(exc: BaseException, url: str) -> StartupError | None:
    """The one line for a failure to open or migrate the database, or None if not one."""
    from alembic.util.exc import CommandError
    from sqlalchemy.exc import ArgumentError, DBAPIError

    shown = safe_database_url(url)
    if isinstance(exc, ArgumentError):
        return StartupError(
            f"PEREVIR_DATABASE_URL: {shown} is not a database URL Perevir can use "
            "(sqlite:///path/to/perevir.db or postgresql+psycopg://user@host/db)",
            exit_code=2,
        )
    if isinstance(exc, CommandError):
        return StartupError(
            f"cannot migrate the database at {shown} ({one_line(str(exc))}) — was it made by a "
            "newer Perevir, or by another program?"
        )
    if isinstance(exc, DBAPIError):
        orig = exc.orig if exc.orig is not None else exc
        path = _sqlite_path(url)
        if path is not None:
            return _sqlite_fault(orig, path)
        if exc.connection_invalidated or _is_connect_error(orig):
            return _postgres_fault(orig, url)
        return StartupError(
            f"the database at {shown} refused the migrations ({_first_line(orig)}) — may this "
            "user create tables there?"
        )
    return None


def _is_connect_error(orig: BaseException) -> bool:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return type(orig) is psycopg.OperationalError


@contextmanager
def storage_faults(url: str, data_dir: Path | None = None) -> Iterator[None]:
    """Turn a failure to prepare the storage (folder, key, database) into a StartupError."""
    from bot.config import SettingsError

    try:
        yield
    except StartupError:
        raise
    except SettingsError as exc:
        raise StartupError(f"Configuration error: {exc}", exit_code=2) from None
    except OSError as exc:
        where = exc.filename or data_dir or "the data folder"
        hint = ""
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            hint = " — check that the bot's user may read and write it and its folder"
        raise StartupError(f"cannot use {where} ({_reason(exc)}){hint}") from None
    except Exception as exc:
        fault = database_fault(exc, url)
        if fault is None:
            raise
        raise fault from None


# ---- the Bot API -------------------------------------------------------------------------


def safe_api_url(base_url: str, token: str) -> str:
    """The Bot API URL as it may be shown: no token, no password."""
    shown = base_url.replace(token, "<token>") if token else base_url
    parts = urlsplit(shown)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
        shown = urlunsplit(parts._replace(netloc=netloc))
    return shown


def _network_reason(exc: BaseException) -> str:
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "unknown host"
        if isinstance(cause, TimeoutError):
            return "timed out"
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
        cause = cause.__cause__ or cause.__context__
    message = str(exc).split(": ", 1)[-1] if str(exc).startswith("httpx.") else str(exc)
    return message.strip() or type(exc).__name__


def bot_api_fault(exc: TelegramError, token: str, base_url: str) -> StartupError:
    """The one line for a Bot API that cannot be reached or refuses the token."""
    from telegram.error import BadRequest, InvalidToken, NetworkError, TimedOut

    where = f"the Telegram Bot API at {safe_api_url(base_url, token)}"
    if isinstance(exc, InvalidToken):
        return StartupError(
            f"{where} refused the bot token — check TELEGRAM_BOT_TOKEN (from @BotFather) "
            "and PEREVIR_TELEGRAM_API_URL"
        )
    if isinstance(exc, TimedOut):
        reason = "timed out"
    elif isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        reason = _network_reason(exc)
    else:
        detail = one_line(str(exc)).replace(token, "<token>") if token else one_line(str(exc))
        return StartupError(
            f"{where} answered with an error ({detail}) — check PEREVIR_TELEGRAM_API_URL"
        )
    reason = reason.replace(token, "<token>") if token else reason
    return StartupError(
        f"cannot reach {where} ({reason}) — is the network up? Check PEREVIR_TELEGRAM_API_URL."
    )


@contextmanager
def _quiet_request_logs() -> Iterator[None]:
    """httpx logs each URL, token included; PTB logs a traceback (and the page) when a URL
    answers with something that is not JSON. The one line says what matters."""
    loggers = {
        logging.getLogger("httpx"): logging.WARNING,
        logging.getLogger("httpcore"): logging.WARNING,
        logging.getLogger("telegram.request"): logging.CRITICAL,
        logging.getLogger("telegram.Bot"): logging.INFO,  # at DEBUG it logs the URL with the token
    }
    before = {logger: logger.level for logger in loggers}
    for logger, level in loggers.items():
        logger.setLevel(max(level, logger.level))
    try:
        yield
    finally:
        for logger, level in before.items():
            logger.setLevel(level)


async def check_bot_api(token: str, base_url: str) -> None:
    """Ask the Bot API who the bot is (getMe): StartupError if it cannot be reached or refuses
    the token. Done before the language models load, so a wrong setting shows at once."""
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        with _quiet_request_logs():
            async with Bot(token, base_url=base_url):
                pass
    except TelegramError as exc:
        raise bot_api_fault(exc, token, base_url) from None


# ---- the content -------------------------------------------------------------------------


def load_knowledge(settings: Settings) -> Knowledge:
    """Content and models; StartupError naming the first content problem (file:line)."""
    from bot.content import ContentError
    from bot.knowledge import Knowledge

    try:
        return Knowledge.load(settings.content_dir, settings.models_dir, encoder=settings.encoder)
    except ContentError as exc:
        raise StartupError(
            f"the content has errors, the bot will not start until they are fixed: {exc} — "
            "run `perevir content check` for the full report"
        ) from None
