"""Real bot processes for the benchmarks: spawned, watched, killed with SIGKILL, restarted."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.config import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
from tests.crash.harness import _die_with_parent

READY = "is running"
"""What a bot process prints once it handles updates."""


@dataclass
class Process:
    """A Python module run as a subprocess in its own process group, killed as a group."""

    args: list[str]
    env: dict[str, str]
    folder: Path
    name: str
    popen: subprocess.Popen[bytes] | None = None
    lives: int = 0

    def start(self) -> None:
        """Spawn it (`python -m <args>`, output to files in the folder)."""
        self.lives += 1
        with (
            (self.folder / f"{self.name}-{self.lives}.out").open("wb") as out,
            (self.folder / f"{self.name}-{self.lives}.err").open("wb") as err,
        ):
            self.popen = subprocess.Popen(
                [sys.executable, "-m", *self.args],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )

    def output(self) -> str:
        """What the current life printed."""
        return (self.folder / f"{self.name}-{self.lives}.out").read_text(errors="replace")

    def errors(self) -> str:
        """The end of what the current life logged."""
        return (self.folder / f"{self.name}-{self.lives}.err").read_text(errors="replace")[-1500:]

    @property
    def alive(self) -> bool:
        """Still running."""
        return self.popen is not None and self.popen.poll() is None

    @property
    def ready(self) -> bool:
        """Running and handling updates (it said so)."""
        return self.alive and READY in self.output()

    def kill(self) -> None:
        """SIGKILL the group and reap it."""
        if self.popen is not None and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


async def until(
    test: Callable[[], Awaitable[bool]], what: str, process: Process, timeout: float = 60.0
) -> None:
    """Wait until the test passes; fail at once if the process exits, or at the timeout."""
    deadline = time.monotonic() + timeout
    while not await test():
        if not process.alive:
            raise RuntimeError(f"{what}: exited\n{process.errors()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready within {timeout:.0f} s\n{process.errors()}")
        await asyncio.sleep(0.05)


async def until_ready(process: Process, timeout: float = 60.0) -> None:
    """Wait until a bot process says it is running."""

    async def ready() -> bool:
        return process.ready

    await until(ready, process.name, process, timeout)


async def until_healthy(process: Process, port: int, timeout: float = 60.0) -> None:
    """Wait until a process serving HTTP on a local port answers /healthz with 200."""
    import httpx

    async with httpx.AsyncClient() as client:

        async def healthy() -> bool:
            with contextlib.suppress(httpx.HTTPError):
                reply = await client.get(f"http://127.0.0.1:{port}/healthz")
                return reply.status_code == 200
            return False

        await until(healthy, process.name, process, timeout)


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
