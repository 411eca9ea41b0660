"""The README's promise, black-box: a SIGKILL during traffic loses nothing and reorders nothing.

The real bot runs as its own OS process against the local Bot API server; each trial sends a
burst of two-way case traffic and plain questions, kills the bot with SIGKILL at a random
moment, restarts it and counts every message (see `tests/crash/harness.py`). Duplicates are
reported, and fail only when that window does not explain them: the Bot API leaves one (a send
that completed but was not yet marked sent, made again after the restart).

Short version: PEREVIR_CRASH_TRIALS trials per database (default 2); the full one is
`make crash`. The table is printed (even without -s) and written to reports/crash/<db>.json.
PEREVIR_CRASH_SOURCE runs the bot from another source tree (e.g. an older commit), and
PEREVIR_CRASH_TIMEOUT sets how long to wait after a restart (90 s).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.crash.harness import (
    PROJECT_ROOT,
    CrashConfig,
    CrashReport,
    count_direction,
    markdown,
    markers_seen,
    run_crash_trials,
    write_json,
)

TRIALS = int(os.environ.get("PEREVIR_CRASH_TRIALS", "2"))
TIMEOUT = float(os.environ.get("PEREVIR_CRASH_TIMEOUT", "90"))
SOURCE = Path(os.environ.get("PEREVIR_CRASH_SOURCE") or PROJECT_ROOT)
REPORTS = PROJECT_ROOT / "reports" / "crash"


def _losses(report: CrashReport) -> str:
    """Which markers were lost, duplicated or out of order, trial by trial."""
    lines = []
    for trial in report.trials:
        for name, count in (("p2c", trial.p2c), ("c2p", trial.c2p)):
            if count.lost or count.reordered:
                lines.append(
                    f"trial {trial.number} {name}: lost {count.lost_markers}, "
                    f"{count.reordered} out of order (kill at {trial.killed_at:.2f} s)"
                )
        if trial.questions.unanswered:
            lines.append(
                f"trial {trial.number}: {trial.questions.unanswered} questions never answered"
            )
    return "\n".join(lines)


def test_the_count_tells_lost_duplicated_and_reordered_apart() -> None:
    texts = [f"#AB12 ▸ p2c-T3-{i:02d}" for i in (0, 2, 1, 2, 4, 3)]
    texts += ["p2c-T4-05", "c2p-T3-05", "p2c-T3-end"]
    messages = [{"message_id": n, "text": text} for n, text in enumerate(texts, 10)]
    seen = markers_seen(messages, "p2c", 3)
    assert seen == [(0, 10), (2, 11), (1, 12), (2, 13), (4, 14), (3, 15)]
    count = count_direction("p2c", 3, 6, seen, restart_after=12)
    assert (count.lost, count.lost_markers) == (1, ["p2c-T3-05"])
    assert (count.duplicated, count.extra_copies, count.duplicated_markers) == (1, 1, ["p2c-T3-02"])
    assert count.outside_window == 0  # one copy before the restart (11), one after (13)
    assert count.reordered == 2  # 0 1 3 stay; 2 and 4 would have to move
    assert count_direction("p2c", 3, 6, seen, restart_after=13).outside_window == 1
    late_copy = [(0, 1), (1, 2), (1, 3), (2, 4)]
    assert count_direction("p2c", 3, 3, late_copy, restart_after=2).reordered == 0


@pytest.mark.e2e
@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
async def test_sigkill_during_traffic_loses_and_reorders_nothing(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], postgres_url: str | None
) -> None:
    if database == "postgresql" and not postgres_url:
        pytest.skip("PEREVIR_TEST_POSTGRES_URL is not set")
    url = postgres_url if database == "postgresql" else f"sqlite:///{tmp_path / 'bot.db'}"
    assert url is not None
    config = CrashConfig(
        database=database,
        database_url=url,
        work_dir=tmp_path,
        trials=TRIALS,
        source=SOURCE.resolve(),
        deliver_timeout=TIMEOUT,
    )
    report = await run_crash_trials(config, progress=print)
    write_json(report, REPORTS)
    table = markdown([report])
    with capsys.disabled():
        print(f"\n\nSIGKILL during traffic, {database}:\n{table}")
    assert report.error is None, (
        f"{report.error}\n\n{table}\nbot stderr (tail):\n{report.error_log_tail}"
    )
    assert len(report.trials) == TRIALS
    assert report.lost == 0 and report.reordered == 0, f"{_losses(report)}\n\n{table}"
    assert report.duplicated_outside_window == 0, f"duplicates the kill does not explain\n{table}"
