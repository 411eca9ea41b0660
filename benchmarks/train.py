"""`perevir train` wall time, into a temporary folder so the committed models/ is untouched."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import Row
from bot.config import PROJECT_ROOT


def train_command(models_dir: Path) -> list[str]:
    """The `perevir train` command line of this virtual environment."""
    script = Path(sys.executable).with_name("perevir")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    return [*head, "train", "--models-dir", str(models_dir)]


def bench_train() -> Row:
    """Run `perevir train` once as a subprocess and time it from launch to exit."""
    with tempfile.TemporaryDirectory(prefix="perevir-bench-") as folder:
        started = time.perf_counter()
        done = subprocess.run(
            train_command(Path(folder)), cwd=PROJECT_ROOT, capture_output=True, text=True
        )
        elapsed = time.perf_counter() - started
    name = "`perevir train` wall time (subprocess)"
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no output"]
        return Row(f"{name}: FAILED", None, unit="s", note=lines[-1])
    return Row(name, elapsed, unit="s")
