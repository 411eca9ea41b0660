"""A check of the risk checker's training data for shortcuts: can surface features alone
(length, emoji, punctuation, capitals, "brutto"/"gross", placeholder contacts, "example"
domains, denial phrases, currencies, company legal forms) tell a risky advert from a legitimate
one? If they could, the model might learn the writers' habits instead of the warning signs
(`perevir data risk-shortcuts`)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from bot.risk.data import Example

_I = re.IGNORECASE
CUES: dict[str, Callable[[str], object]] = {
    "brutto/gross/netto": re.compile(
        r"\b(brutto|netto|gross|net|брутто|нетто|на руки|чистими|чистыми)\b", _I
    ).search,
    "emoji": lambda t: any(ord(ch) >= 0x2190 and not ch.isalpha() for ch in t),
    "!! or ?!": re.compile(r"!!|\?!|!\?").search,
    "legal form": re.compile(
        r"sp\. ?z ?o\.? ?o|s\.r\.o|\bgmbh\b|\bb\.v\.|\bltd\b|\bllc\b|\bтов\b|\bооо\b|\bs\.a\.", _I
    ).search,
    "contract name": re.compile(
        r"umowa|arbeitsvertrag|employment contract|трудов\w+ договор|трудов\w+ догов", _I
    ).search,
    "denial": re.compile(
        r"\b(never|no fees?|без передоплат|жодних|ніколи не|никогда не|никаких|we do not|"
        r"we don't)\b",
        _I,
    ).search,
    "placeholder contact": re.compile(
        r"X{2,}|\b0{3,}\b|\[phone\]|@\w*_?XX\b|555-01", re.IGNORECASE
    ).search,
    "example domain": re.compile(r"example\.|-example\b", _I).search,
    "euro": re.compile(r"€|\b(eur|euro|євро|евро)\b", _I).search,
    "złoty": re.compile(r"\b(zł|zl|pln|злот\w*)", _I).search,
    "hryvnia": re.compile(r"₴|\bгрн", _I).search,
    "dollar": re.compile(r"\$|\busd\b|долар|доллар", _I).search,
    "pound": re.compile(r"£|\bgbp\b", _I).search,
}
"""Yes/no surface cues, each with how it is found."""


def surface(text: str) -> list[float]:
    """The surface features of one advert: length, lines, capitals, exclamation marks, digits,
    then every yes/no cue of `CUES`."""
    letters = [ch for ch in text if ch.isalpha()]
    numeric = [
        math.log1p(len(text)),
        math.log1p(text.count("\n")),
        sum(ch.isupper() for ch in letters) / max(len(letters), 1),
        math.log1p(text.count("!")),
        sum(ch.isdigit() for ch in text) / max(len(text), 1),
    ]
    return numeric + [float(bool(find(text))) for find in CUES.values()]


@dataclass(frozen=True)
class ShortcutReport:
    """How well surface features alone separate risky from legitimate adverts."""

    texts: int
    auc: float
    """Cross-validated ROC AUC of a classifier on surface features only (0.5 = no shortcut)."""
    auc_by_language: dict[str, float]
    shares: dict[str, tuple[float, float]]
    """Per cue: the share of risky and of legitimate texts that show it."""


def check(examples: Sequence[Example]) -> ShortcutReport:
    """Cross-validated AUC of surface features alone (gradient-boosted trees, which also find
    combinations of cues), overall and per language."""
    x = np.asarray([surface(e.text) for e in examples])
    y = np.asarray([int(bool(e.labels)) for e in examples])
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    model = HistGradientBoostingClassifier(random_state=0)
    scores = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
    langs = np.asarray([e.lang for e in examples])
    by_language = {
        lang: round(float(roc_auc_score(y[langs == lang], scores[langs == lang])), 3)
        for lang in sorted(set(langs))
        if len(set(y[langs == lang])) == 2
    }
    offset = len(surface("")) - len(CUES)
    shares = {
        name: (
            round(float(x[y == 1, offset + i].mean()), 3),
            round(float(x[y == 0, offset + i].mean()), 3),
        )
        for i, name in enumerate(CUES)
    }
    return ShortcutReport(
        len(examples), round(float(roc_auc_score(y, scores)), 3), by_language, shares
    )
