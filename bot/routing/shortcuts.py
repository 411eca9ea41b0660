"""A check of the router's training data for shortcuts: can surface features alone (length,
digits, currency signs, emoji, a question mark, a phone number or @handle, line breaks,
capitals, being forwarded) tell a question from an advert from a personal story? If they
could, the router might learn them instead of meaning (`perevir data routing-shortcuts`)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from bot.domain.routing import Route
from bot.routing.data import RoutingItem

CONTENT_KINDS = (Route.QUESTION, Route.ADVERT, Route.SITUATION)
"""The kinds whose confusion the guarded errors measure."""
_CURRENCY = re.compile(r"[€$£₴]|\b(eur|euro|євро|евро|zł|zl|pln|грн|usd|czk)\b", re.IGNORECASE)
_CONTACT = re.compile(r"\+\d{2,}|@\w{3,}")


def surface(text: str, forwarded: bool) -> list[float]:
    """The surface features of one message."""
    letters = [ch for ch in text if ch.isalpha()]
    return [
        math.log1p(len(text)),
        sum(ch.isdigit() for ch in text) / max(len(text), 1),
        float(bool(_CURRENCY.search(text))),
        float(sum(ord(ch) >= 0x2190 for ch in text) > 0),
        float("?" in text),
        float(bool(_CONTACT.search(text))),
        float(text.count("\n") > 0),
        sum(ch.isupper() for ch in letters) / max(len(letters), 1),
        float(forwarded),
    ]


@dataclass(frozen=True)
class ShortcutReport:
    """How far surface features alone go, beside always guessing the commonest kind."""

    messages: int
    majority: float
    surface_only: float
    per_feature_share: dict[str, dict[str, float]]
    """Per kind, the share of its messages showing each yes/no feature."""


FEATURES = ("currency", "emoji", "question mark", "phone or @handle", "line breaks", "forwarded")
_FLAGS = {name: i for name, i in zip(FEATURES, (2, 3, 4, 5, 6, 8), strict=True)}


def check(items: Sequence[RoutingItem]) -> ShortcutReport:
    """Cross-validated accuracy of a classifier on surface features alone (three content kinds)."""
    chosen = [i for i in items if i.label in CONTENT_KINDS]
    x = np.asarray([surface(i.text, i.forwarded) for i in chosen])
    y = np.asarray([i.label.value for i in chosen])
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    predicted = cross_val_predict(LogisticRegression(max_iter=2000), x, y, cv=folds)
    counts = {kind: int((y == kind.value).sum()) for kind in CONTENT_KINDS}
    shares = {
        kind.value: {
            name: round(float(x[y == kind.value, col].mean()), 3) for name, col in _FLAGS.items()
        }
        for kind in CONTENT_KINDS
        if counts[kind]
    }
    return ShortcutReport(
        len(chosen),
        max(counts.values()) / len(chosen),
        float((predicted == y).mean()),
        shares,
    )


SUBSETS: dict[str, tuple[Route, str]] = {
    "stories that name money": (Route.SITUATION, "currency"),
    "stories with a phone or @handle": (Route.SITUATION, "contact"),
    "adverts with no money named": (Route.ADVERT, "no currency"),
    "adverts with a question mark": (Route.ADVERT, "question mark"),
    "questions that name money": (Route.QUESTION, "currency"),
    "questions over 200 characters": (Route.QUESTION, "long"),
    "stories under 100 characters": (Route.SITUATION, "short"),
}
"""Messages that go against a surface cue; the router must get them right by meaning."""


def _shows(item: RoutingItem, cue: str) -> bool:
    text = item.text
    return {
        "currency": bool(_CURRENCY.search(text)),
        "no currency": not _CURRENCY.search(text),
        "contact": bool(_CONTACT.search(text)),
        "question mark": "?" in text,
        "long": len(text) > 200,
        "short": len(text) < 100,
    }[cue]


def against_the_cues(
    items: Sequence[RoutingItem], routed: Sequence[Route]
) -> dict[str, tuple[int, int]]:
    """Per subset of `SUBSETS`: (messages, routed to their label)."""
    out = {}
    for name, (kind, cue) in SUBSETS.items():
        rows = [(i, r) for i, r in zip(items, routed, strict=True) if i.label is kind]
        chosen = [(i, r) for i, r in rows if _shows(i, cue)]
        out[name] = (len(chosen), sum(r is i.label for i, r in chosen))
    return out
