"""Start-up faults end in one clear line naming what is wrong, never a traceback; a broken
model card only turns the job-offer checker off.

The faults of the outside world are tried on the real `perevir run`, as its own process: the
database unreachable, the SQLite file damaged, the data folder unusable, the Bot API unreachable
or refusing the token. Each must end with exit code 1 and one line on stderr. They fail before
the language models load, so each run takes seconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.config import PROJECT_ROOT, load_settings
from bot.knowledge import Knowledge
from bot.nlp import Lemmatizer
from bot.risk.model import ModelError, RiskModel
from tests.conftest import CONTENT_DIR, MODELS_DIR
from tests.e2e_support import TEST_KEY, TOKEN, choose_english, make_bot, running_bot
from tests.support.bot_api import BotApiServer
from tests.support.environment import clean_environment

RUN_TIMEOUT = 60.0
"""A hung start-up fails the test instead of hanging it; a normal run takes a few seconds."""
FAST_ENOUGH = 20.0
PASSWORD = "pa55-word-never-shown"


def _environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """Ours without any Perevir/Telegram/proxy setting, plus a valid token and key."""
    env = clean_environment()
    env.update(
        PYTHONPATH=str(PROJECT_ROOT),
        TELEGRAM_BOT_TOKEN=TOKEN,
        PEREVIR_PSEUDONYM_KEY=TEST_KEY,
        PEREVIR_DATA_DIR=str(tmp_path / "data"),
        PEREVIR_LOG_LEVEL="WARNING",
    )
    env.update(settings)
    return env


def run_bot(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """`perevir run` as its own process (in tmp_path, so no .env is read)."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=_environment(tmp_path, **settings),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert time.monotonic() - started < FAST_ENOUGH, "the fault should show before the models load"
    return done


def the_one_line(done: subprocess.CompletedProcess[str]) -> str:
    """Exit code 1, no traceback, and exactly one non-empty line on stderr: ours."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("perevir: "), lines[0]
    assert "Perevir is running" not in done.stdout
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert TOKEN not in done.stderr + done.stdout
    return lines[0]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ---- the world outside, with the real process --------------------------------------------


def test_postgresql_unreachable_names_the_database_without_its_password(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:1/test"
    line = the_one_line(run_bot(tmp_path, PEREVIR_DATABASE_URL=url))
    assert line == (
        "perevir: cannot reach the database at postgresql+psycopg://postgres:***@127.0.0.1:1/test "
        "(connection refused) — is PostgreSQL running? Check PEREVIR_DATABASE_URL."
    )
    assert PASSWORD not in line


def test_a_corrupted_sqlite_file_is_named_and_left_as_it_was(tmp_path: Path) -> None:
    database = tmp_path / "data" / "perevir.db"
    database.parent.mkdir(mode=0o700)
    garbage = os.urandom(8192)
    database.write_bytes(garbage)
    line = the_one_line(run_bot(tmp_path))
    assert line == (
        f"perevir: the database file {database} is damaged or not SQLite: move it away to start "
        "fresh, or restore a backup"
    )
    assert database.read_bytes() == garbage


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores folder permissions"
)
def test_a_read_only_data_folder_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        line = the_one_line(run_bot(tmp_path))
    finally:
        folder.chmod(0o700)
    assert line.startswith(f"perevir: cannot write to the data folder {folder} (permission denied)")
    assert "PEREVIR_DATA_DIR" in line


def test_a_data_folder_that_is_a_file_is_named(tmp_path: Path) -> None:
    """Also what a read-only folder shows when the tests run as root (who may write anywhere)."""
    (tmp_path / "data").write_text("not a folder", encoding="utf-8")
    line = the_one_line(run_bot(tmp_path))
    assert line.startswith(f"perevir: cannot use the data folder {tmp_path / 'data'}: ")
    assert "is a file, not a folder" in line and "PEREVIR_DATA_DIR" in line


def test_the_bot_api_unreachable_names_the_url_without_the_token(tmp_path: Path) -> None:
    api_url = f"http://127.0.0.1:{free_port()}/bot"
    line = the_one_line(run_bot(tmp_path, PEREVIR_TELEGRAM_API_URL=api_url))
    assert line == (
        f"perevir: cannot reach the Telegram Bot API at {api_url} (connection refused) — "
        "is the network up? Check PEREVIR_TELEGRAM_API_URL."
    )
    assert TOKEN.split(":")[1] not in line


def test_at_the_default_log_level_the_line_still_ends_the_output(tmp_path: Path) -> None:
    """Log records before it (the migrations ran), then the line, and no traceback."""
    api_url = f"http://127.0.0.1:{free_port()}/bot"
    done = run_bot(tmp_path, PEREVIR_TELEGRAM_API_URL=api_url, PEREVIR_LOG_LEVEL="INFO")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("perevir: cannot reach the Telegram Bot API at ")
    assert all(" INFO " in line for line in lines[:-1]), done.stderr
    assert TOKEN not in done.stderr


async def test_a_refused_token_is_said_so_without_showing_it(tmp_path: Path) -> None:
    async with BotApiServer(token="424242:another-bot-s-token-entirely") as server:
        done = await asyncio.to_thread(run_bot, tmp_path, PEREVIR_TELEGRAM_API_URL=server.base_url)
    line = the_one_line(done)
    assert line == (
        f"perevir: the Telegram Bot API at {server.base_url} refused the bot token — check "
        "TELEGRAM_BOT_TOKEN (from @BotFather) and PEREVIR_TELEGRAM_API_URL"
    )


def test_the_other_database_commands_end_in_the_same_line(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:1/test"
    for command in (["stats"], ["content", "gaps"]):
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", *command],
            cwd=tmp_path,
            env=_environment(tmp_path, PEREVIR_DATABASE_URL=url),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        line = the_one_line(done)
        assert line.startswith("perevir: cannot reach the database at "), command
        assert PASSWORD not in done.stderr


# ---- a broken model card turns only the checker off --------------------------------------


def _copy_models(tmp_path: Path) -> Path:
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR / "risk", models / "risk")
    return models


def _edit_card(risk: Path, change: Callable[[dict[str, Any]], object]) -> None:
    path = risk / "model_card.json"
    card = json.loads(path.read_text(encoding="utf-8"))
    change(card)
    path.write_text(json.dumps(card), encoding="utf-8")


def _rehash(risk: Path) -> None:
    """Record the files' new hashes, so only the part under test is wrong."""

    def update(card: dict[str, Any]) -> None:
        for name in ("weights.npz", "vocabulary.json"):
            card["files"][name] = hashlib.sha256((risk / name).read_bytes()).hexdigest()

    _edit_card(risk, update)


