"""Live content updates: rebuild the knowledge when content/ changes; keep the old one if broken."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.content import ContentError, load_content
from bot.knowledge import Knowledge
from bot.wiring import Perevir

log = logging.getLogger(__name__)
Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(folder: Path) -> Fingerprint:
    """Name, modification time and size of every file under the folder."""
    entries = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            entries.append((str(path.relative_to(folder)), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


class ContentWatcher:
    """Swaps the bot's knowledge for one built from changed content, if the content is valid."""

    def __init__(self, content_dir: Path, perevir: Perevir, models_dir: Path | None = None) -> None:
        self.content_dir = content_dir
        self.models_dir = models_dir
        """Where the rebuilt FAQ index is saved, so that the next start loads it."""
        self.perevir = perevir
        self.seen = fingerprint(content_dir)
        self._lock = asyncio.Lock()

    async def check(self) -> bool:
        """Reload if anything changed; True when new content went live."""
        async with self._lock:
            current = fingerprint(self.content_dir)
            if current == self.seen:
                return False
            self.seen = current
            return await self.reload()

    async def reload(self) -> bool:
        """Rebuild from the content folder in a thread (the old knowledge answers meanwhile) and
        save the new FAQ index; keep serving the old content on any error."""
        old = self.perevir.knowledge
        try:
            content = await asyncio.to_thread(load_content, self.content_dir)
            knowledge = await asyncio.to_thread(
                Knowledge.from_content,
                content,
                old.lemmatizer,
                old.risk,
                self.models_dir,
                router=old.router,
                encoder=old.faq.encoder,
                previous=old.faq,
            )
        except ContentError as exc:
            log.error(
                "content not reloaded, the old content stays live: %d errors, first: %s",
                len(exc.problems),
                exc.problems[0] if exc.problems else "?",
            )
            return False
        self.perevir.knowledge = knowledge
        log.info("content reloaded: %d FAQ entries", len(content.faq))
        return True
