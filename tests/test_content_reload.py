"""Editors' changes reach the running bot; broken changes never do."""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.brain import Brain
from bot.reload import ContentWatcher
from bot.services import Services
from tests.conftest import CONTENT_DIR
from tests.e2e_support import make_services


@pytest.fixture
async def setup(brain: Brain, tmp_path: Path) -> AsyncIterator[tuple[Path, Services]]:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    svc = make_services(brain, tmp_path)
    yield content, svc
    await svc.repository.close()


async def test_a_changed_answer_goes_live_without_a_restart(setup: tuple[Path, Services]) -> None:
    content, svc = setup
    watcher = ContentWatcher(content, svc)
    path = content / "faq" / "passport-safekeeping.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "<b>No, do not hand over your passport.</b>",
            "<b>Never hand your passport to anyone.</b>",
        ),
        encoding="utf-8",
    )
    assert await watcher.check() is True
    reply = svc.brain.dialogue.action("faq:passport-safekeeping", "en", 30).replies[0]
    assert "Never hand your passport to anyone." in reply.text
    assert await watcher.check() is False  # nothing new


async def test_broken_content_keeps_the_old_content_live_and_says_why(
    setup: tuple[Path, Services], caplog: pytest.LogCaptureFixture
) -> None:
    content, svc = setup
    before = svc.brain
    watcher = ContentWatcher(content, svc)
    (content / "faq" / "trial-period.yaml").write_text("id: [broken", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        assert await watcher.check() is False
    assert svc.brain is before
    assert "trial-period.yaml" in caplog.text and "old content stays live" in caplog.text
