"""CPU-heavy work (language tools, models, page text) off the event loop, within a time budget.

One worker thread does it all, in the order asked: the engine's tools are not promised to be
thread-safe, and under the GIL more threads would not finish sooner. The event loop stays free to
take updates and send replies for everyone else while a long message is being worked on. Work
that overruns its budget is left to finish on its own thread, and a fresh worker takes the rest,
so one stuck message cannot hold up everyone else's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
BUDGET_SECONDS = 5.0
"""The longest a person waits for one piece of work before being told it took too long."""


class TooSlow(Exception):
    """The work did not finish within its budget (it runs on; its result is dropped)."""


class CpuWorker:
    """Runs blocking functions on one thread and awaits them with a time budget."""

    def __init__(self, budget: float = BUDGET_SECONDS) -> None:
        self.budget = budget
        self._executor = _worker()

    async def run(self, work: Callable[[], T]) -> T:
        """The result of `work()`, computed on the worker; TooSlow past the budget."""
        future = asyncio.get_running_loop().run_in_executor(self._executor, work)
        try:
            return await asyncio.wait_for(future, self.budget)
        except TimeoutError:
            self._executor.shutdown(wait=False)
            self._executor = _worker()
            raise TooSlow from None

    def close(self) -> None:
        """Stop taking work; what is running finishes on its own."""
        self._executor.shutdown(wait=False, cancel_futures=True)


def _worker() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="perevir-cpu")
