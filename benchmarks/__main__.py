"""`python -m benchmarks` (`make bench`): how fast the bot answers, and what it costs to run.

Speed is measured, not tested: nothing here asserts; figures are printed beside their targets.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from benchmarks.report import Row, machine, markdown_table, plain_table


def step(title: str, run: Callable[[], list[Row]]) -> list[Row]:
    """Run one benchmark, saying on stderr what is being measured and how long it took.

    A benchmark that breaks becomes a FAILED row with the error, and the others still run.
    """
    print(f"… {title}", file=sys.stderr, flush=True, end="")
    started = time.perf_counter()
    try:
        rows = run()
    except Exception as exc:
        rows = [Row(f"{title}: FAILED", None, note=f"{type(exc).__name__}: {exc}")]
    print(f" ({time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)
    return rows


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command-line options."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--skip-train", action="store_true", help="do not time `perevir train`")
    parser.add_argument("--skip-e2e", action="store_true", help="do not run the bot over HTTP")
    parser.add_argument(
        "--skip-load", action="store_true", help="no yardstick and no load test with workers"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run every benchmark and print a plain table, then a Markdown summary."""
    args = parse(argv)
    started, where = time.perf_counter(), machine()
    from benchmarks.faq import bench_faq, bench_held_out
    from benchmarks.memory import bench_memory
    from benchmarks.risk import bench_checks, bench_load
    from bot.config import PROJECT_ROOT
    from bot.knowledge import Knowledge

    rows = step("start-up and memory in a fresh process", bench_memory)
    from benchmarks.cold import bench_cold

    rows += step("cold starts (fresh processes)", bench_cold)
    knowledge = Knowledge.load(PROJECT_ROOT / "content", PROJECT_ROOT / "models")
    rows += step("FAQ path", lambda: bench_faq(knowledge))
    rows += step("FAQ on held-out questions", lambda: bench_held_out(knowledge))
    from benchmarks.routing import bench_routing

    rows += step("routing", lambda: bench_routing(PROJECT_ROOT / "models" / "router"))
    if knowledge.risk is None:
        print("the risk model is missing: run `make model`", file=sys.stderr)
    else:
        risk = knowledge.risk
        rows += step("advert checks", lambda: bench_checks(risk))
        folder = PROJECT_ROOT / "models" / "risk"
        rows += step("model load", lambda: [bench_load(folder, knowledge.lemmatizer)])
    if not args.skip_train:
        from benchmarks.train import bench_train

        rows += step("perevir train", lambda: [bench_train()])
    if not args.skip_e2e:
        from benchmarks.e2e import bench_e2e

        rows += step("end to end over HTTP", lambda: bench_e2e(knowledge))
        from benchmarks.adversarial import bench_adversarial

        rows += step(
            "hostile inputs, and another person's wait", lambda: bench_adversarial(knowledge)
        )
        from benchmarks.concurrency import bench_concurrency

        rows += step("a 10 s link, and 20 other people", lambda: bench_concurrency(knowledge))
    if not args.skip_load:
        from benchmarks.yardstick import bench_yardstick

        rows += step("cost per update: the echo bot and Perevir", bench_yardstick)
        from benchmarks.load import bench_load_test

        rows += step("webhook mode under load, workers killed", bench_load_test)
    print(f"\nPerevir benchmarks on {where}\n")
    print(plain_table(rows))
    print(f"\nSummary (Markdown):\n\nMachine: {where}\n")
    print(markdown_table(rows))
    print(f"\nThe benchmarks took {time.perf_counter() - started:.0f} s.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
