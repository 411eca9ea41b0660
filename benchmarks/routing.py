"""The routing decision: rules alone, rules and the trained router, beside a yardstick (the
text lower-cased and split into words, the least any decision does), and the router's load."""

from __future__ import annotations

from pathlib import Path

from benchmarks.adverts import ADVERTS
from benchmarks.questions import UK
from benchmarks.report import Row, timing_row
from benchmarks.stats import time_each
from bot.domain.routing import route
from bot.routing.model import RouterModel

CALLS = 300
WARM_UP = 20
LOADS = 10
P50_TARGET_MS = 5.0
"""The decision must stay small beside the FAQ search and the Bot API round trip."""


def bench_routing(folder: Path) -> list[Row]:
    """Per message: the yardstick, the rules, rules and router; the router's load."""
    router = RouterModel.load(folder)
    texts = [*UK[:20], *ADVERTS.values()]
    rows = []
    for name, decide in (
        ("yardstick: lower-case and split", lambda t: t.lower().split()),
        ("route, rules alone", lambda t: route(t)),
        ("route, rules and the trained router", lambda t: route(t, judge=router.judge)),
    ):
        time_each(decide, texts, WARM_UP)
        timing = time_each(decide, texts, CALLS)
        trained = "router" in name
        target = f"p50 < {P50_TARGET_MS:g} ms" if trained else ""
        rows.append(
            timing_row(name, timing, target, timing.p50_ms < P50_TARGET_MS if trained else None)
        )
    timing = time_each(lambda _: RouterModel.load(folder), [None], LOADS)
    rows.append(timing_row("message router load (files)", timing))
    return rows
