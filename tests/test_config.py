"""Settings: defaults, validation with one clear line, and the generated pseudonym key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import SettingsError, ensure_pseudonym_key, load_settings


def test_defaults_need_no_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(PEREVIR_DATA_DIR=str(tmp_path / "data"))
    assert settings.telegram_bot_token is None
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.telegram_api_url == "https://api.telegram.org/bot"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("PEREVIR_TELEGRAM_API_URL", "ftp://example"),
        ("PEREVIR_DATABASE_URL", "mysql://x"),
        ("PEREVIR_RETENTION_DAYS", "-3"),
        ("PEREVIR_COUNSELLORS", "alice,bob"),
        ("PEREVIR_PSEUDONYM_KEY", "1"),
        ("PEREVIR_PSEUDONYM_KEY", "x" * 40),
    ],
)
def test_a_wrong_value_names_the_variable(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{variable}:")
    assert "\n" not in str(caught.value)


def test_the_cli_stops_with_one_line_and_no_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PEREVIR_RETENTION_DAYS", "forever")
    result = CliRunner().invoke(app, ["ask", "hello"])
    assert result.exit_code == 2
    assert "PEREVIR_RETENTION_DAYS" in result.output
    assert "Traceback" not in result.output


def test_the_pseudonym_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = load_settings(PEREVIR_DATA_DIR=str(tmp_path))
    first = ensure_pseudonym_key(settings)
    assert ensure_pseudonym_key(settings) == first
    assert len(first) == 64
    assert (tmp_path / "pseudonym.key").stat().st_mode & 0o077 == 0


def test_an_empty_or_weak_key_file_is_refused_not_used(tmp_path: Path) -> None:
    for content in ("", "\n", "secret"):
        (tmp_path / "pseudonym.key").write_text(content)
        with pytest.raises(SettingsError, match="pseudonym key"):
            ensure_pseudonym_key(load_settings(PEREVIR_DATA_DIR=str(tmp_path)))


def test_the_key_can_live_outside_the_data_folder(tmp_path: Path) -> None:
    key_file = tmp_path / "secrets" / "perevir.key"
    settings = load_settings(
        PEREVIR_DATA_DIR=str(tmp_path / "data"), PEREVIR_PSEUDONYM_KEY_FILE=str(key_file)
    )
    key = ensure_pseudonym_key(settings)
    assert key_file.read_text().strip().encode() == key
    assert not (tmp_path / "data" / "pseudonym.key").exists()
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert ensure_pseudonym_key(settings) == key


def test_the_database_files_are_private_to_the_bot(tmp_path: Path) -> None:
    from bot.db.database import migrate

    folder = tmp_path / "data"
    migrate(f"sqlite:///{folder / 'perevir.db'}")
    assert folder.stat().st_mode & 0o777 == 0o700
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path.name
