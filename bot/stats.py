"""`perevir stats`: anonymous figures of the hand-off and the checker; nothing identifies anyone."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.db.cases_repo import CaseRepository
from bot.db.models import CaseRecord


@dataclass
class Stats:
    """Counts and wait times."""

    by_reason: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)
    by_language: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    wait_minutes: list[float] = field(default_factory=list)
    flags: dict[str, int] = field(default_factory=dict)
    useful: Counter[str] = field(default_factory=Counter)

    def wait_percentile(self, share: float) -> float | None:
        """The wait (minutes) under which that share of taken cases were taken."""
        if not self.wait_minutes:
            return None
        ordered = sorted(self.wait_minutes)
        index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
        return ordered[index]

    def as_text(self) -> str:
        """A plain report."""

        def row(title: str, counts: Counter[str] | dict[str, int]) -> str:
            items = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "none"
            return f"{title}: {items}"

        median = statistics.median(self.wait_minutes) if self.wait_minutes else None
        p90 = self.wait_percentile(0.9)
        wait = (
            "no case taken yet"
            if median is None
            else f"median {median:.1f} min, p90 {p90:.1f} min over {len(self.wait_minutes)}"
        )
        adverts = {k: v for k, v in self.flags.items() if not k.startswith("level:")}
        levels = {k[6:]: v for k, v in self.flags.items() if k.startswith("level:")}
        return "\n".join(
            [
                row("Cases by status", self.by_status),
                row("Cases by reason", self.by_reason),
                row("Cases by outcome", self.by_outcome),
                row("Cases by language", self.by_language),
                f"Wait until a counsellor took the case: {wait}",
                row("Was the counsellor useful", self.useful),
                row("Adverts checked by level", levels),
                row("Red flags raised", adverts),
            ]
        )


def collect(cases: list[CaseRecord], flags: dict[str, int]) -> Stats:
    """Anonymous statistics from case records and advert-check counts."""
    stats = Stats(flags=flags)
    for case in cases:
        stats.by_status[case.status] += 1
        stats.by_reason[case.reason] += 1
        stats.by_language[case.language] += 1
        if case.outcome:
            stats.by_outcome[case.outcome] += 1
        if case.useful is not None:
            stats.useful["yes" if case.useful else "no"] += 1
        if case.assigned_at and case.waiting_since:
            waited = case.assigned_at - case.waiting_since
            stats.wait_minutes.append(waited.total_seconds() / 60)
    return stats


async def gather(repo: CaseRepository) -> Stats:
    """Read everything the statistics need."""
    return collect(await repo.all_cases(), await repo.advert_flag_counts())


def chart(stats: Stats, path: Path) -> Path:
    """A PNG with one bar chart per breakdown."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("Cases by reason", stats.by_reason),
        ("Cases by outcome", stats.by_outcome),
        ("Cases by language", stats.by_language),
        (
            "Red flags in checked adverts",
            Counter({k: v for k, v in stats.flags.items() if not k.startswith("level:")}),
        ),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    for ax, (title, counts) in zip(axes.ravel(), panels, strict=True):
        labels = sorted(counts)
        ax.barh(labels, [counts[k] for k in labels], color="#3b6ea5")
        ax.set_title(title)
        ax.tick_params(axis="y", labelsize=8)
    median = statistics.median(stats.wait_minutes) if stats.wait_minutes else 0.0
    fig.suptitle(f"Perevir: anonymous statistics (median wait {median:.1f} min)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
