"""The labelled messages the router learns from and is measured on.

Training pool: `training_data/routing/*.yaml` (written for it, blind to evaluation/routing) and
the two development splits `evaluation/routing/dev.yaml` and `dev2.yaml`. `test.yaml` is never
read here: it is only reported on (`perevir evaluate routing`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.config import EVALUATION_DIR, PROJECT_ROOT
from bot.domain.routing import Route

TRAINING_DIR = PROJECT_ROOT / "training_data" / "routing"
ROUTING_SET = EVALUATION_DIR / "routing"
DEV_SPLITS = ("dev", "dev2")
"""The evaluation splits that may be learnt from; `test` is held out."""


@dataclass(frozen=True)
class RoutingItem:
    """One labelled message."""

    id: str
    lang: str
    label: Route
    text: str
    forwarded: bool = False
    translit: bool = False


def load_items(path: Path) -> list[RoutingItem]:
    """The labelled messages of one file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        RoutingItem(
            str(m["id"]),
            str(m["lang"]),
            Route(m["label"]),
            str(m["text"]),
            bool(m.get("forwarded", False)),
            bool(m.get("translit", False)),
        )
        for m in data["messages"]
    ]


def training_files(
    training_dir: Path = TRAINING_DIR, routing_set: Path = ROUTING_SET
) -> list[Path]:
    """Every file the router learns from, in a fixed order."""
    return sorted(training_dir.glob("*.yaml")) + [routing_set / f"{s}.yaml" for s in DEV_SPLITS]


def load_pool(files: Iterable[Path]) -> list[RoutingItem]:
    """All training messages, each text once (the first label seen wins)."""
    seen: set[str] = set()
    pool = []
    for path in files:
        for item in load_items(path):
            key = " ".join(item.text.split()).lower()
            if key not in seen:
                seen.add(key)
                pool.append(item)
    return pool


def data_hash(files: Sequence[Path]) -> str:
    """SHA-256 over the training files' names and bytes."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
