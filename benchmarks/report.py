"""Rows of results and their two renderings: a plain-text table and a Markdown summary."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass

from benchmarks.stats import Timing


@dataclass(frozen=True)
class Row:
    """One measured figure: median and 99th percentile (or a single value), its target."""

    measure: str
    p50: float | None
    p99: float | None = None
    unit: str = "ms"
    runs: str = "1"
    target: str = ""
    met: bool | None = None
    note: str = ""


def timing_row(measure: str, timing: Timing, target: str = "", met: bool | None = None) -> Row:
    """A row from repeated timings in milliseconds."""
    return Row(measure, timing.p50_ms, timing.p99_ms, "ms", f"{timing.count:,}", target, met)


def number(value: float | None, unit: str) -> str:
    """A value with its unit, with sensible precision; a dash when absent."""
    if value is None:
        return "—"
    digits = 3 if value < 1 else 2 if value < 10 else 1 if value < 1000 else 0
    return f"{value:,.{digits}f} {unit}"


def verdict(row: Row) -> str:
    """Whether a row met its target, in words."""
    return "" if row.met is None else "met" if row.met else "MISSED"


def machine() -> str:
    """The machine the figures come from."""
    cpu = platform.processor() or platform.machine()
    model = _cpu_model()
    return (
        f"{os.cpu_count()} CPUs ({model or cpu}), Python {platform.python_version()} "
        f"({sys.implementation.name}), {platform.system()} {platform.release()}, "
        f"load average {os.getloadavg()[0]:.2f}"
    )


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def plain_table(rows: list[Row]) -> str:
    """The rows as an aligned plain-text table."""
    header = ("measure", "runs", "p50", "p99", "target", "")
    cells = [header] + [
        (
            r.measure,
            r.runs,
            number(r.p50, r.unit),
            number(r.p99, r.unit),
            r.target,
            verdict(r),
        )
        for r in rows
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = []
    for n, cell in enumerate(cells):
        left = cell[0].ljust(widths[0])
        rest = [cell[i].rjust(widths[i]) for i in range(1, 4)]
        lines.append("  ".join([left, *rest, cell[4].ljust(widths[4]), cell[5]]).rstrip())
        if n == 0:
            lines.append("-" * len(lines[0]))
    notes = [f"* {r.measure}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + (["", *notes] if notes else []))


def markdown_table(rows: list[Row]) -> str:
    """The rows as a Markdown table for the README."""
    lines = ["| measure | p50 | p99 | target |", "|---|---:|---:|---|"]
    for r in rows:
        target = f"{r.target} ({verdict(r)})" if r.target and r.met is not None else r.target
        lines.append(
            f"| {r.measure} | {number(r.p50, r.unit)} | {number(r.p99, r.unit)} | {target} |"
        )
    return "\n".join(lines)
