"""Editors' changes reach the running bot; broken changes never do."""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from bot.faq import artefact
from bot.knowledge import Knowledge, faq_fingerprint
from bot.reload import ContentWatcher
from bot.wiring import Perevir
from tests.conftest import CONTENT_DIR
from tests.e2e_support import make_bot


@pytest.fixture
async def setup(knowledge: Knowledge, tmp_path: Path) -> AsyncIterator[tuple[Path, Perevir]]:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    svc = make_bot(knowledge, tmp_path)
    yield content, svc
    await svc.people.close()


async def test_a_changed_answer_goes_live_without_a_restart(setup: tuple[Path, Perevir]) -> None:
    content, svc = setup
    watcher = ContentWatcher(content, svc)
    path = content / "faq" / "passport-safekeeping.yaml"
    added = "<b>Never hand your passport to anyone.</b>"  # an editor's new first line
    entry = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry["en"]["answer"] = f"{added}\n\n{entry['en']['answer']}"
    path.write_text(yaml.safe_dump(entry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    shown = svc.knowledge.dialogue.action("faq:passport-safekeeping", "en", 30).replies[0]
    assert added not in shown.text
    assert await watcher.check() is True
    reply = svc.knowledge.dialogue.action("faq:passport-safekeeping", "en", 30).replies[0]
    assert added in reply.text
    assert await watcher.check() is False  # nothing new


async def test_broken_content_keeps_the_old_content_live_and_says_why(
    setup: tuple[Path, Perevir], caplog: pytest.LogCaptureFixture
) -> None:
    content, svc = setup
    before = svc.knowledge
    watcher = ContentWatcher(content, svc)
    (content / "faq" / "trial-period.yaml").write_text("id: [broken", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        assert await watcher.check() is False
    assert svc.knowledge is before
    assert "trial-period.yaml" in caplog.text and "old content stays live" in caplog.text


async def test_an_edit_is_rebuilt_in_the_background_while_the_old_index_answers_then_saved(
    setup: tuple[Path, Perevir], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content, svc = setup
    before = svc.knowledge
    models = tmp_path / "models"
    watcher = ContentWatcher(content, svc, models)
    building, release = threading.Event(), threading.Event()
    build = Knowledge.from_content

    def held_build(cls: type[Knowledge], *args: object, **kwargs: object) -> Knowledge:
        building.set()
        release.wait(timeout=120)
        return build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Knowledge, "from_content", classmethod(held_build))
    path = content / "faq" / "trial-period.yaml"
    entry = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry["en"]["questions"].append("is a week of unpaid trial shifts normal in a warehouse")
    path.write_text(yaml.safe_dump(entry, allow_unicode=True, sort_keys=False), encoding="utf-8")
    reload = asyncio.create_task(watcher.check())
    assert await asyncio.to_thread(building.wait, 60)
    # The event loop is free and the old knowledge answers while the new one is built.
    match = svc.knowledge.dialogue.understand("my employer took my passport", "en", force="en")
    assert svc.knowledge is before and match.match.topic == "passport-safekeeping"
    release.set()
    assert await reload is True
    assert svc.knowledge is not before
    new = svc.knowledge
    if new.faq.encoder is not None:  # a lexical-only rebuild never replaces a semantic one
        saved = artefact.load(
            models / "faq", faq_fingerprint(new.content), new.lemmatizer.lemmas, new.faq.encoder
        )
        assert saved is not None
