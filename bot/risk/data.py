"""The labelled adverts in training_data/: loading, checking, fixed splits, and the data hash."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import re
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
    pair: str | None = None
    """The contrastive pair it belongs to (a risky and a legitimate text that differ only in
    the sign): both always share a split."""


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
                    _pair(str(provenance.get("note") or "")),
                )
            )
    return examples


def data_hash(folder: Path = TRAINING_DIR) -> str:
    """SHA-256 over the label set, the adverts, the splits and the neutral lines: what a model
    was trained on."""
    digest = hashlib.sha256()
    files = [
        folder / "labels.yaml",
        *sorted((folder / "adverts").glob("*.jsonl")),
        folder / "splits.json",
        folder / NEUTRAL_LINES,
    ]
    for path in files:
        if path.exists():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


NEUTRAL_LINES = "neutral_lines.yaml"


def load_neutral_lines(folder: Path = TRAINING_DIR) -> dict[str, dict[str, list[str]]]:
    """Per language and kind (employer, dates, denials), lines that change no label."""
    path = folder / NEUTRAL_LINES
    if not path.exists():
        return {}
    data: dict[str, dict[str, list[str]]] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def with_neutral_lines(
    examples: list[Example], lines: dict[str, dict[str, list[str]]], seed: int = 0
) -> list[Example]:
    """One copy of each example with a neutral line appended (kinds in turn), labels kept: the
    model learns that a named employer, a season's end or a reassurance changes no sign."""
    rng = random.Random(seed)
    out = []
    for i, ex in enumerate(examples):
        kinds = lines.get(ex.lang)
        if not kinds:
            continue
        pool = list(kinds.values())[i % len(kinds)]
        line = rng.choice(pool)
        out.append(dataclasses.replace(ex, id=f"{ex.id}+n", text=f"{ex.text}\n{line}"))
    return out


def load_splits(folder: Path = TRAINING_DIR) -> dict[str, str]:
    """id -> train/dev/test."""
    path = folder / "splits.json"
    if not path.exists():
        return {}
    data: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return {ex_id: split for split, ids in data.items() for ex_id in ids}


_PAIR = re.compile(r"\bpair ([\w-]+)")


def _pair(note: str) -> str | None:
    found = _PAIR.search(note)
    return found.group(1) if found else None


def assign_splits(
    examples: list[Example], existing: dict[str, str], seed: int = 2026
) -> dict[str, str]:
    """Give new texts a split (stratified by language and risky/legitimate, the two texts of a
    contrastive pair together); never move old ones."""
    result = dict(existing)
    units: dict[str, list[Example]] = {}
    for ex in examples:
        if ex.id not in result:
            units.setdefault(f"{ex.lang}:{ex.pair}" if ex.pair else ex.id, []).append(ex)
    groups: dict[tuple[str, bool, bool], list[list[Example]]] = {}
    for unit in units.values():
        key = (unit[0].lang, len(unit) > 1, bool(unit[0].labels))
        groups.setdefault(key, []).append(sorted(unit, key=lambda e: e.id))
    rng = random.Random(seed)
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda u: u[0].id)
        rng.shuffle(members)
        n = len(members)
        n_test = round(n * SPLIT_SHARES["test"])
        n_dev = round(n * SPLIT_SHARES["dev"])
        for i, unit in enumerate(members):
            split = "test" if i < n_test else "dev" if i < n_test + n_dev else "train"
            for ex in unit:
                result[ex.id] = split
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
