"""`python -m benchmarks.crash` (`make crash`): SIGKILL the running bot during traffic, count.

The real bot runs as its own process against the local Bot API server; each trial sends a burst
of two-way case traffic and plain questions, kills the bot with SIGKILL at a random moment,
restarts it and counts per message what was lost, duplicated or reordered (see
`tests/crash/harness.py`). Prints progress on stderr and the table in Markdown on stdout;
writes `reports/crash/<db>.json`. Exit status 1 if anything was lost or reordered, duplicated
other than by the crash window, or a run could not be completed.

PostgreSQL runs reset the public schema of the database given by --postgres-url (default: the
environment's PEREVIR_TEST_POSTGRES_URL): point it at a database kept for tests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from tests.crash.harness import (  # noqa: E402 (tests/ is importable from the project root)
    CrashConfig,
    CrashReport,
    markdown,
    run_crash_trials,
    write_json,
)

REPORTS = PROJECT_ROOT / "reports" / "crash"


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.crash",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--trials", type=int, default=10, help="trials per database (10)")
    parser.add_argument(
        "--db", choices=("sqlite", "postgresql", "both"), default="both", help="(both)"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("PEREVIR_TEST_POSTGRES_URL"),
        help="PostgreSQL URL whose schema is reset (default: $PEREVIR_TEST_POSTGRES_URL)",
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=PROJECT_ROOT,
        help="run the bot from this copy of the source tree (default: this one)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the kill delays")
    parser.add_argument(
        "--timeout",
        type=float,
        default=90.0,
        help="seconds to wait after a restart for everything to arrive (90)",
    )
    parser.add_argument(
        "--work-dir", type=Path, default=None, help="keep the bot's logs and data here"
    )
    parser.add_argument("--json-dir", type=Path, default=REPORTS, help="(reports/crash)")
    return parser.parse_args(argv)


def progress(line: str) -> None:
    """A line of progress on stderr."""
    print(f"… {line}", file=sys.stderr, flush=True)


async def run(args: argparse.Namespace, work: Path) -> list[CrashReport]:
    """The databases asked for, one after the other."""
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    reports = []
    for database in databases:
        if database == "postgresql" and not args.postgres_url:
            progress("postgresql: skipped (no --postgres-url and no PEREVIR_TEST_POSTGRES_URL)")
            continue
        folder = work / database
        url = args.postgres_url if database == "postgresql" else f"sqlite:///{folder / 'bot.db'}"
        config = CrashConfig(
            database=database,
            database_url=url,
            work_dir=folder,
            trials=args.trials,
            source=args.source.resolve(),
            seed=args.seed,
            deliver_timeout=args.timeout,
        )
        progress(f"{database}: {args.trials} trials, bot from {config.source}, logs in {folder}")
        report = await run_crash_trials(config, progress)
        progress(f"{database}: report in {write_json(report, args.json_dir)}")
        reports.append(report)
    return reports


def main(argv: list[str] | None = None) -> int:
    """Run, print the Markdown table; 1 if anything was lost or reordered or a run failed."""
    args = parse(argv)
    # SIGTERM unwinds like Ctrl+C, so the bot is killed on the way out (the harness also has
    # the kernel kill it should this process die abruptly).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    if args.work_dir is not None:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        reports = asyncio.run(run(args, args.work_dir.resolve()))
    else:
        with tempfile.TemporaryDirectory(prefix="perevir-crash-") as folder:
            reports = asyncio.run(run(args, Path(folder)))
    print(markdown(reports))
    bad = [r for r in reports if r.error or r.lost or r.reordered or r.duplicated_outside_window]
    return 1 if bad or not reports else 0


if __name__ == "__main__":
    sys.exit(main())