def _move_npy(risk: Path) -> None:
    (risk / "weights.npy").replace(risk / "weights.npz")


@pytest.fixture
def known_faq_index(knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch) -> None:
    """Knowledge.load builds the FAQ index anew, which takes tens of seconds; it does not depend on
    the model, so the session's index of the same content is reused."""
    monkeypatch.setattr("bot.knowledge.build_faq_index", lambda *_args, **_kwargs: knowledge.faq)


@pytest.mark.usefixtures("known_faq_index")
def test_a_card_without_thresholds_turns_off_only_the_checker(
    tmp_path: Path, lemmatizer: Lemmatizer, caplog: pytest.LogCaptureFixture
) -> None:
    models = _copy_models(tmp_path)
    _edit_card(models / "risk", lambda card: card.pop("thresholds"))
    settings = load_settings(
        PEREVIR_MODELS_DIR=str(models), PEREVIR_DATA_DIR=str(tmp_path / "data")
    )
    with caplog.at_level(logging.ERROR, logger="bot.knowledge"):
        knowledge = Knowledge.load(settings.content_dir, settings.models_dir, lemmatizer)
    assert knowledge.risk is None
    [record] = [r for r in caplog.records if r.name == "bot.knowledge"]
    assert record.getMessage().startswith("job-offer checker off: ")
    assert "thresholds" in record.getMessage() and "\n" not in record.getMessage()
    answer = knowledge.dialogue.understand("can my employer keep my passport", "en", force="en")
    assert answer.match.topic == "passport-safekeeping" and answer.answer
    advert = (
        "Warehouse work in Poland, 5000 EUR a month, no experience. The coordinator keeps your "
        "passport, pay 200 EUR for the papers before departure."
    )
    outcome = knowledge.dialogue.advert(advert, "en", "text")
    assert outcome.replies[0] == knowledge.dialogue.error("en", "risk.unavailable")


@pytest.mark.e2e
@pytest.mark.usefixtures("known_faq_index")
async def test_with_a_broken_card_the_bot_starts_answers_and_says_the_checker_is_off(
    tmp_path: Path, lemmatizer: Lemmatizer
) -> None:
    models = _copy_models(tmp_path)
    _edit_card(models / "risk", lambda card: card.pop("thresholds"))
    knowledge = Knowledge.load(CONTENT_DIR, models, lemmatizer)
    perevir = make_bot(knowledge, tmp_path)
    user = 5550077
    try:
        async with BotApiServer() as server:
            server.user(user, "Oksana", "en")
            async with running_bot(server, perevir):
                menu = await choose_english(server, user)
                server.send_text(user, "my boss wants to keep my passport, is that ok?")
                [answer] = await server.wait_for_message(user)
                assert "passport" in answer["text"].lower()
                server.press_button(user, menu["message_id"], "menu:check")
                await server.wait_for_message(user, contains="paste the text")
                server.send_text(
                    user,
                    "Urgent! Warehouse in Poland, 5000 EUR a month, the coordinator keeps your "
                    "passport, pay 200 EUR for papers before departure, write on WhatsApp only.",
                )
                await server.wait_for_message(user, contains="check is not working right now")
    finally:
        await perevir.people.close()


