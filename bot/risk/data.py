"""The labelled adverts in training_data/: loading, checking, fixed splits, and the data hash."""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.config import PROJECT_ROOT

TRAINING_DIR = PROJECT_ROOT / "training_data"
SPLITS = ("train", "dev", "test")
SPLIT_SHARES = {"train": 0.7, "dev": 0.15, "test": 0.15}
PROVENANCE_KINDS = frozenset({"written", "modelled", "adapted"})


class DataError(Exception):
    """The training data is malformed; the message says where."""


@dataclass(frozen=True)
class Label:
    """A red-flag label and its weight class."""

    id: str
    weight: str
    definition: str


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    id: str
    lang: str
    text: str
    labels: frozenset[str]
    channel: str
    provenance_kind: str


def load_labels(folder: Path = TRAINING_DIR) -> list[Label]:
    """The label set, in its fixed order."""
    raw = yaml.safe_load((folder / "labels.yaml").read_text(encoding="utf-8"))
    return [Label(str(x["id"]), str(x["weight"]), str(x["definition"])) for x in raw["labels"]]


def load_examples(folder: Path = TRAINING_DIR) -> list[Example]:
    """Every labelled text in adverts/*.jsonl, checked for shape and provenance."""
    label_ids = {label.id for label in load_labels(folder)}
    examples: list[Example] = []
    seen: set[str] = set()
    for path in sorted((folder / "adverts").glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{where}: not valid JSON ({exc.msg})") from None
            labels = frozenset(raw.get("labels", []))
            if unknown := labels - label_ids:
                raise DataError(f"{where}: unknown labels {sorted(unknown)}")
            provenance = raw.get("provenance") or {}
            kind = provenance.get("kind")
            if kind not in PROVENANCE_KINDS:
                raise DataError(
                    f"{where}: provenance.kind must be one of {sorted(PROVENANCE_KINDS)}"
                )
            if kind in ("modelled", "adapted") and not str(
                provenance.get("source") or ""
            ).startswith("http"):
                raise DataError(f"{where}: a {kind} text needs provenance.source (a URL)")
            if raw["id"] in seen:
                raise DataError(f"{where}: duplicate id {raw['id']}")
            seen.add(raw["id"])
            examples.append(
                Example(
                    str(raw["id"]),
                    str(raw["lang"]),
                    str(raw["text"]),
                    labels,
                    str(raw.get("channel", "")),
                    str(kind),
                )
            )
    return examples


def data_hash(folder: Path = TRAINING_DIR) -> str:
    """SHA-256 over the label set, the adverts and the splits: what a model was trained on."""
    digest = hashlib.sha256()
    files = [
        folder / "labels.yaml",
        *sorted((folder / "adverts").glob("*.jsonl")),
        folder / "splits.json",
    ]
    for path in files:
        if path.exists():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def load_splits(folder: Path = TRAINING_DIR) -> dict[str, str]:
    """id -> train/dev/test."""
    path = folder / "splits.json"
    if not path.exists():
        return {}
    data: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return {ex_id: split for split, ids in data.items() for ex_id in ids}


def assign_splits(
    examples: list[Example], existing: dict[str, str], seed: int = 2026
) -> dict[str, str]:
    """Give new texts a split (stratified by language and risky/legitimate); never move old ones."""
    result = dict(existing)
    groups: dict[tuple[str, bool], list[Example]] = {}
    for ex in examples:
        if ex.id not in result:
            groups.setdefault((ex.lang, bool(ex.labels)), []).append(ex)
    rng = random.Random(seed)
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda e: e.id)
        rng.shuffle(members)
        n = len(members)
        n_test = round(n * SPLIT_SHARES["test"])
        n_dev = round(n * SPLIT_SHARES["dev"])
        for i, ex in enumerate(members):
            result[ex.id] = "test" if i < n_test else "dev" if i < n_test + n_dev else "train"
    return result


def write_splits(splits: dict[str, str], folder: Path = TRAINING_DIR) -> None:
    """Save splits as sorted id lists per split."""
    data = {split: sorted(i for i, s in splits.items() if s == split) for split in SPLITS}
    (folder / "splits.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def split_examples(examples: list[Example], splits: dict[str, str]) -> dict[str, list[Example]]:
    """Examples per split; every example must have one."""
    missing = [ex.id for ex in examples if ex.id not in splits]
    if missing:
        raise DataError(
            f"{len(missing)} texts have no split (e.g. {missing[0]}): run `perevir data split`"
        )
    out: dict[str, list[Example]] = {s: [] for s in SPLITS}
    for ex in examples:
        out[splits[ex.id]].append(ex)
    return out


def summary(examples: list[Example]) -> dict[str, object]:
    """Counts per language, label and legitimate share."""
    return {
        "texts": len(examples),
        "per_language": dict(Counter(ex.lang for ex in examples)),
        "legitimate": sum(1 for ex in examples if not ex.labels),
        "per_label": dict(Counter(label for ex in examples for label in ex.labels)),
    }
