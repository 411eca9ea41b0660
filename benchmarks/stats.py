"""Timing helpers: repeat a call under time.perf_counter and summarise the durations."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of some values, interpolated between the nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Timing:
    """Durations of many repetitions of one operation, in seconds."""

    samples: tuple[float, ...]

    @property
    def p50_ms(self) -> float:
        """Median in milliseconds."""
        return statistics.median(self.samples) * 1000

    @property
    def p99_ms(self) -> float:
        """99th percentile in milliseconds."""
        return percentile(self.samples, 99) * 1000

    @property
    def count(self) -> int:
        """How many repetitions were timed."""
        return len(self.samples)


def time_each(call: Callable[[T], object], inputs: Sequence[T], calls: int) -> Timing:
    """Time `calls` calls of `call`, cycling through `inputs`, one perf_counter pair per call."""
    samples = []
    clock = time.perf_counter
    for i in range(calls):
        item = inputs[i % len(inputs)]
        start = clock()
        call(item)
        samples.append(clock() - start)
    return Timing(tuple(samples))


def time_once(call: Callable[[], T]) -> tuple[T, float]:
    """The result of one call and its wall time in seconds."""
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start