BROKEN_CARDS: dict[str, tuple[Callable[[Path], object], str]] = {
    "no thresholds": (
        lambda risk: _edit_card(risk, lambda c: c.pop("thresholds")),
        "has no `thresholds`",
    ),
    "thresholds not a mapping": (
        lambda risk: _edit_card(risk, lambda c: c.update(thresholds=[0.5, 0.5])),
        "`thresholds` must map each label to a number",
    ),
    "a threshold that is not a number": (
        lambda risk: _edit_card(risk, lambda c: c["thresholds"].update({c["labels"][0]: "high"})),
        "`thresholds` for document_retention is 'high'",
    ),
    "a threshold of zero": (
        lambda risk: _edit_card(risk, lambda c: c["thresholds"].update({c["labels"][0]: 0})),
        "`thresholds` for document_retention is 0",
    ),
    "a label without a threshold": (
        lambda risk: _edit_card(risk, lambda c: c["thresholds"].pop("fees_debt")),
        "`thresholds` has no value for fees_debt",
    ),
    "no weights": (lambda risk: _edit_card(risk, lambda c: c.pop("weights")), "no `weights`"),
    "a negative weight": (
        lambda risk: _edit_card(risk, lambda c: c["weights"].update(sexual_lure=-1)),
        "`weights` for sexual_lure is -1",
    ),
    "labels not a list": (
        lambda risk: _edit_card(risk, lambda c: c.update(labels="document_retention")),
        "`labels` must be a list",
    ),
    "no version": (lambda risk: _edit_card(risk, lambda c: c.pop("version")), "no `version`"),
    "files not a mapping": (
        lambda risk: _edit_card(risk, lambda c: c.update(files=["weights.npz"])),
        "does not list the model's files",
    ),
    "invalid JSON": (
        lambda risk: (risk / "model_card.json").write_text('{"format": ', encoding="utf-8"),
        "is not valid JSON",
    ),
    "a card that is a list": (
        lambda risk: (risk / "model_card.json").write_text("[1, 2]", encoding="utf-8"),
        "does not hold a Perevir risk model",
    ),
    "the weights file missing": (
        lambda risk: (risk / "weights.npz").unlink(),
        "is missing .*weights.npz: run `perevir train`",
    ),
    "weights that do not match their hash": (
        lambda risk: (risk / "weights.npz").write_bytes(
            (risk / "weights.npz").read_bytes() + b"\0"
        ),
        "weights.npz does not match its model card",
    ),
    "weights that are not an archive": (
        lambda risk: ((risk / "weights.npz").write_bytes(b"PK\x03\x04broken"), _rehash(risk)),
        "weights.npz cannot be read safely",
    ),
    "weights that are one bare array": (
        lambda risk: (np.save(risk / "weights.npy", np.zeros(3)), _move_npy(risk), _rehash(risk)),
        "weights.npz is not an .npz archive",
    ),
    "a vocabulary that is not JSON": (
        lambda risk: ((risk / "vocabulary.json").write_text("[", encoding="utf-8"), _rehash(risk)),
        "vocabulary.json is not valid JSON",
    ),
    "a vocabulary that is not a list of strings": (
        lambda risk: ((risk / "vocabulary.json").write_text("{}", encoding="utf-8"), _rehash(risk)),
        "vocabulary.json is not a list of feature strings",
    ),
}


@pytest.mark.parametrize("broken", list(BROKEN_CARDS))
def test_each_way_a_model_can_be_broken_is_a_model_error_with_a_reason(
    broken: str, tmp_path: Path, lemmatizer: Lemmatizer, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.knowledge import load_risk_model

    models = _copy_models(tmp_path)
    breakage, reason = BROKEN_CARDS[broken]
    breakage(models / "risk")
    with pytest.raises(ModelError, match=reason) as caught:
        RiskModel.load(models / "risk", lemmatizer)
    assert "\n" not in str(caught.value)
    with caplog.at_level(logging.ERROR, logger="bot.knowledge"):
        assert load_risk_model(models, lemmatizer) is None
    assert any(r.getMessage().startswith("job-offer checker off: ") for r in caplog.records)


async def test_broken_content_ends_in_one_line_naming_file_and_line(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    (content / "hours.yaml").write_text("timezone: [unclosed\n", encoding="utf-8")
    async with BotApiServer() as server:
        done = await asyncio.to_thread(
            run_bot,
            tmp_path,
            PEREVIR_TELEGRAM_API_URL=server.base_url,
            PEREVIR_CONTENT_DIR=str(content),
        )
    line = the_one_line(done)
    assert line.startswith("perevir: the content has errors, the bot will not start until ")
    assert "hours.yaml:" in line and "perevir content check" in line
