"""The load test, short (issue 14): the webhook ingress and two workers on PostgreSQL, people
asking questions and sending adverts, open hand-off cases talking both ways, while a worker is
killed with SIGKILL and restarted. Nothing is lost or reordered; a duplicate can come only from
the window the Bot API leaves, for each message in flight when the sending worker dies. The
full run is `python -m benchmarks.load` (in `make bench`)."""

from __future__ import annotations

import pytest

from benchmarks.load import run_load
from bot.tg.outbox import SEND_AT_ONCE

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


async def test_with_workers_killed_under_load_nothing_is_lost_or_reordered(
    postgres_url: str | None,
) -> None:
    if not postgres_url:
        pytest.skip("PEREVIR_TEST_POSTGRES_URL is not set (the workers share PostgreSQL)")
    result = await run_load(
        postgres_url, workers=2, users=40, updates=320, kill_every=2.0, cases=4, timeout=240
    )
    assert result.kills >= 1
    assert (result.lost, result.reordered, result.given_up) == (0, 0, 0), result.line()
    assert result.duplicated <= SEND_AT_ONCE * result.kills, result.line()
