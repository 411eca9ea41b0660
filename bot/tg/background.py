"""A background loop that stops between two pieces of work, not in the middle of one."""

from __future__ import annotations

import asyncio
import contextlib

STOP_GRACE_SECONDS = 10.0


class BackgroundLoop:
    """Runs `_run` as a task; `stop` asks it to finish the piece in hand, then cancels it if it
    has not stopped within the grace period. A loop checks `stopping` between pieces."""

    name = "background"

    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.stopping = False

    def wake(self) -> None:
        """There is new work: do it now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Run in the background."""
        self.stopping = False
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop after the piece of work in hand (or after `grace` seconds at the latest)."""
        if self._task is None:
            return
        self.stopping = True
        self._wake.set()
        done, _ = await asyncio.wait({self._task}, timeout=grace)
        if not done:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _sleep(self, seconds: float) -> None:
        """Wait until woken, stopped, or `seconds` have passed."""
        if self.stopping:
            return
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _run(self) -> None:  # pragma: no cover - every loop defines its own
        raise NotImplementedError
