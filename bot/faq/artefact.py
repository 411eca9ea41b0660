"""The FAQ index as a built artefact: built by `perevir content index` (`make model`), loaded
in milliseconds.

`models/faq/` holds `index.npz` (numpy arrays only, no pickle: the lexical model and, when built
with an encoder, the phrasings' embeddings), `index.json`, and `model_card.json` (what it was
built from: the fingerprint of the FAQ texts and of the language tools, the encoder's name, the
cross-validated choices of the blend, sizes, the files' SHA-256). The bot loads it when the
fingerprint and the encoder match; otherwise (an editor changed an entry, a new install) it
builds the index, embedding only the phrasings it has no vector for, and saves it.
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
from bot.faq.encoder import Encoder
from bot.faq.index import FaqIndex, LanguageIndex
from bot.faq.semantic import SemanticPart
from bot.nlp.features import Analyzer, TfidfSpace

log = logging.getLogger(__name__)
FORMAT = 4
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
    """What the index is built from: every text it learns, the format, the tools' versions
    (the encoder is named apart in the card)."""
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
        semantic = index.semantic.get(lang)
        if semantic is not None:
            arrays |= {
                prefix + "sem_embeddings": semantic.embeddings,
                prefix + "sem_owners": semantic.owners,
                prefix + "sem_calibration": semantic.calibration,
                prefix + "sem_linear": semantic.linear,
                prefix + "sem_cv_picks": semantic.cv_picks,
                prefix + "sem_cv_confidence": semantic.cv_confidence,
            }
        vocabulary = sorted(part.space.vocabulary.items(), key=lambda item: item[1])
        languages[lang] = {
            "entry_ids": part.entry_ids,
            "texts": part.texts,
            "vocabulary": [feature for feature, _ in vocabulary],
            "phrasings_shape": list(phrasings.shape),
        }
        if semantic is not None:
            languages[lang]["semantic"] = {
                "classes": semantic.classes,
                "top": semantic.top,
                "weight": semantic.weight,
                "linear_weight": semantic.linear_weight,
                "temperature": semantic.temperature,
                "answer_at": semantic.answer_at,
                "sure_at": semantic.sure_at,
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
        "encoder": index.encoder.name if index.encoder is not None else None,
        "semantic": index.measured,
        "sha256": {name: _sha256(folder / name) for name in (ARRAYS, TEXTS)},
    }
    (folder / CARD).write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")


def load(
    folder: Path, built_from: str, analyze: Analyzer, encoder: Encoder | None = None
) -> FaqIndex | None:
    """The stored index if it was built from exactly this content and encoder (and is intact),
    else None."""
    try:
        card = json.loads((folder / CARD).read_text(encoding="utf-8"))
        if card.get("built_from") != built_from or card.get("format") != FORMAT:
            return None
        if encoder is not None and card.get("encoder") != encoder.name:
            return None  # built lexical only, or with another encoder: rebuilt with this one
        if any(_sha256(folder / name) != card["sha256"].get(name) for name in (ARRAYS, TEXTS)):
            log.warning("the FAQ index in %s does not match its card; it is rebuilt", folder)
            return None
        with np.load(folder / ARRAYS, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        languages = json.loads((folder / TEXTS).read_text(encoding="utf-8"))
        parts = {lang: _language(lang, data, arrays) for lang, data in languages.items()}
        semantic = {
            lang: _semantic(lang, data["semantic"], arrays)
            for lang, data in languages.items()
            if "semantic" in data
        }
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("the FAQ index in %s cannot be read (%s); it is rebuilt", folder, exc)
        return None
    return FaqIndex(parts, analyze, semantic, encoder, card.get("semantic"))


def _semantic(lang: str, data: dict[str, Any], arrays: dict[str, Any]) -> SemanticPart:
    prefix = f"{lang}__sem_"
    return SemanticPart(
        embeddings=arrays[prefix + "embeddings"],
        owners=arrays[prefix + "owners"],
        classes=int(data["classes"]),
        top=int(data["top"]),
        weight=float(data["weight"]),
        linear_weight=float(data["linear_weight"]),
        linear=arrays[prefix + "linear"],
        temperature=float(data["temperature"]),
        calibration=arrays[prefix + "calibration"],
        answer_at=float(data["answer_at"]),
        sure_at=float(data["sure_at"]),
        cv_picks=arrays[prefix + "cv_picks"],
        cv_confidence=arrays[prefix + "cv_confidence"],
    )


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


def stored_embeddings(folder: Path, encoder: str) -> dict[str, Any]:
    """Text → vector of the phrasings a stored index embedded with this encoder (empty when
    there is none), so that a rebuild embeds only what changed."""
    try:
        card = json.loads((folder / CARD).read_text(encoding="utf-8"))
        if card.get("encoder") != encoder:
            return {}
        with np.load(folder / ARRAYS, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        languages = json.loads((folder / TEXTS).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        return {}
    known: dict[str, Any] = {}
    for lang, data in languages.items():
        prefix = f"{lang}__"
        if "semantic" not in data:
            continue
        rows = np.nonzero(
            arrays[prefix + "is_phrasing"] | (arrays[prefix + "owners"] == len(data["entry_ids"]))
        )[0]
        for row, vector in zip(rows, arrays[prefix + "sem_embeddings"], strict=True):
            known[data["texts"][int(row)]] = vector
    return known
