"""The FAQ index as a built artefact: trained by `perevir train`, loaded in milliseconds.

`models/faq/` holds `index.npz` (numpy arrays only, no pickle) and `model_card.json` (what it
was built from: the fingerprint of the FAQ texts and of the language tools, sizes, the file's
SHA-256). The bot loads it when the fingerprint matches the content it serves; otherwise (an
editor changed an entry, a new install) it trains the index in memory and says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from bot.domain.faq import FaqDocument
from bot.faq.index import FaqIndex, LanguageIndex
from bot.nlp.features import Analyzer, TfidfSpace

log = logging.getLogger(__name__)
FORMAT = 1
"""Bump when the index's training or storage changes: older artefacts are then rebuilt."""
ARRAYS = "index.npz"
TEXTS = "index.json"
"""Entry ids, the texts learnt from, and the feature vocabulary of each language."""
CARD = "model_card.json"
TOOLS = ("spacy", "pymorphy3", "scikit-learn", "numpy")
"""The libraries whose versions change the lemmas or the training."""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def fingerprint(
    documents: Mapping[str, Sequence[FaqDocument]], out_of_scope: Mapping[str, Sequence[str]]
) -> str:
    """What the index is built from: every text it learns, the format, the tools' versions."""
    body = {
        "format": FORMAT,
        "tools": {p: _version(p) for p in TOOLS},
        "documents": {
            lang: [[d.entry_id, d.title, list(d.questions), d.answer] for d in docs]
            for lang, docs in sorted(documents.items())
        },
        "out_of_scope": {lang: list(texts) for lang, texts in sorted(out_of_scope.items())},
    }
    encoded = json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save(index: FaqIndex, folder: Path, built_from: str) -> None:
    """Write the artefact (arrays, then the card that names them)."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {}
    languages: dict[str, Any] = {}
    for lang, part in index.indexes.items():
        prefix = f"{lang}__"
        phrasings = part.phrasings.tocsr()
        arrays |= {
            prefix + "coef": part.coef,
            prefix + "intercept": part.intercept,
            prefix + "calibration": part.calibration,
            prefix + "idf": part.space.idf,
            prefix + "owners": part.owners,
            prefix + "is_phrasing": part.is_phrasing,
            prefix + "cv_probs": part.cv_probs,
            prefix + "phrasings_data": phrasings.data,
            prefix + "phrasings_indices": phrasings.indices,
            prefix + "phrasings_indptr": phrasings.indptr,
        }
        vocabulary = sorted(part.space.vocabulary.items(), key=lambda item: item[1])
        languages[lang] = {
            "entry_ids": part.entry_ids,
            "texts": part.texts,
            "vocabulary": [feature for feature, _ in vocabulary],
            "phrasings_shape": list(phrasings.shape),
        }
    np.savez_compressed(folder / ARRAYS, allow_pickle=False, **arrays)
    (folder / TEXTS).write_text(json.dumps(languages, ensure_ascii=False), encoding="utf-8")
    card = {
        "name": "faq-index",
        "format": FORMAT,
        "built_from": built_from,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tools": {p: _version(p) for p in TOOLS},
        "entries": {lang: len(data["entry_ids"]) for lang, data in languages.items()},
        "features": {lang: len(data["vocabulary"]) for lang, data in languages.items()},
        "sha256": {name: _sha256(folder / name) for name in (ARRAYS, TEXTS)},
    }
    (folder / CARD).write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")


def load(folder: Path, built_from: str, analyze: Analyzer) -> FaqIndex | None:
    """The stored index if it was built from exactly this content (and is intact), else None."""
    try:
        card = json.loads((folder / CARD).read_text(encoding="utf-8"))
        if card.get("built_from") != built_from or card.get("format") != FORMAT:
            return None
        if any(_sha256(folder / name) != card["sha256"].get(name) for name in (ARRAYS, TEXTS)):
            log.warning("the FAQ index in %s does not match its card; it is rebuilt", folder)
            return None
        with np.load(folder / ARRAYS, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        languages = json.loads((folder / TEXTS).read_text(encoding="utf-8"))
        parts = {lang: _language(lang, data, arrays) for lang, data in languages.items()}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("the FAQ index in %s cannot be read (%s); it is rebuilt", folder, exc)
        return None
    return FaqIndex(parts, analyze)


def _language(lang: str, data: dict[str, Any], arrays: dict[str, Any]) -> LanguageIndex:
    prefix = f"{lang}__"
    vocabulary = {feature: col for col, feature in enumerate(data["vocabulary"])}
    phrasings = sparse.csr_matrix(
        (
            arrays[prefix + "phrasings_data"],
            arrays[prefix + "phrasings_indices"],
            arrays[prefix + "phrasings_indptr"],
        ),
        shape=tuple(data["phrasings_shape"]),
    )
    return LanguageIndex(
        lang=lang,
        entry_ids=list(data["entry_ids"]),
        space=TfidfSpace(vocabulary, arrays[prefix + "idf"]),
        coef=arrays[prefix + "coef"],
        intercept=arrays[prefix + "intercept"],
        calibration=arrays[prefix + "calibration"],
        texts=list(data["texts"]),
        owners=arrays[prefix + "owners"],
        is_phrasing=arrays[prefix + "is_phrasing"],
        phrasings=phrasings,
        cv_probs=arrays[prefix + "cv_probs"],
    )
