"""Start-up time and resident memory of a freshly started bot knowledge, in its own process.

Run as `python -m benchmarks.memory`: builds the Knowledge (content, FAQ index, risk model), warms
it up (one question per language, one advert check) and prints one JSON line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from benchmarks.report import Row

RSS_TARGET_MB = 300.0


def status_mb(field: str) -> float:
    """A memory field of /proc/self/status (VmRSS, VmHWM...) in MB (1 MB = 2^20 bytes)."""
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def measure() -> dict[str, float]:
    """Import, build and warm up the knowledge; time each step and read the memory afterwards."""
    started = time.perf_counter()
    from benchmarks.adverts import EN_300
    from bot.config import PROJECT_ROOT
    from bot.knowledge import Knowledge

    imported = time.perf_counter()
    knowledge = Knowledge.load(PROJECT_ROOT / "content", PROJECT_ROOT / "models")
    built = time.perf_counter()
    knowledge.dialogue.question("роботодавець забрав паспорт", "uk")
    knowledge.dialogue.question("my employer took my passport", "en")
    if knowledge.risk is not None:
        knowledge.risk.check(EN_300)
    warm = time.perf_counter()
    return {
        "import_s": imported - started,
        "build_s": built - imported,
        "warm_up_s": warm - built,
        "rss_mb": status_mb("VmRSS"),
        "peak_mb": status_mb("VmHWM"),
        "risk_model": float(knowledge.risk is not None),
    }


def bench_memory() -> list[Row]:
    """Run `measure` in a fresh interpreter and turn its answer into rows."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.memory"], capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    rss = found["rss_mb"]
    note = "" if found["risk_model"] else " — risk model MISSING"
    return [
        Row("start-up: imports", found["import_s"], unit="s"),
        Row(
            f"start-up: Knowledge.load (content + FAQ index + risk model){note}",
            found["build_s"],
            unit="s",
        ),
        Row("start-up: warm-up (2 questions + 1 advert)", found["warm_up_s"] * 1000),
        Row(
            "resident memory after start-up (VmRSS)",
            rss,
            unit="MB",
            target=f"< {RSS_TARGET_MB:g} MB",
            met=rss < RSS_TARGET_MB,
        ),
        Row("peak resident memory during start-up (VmHWM)", found["peak_mb"], unit="MB"),
    ]


if __name__ == "__main__":
    print(json.dumps(measure()))
