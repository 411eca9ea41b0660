"""Ukrainian written in Latin letters ("chy mozhna pracyuvaty v polshchi"): noticed, and turned
back into Cyrillic before it is matched, so that it finds the Ukrainian answers.

The mapping follows the official romanisation (KMU 2010) and its common informal variants
(`ia`/`ya`, `c` for ц, `j` for й, `w` for в).
"""

from __future__ import annotations

import re

_MULTI = (
    ("shch", "щ"),
    ("sch", "щ"),
    ("zgh", "зг"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("iu", "ю"),
    ("ya", "я"),
    ("ia", "я"),
    ("ye", "є"),
    ("ie", "є"),
    ("yi", "ї"),
    ("yo", "йо"),
    ("ja", "я"),
    ("ju", "ю"),
    ("je", "є"),
    ("ji", "ї"),
    ("jo", "йо"),
)
"""Letter groups first (official KMU 2010, informal `ya`/`c`, and `j`/`sch` as typed by habit)."""
_ENDINGS = (
    (re.compile(r"(?<=[bvhgdzklmnprstfcwx])(yi|yy|yj|ij)$"), "ий"),
    (re.compile(r"(?<=[aeiouy])(i|j|y)$"), "й"),
)
"""Word endings where й is written `i`, `y` or `j` ("yakyi", "yakyy", "stoi"): "ий", "ой"…"""
_SINGLE = dict(
    zip(
        "abvhgdeyijklmnoprstufcwxqz'",
        [
            "а",
            "б",
            "в",
            "г",
            "г",
            "д",
            "е",
            "и",
            "і",
            "й",
            "к",
            "л",
            "м",
            "н",
            "о",
            "п",
            "р",
            "с",
            "т",
            "у",
            "ф",
            "ц",
            "в",
            "кс",
            "к",
            "з",
            "ь",
        ],
        strict=True,
    )
)
_LATIN_WORD = re.compile(r"[A-Za-z']+")
_WORDS = frozenset(
    """chy yak shcho scho shco kudy koly chomu skilky mozhna treba potribno meni mene vona vony
    dlya abo tse tsey tsia robota robotu roboty robochu robocha
    robochyi pratsyuvaty pracyuvaty pratsiuvaty pratsyuyu pracyuyu viza vizu vizy bezviz bezvizu
    pasport pasporta dokumenty kordon kordonom zarplata zarplatu groshi hroshi platyty oplata
    polshcha polshchi polshu nimechchyna nimechchyni nimechchynu chekhiya chekhii dohovir
    dogovir kontrakt robotodavets robotodavets' agentstvo ahentstvo dopomoha dopomozhit
    zabraly ne maye mayu potribna mozhe otrymaty otrymaty oformyty vyikhaty poikhaty
    jak jaka jakyj jaki jakshcho yakshcho yakshcho shchob schob scho chi mozhu mozhe mozhna
    potriben potribni pratsiuiu pratsiuie pracjuvaty pracjuju robotodavets robotodavec
    ahentstvo agentstvo ahentstvu kordoni pislia pislja pislya dlia dlja bez vid dokumenty
    dozvil dozvolu vizu zakordon zakordonom yakyi yakyy yakyj jakyj yaka yaki dokument
    dokumentiv""".split()
)
_MARKERS = re.compile(
    r"shch|sch|zh|kh|yy|iy|yi|ye|yu|ya|ia\b|iu|ja|ju|je\b|ji|ty\b|ity\b|aty\b|nnya|nnia|ogo\b|"
    r"omu\b|ykh\b|yj\b|yi\b"
)


def looks_transliterated(text: str) -> bool:
    """Latin letters only, and most words read as romanised Ukrainian, not English."""
    if re.search(r"[\u0400-\u04FF]", text):
        return False
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if len(words) < 2:
        return False
    known = sum(w in _WORDS for w in words)
    marked = sum(bool(_MARKERS.search(w)) for w in words)
    return known >= 2 or (known >= 1 and marked >= 2) or marked >= max(3, len(words) // 2)


def to_cyrillic(text: str) -> str:
    """Romanised Ukrainian in Cyrillic (other characters are kept)."""

    def word(match: re.Match[str]) -> str:
        latin = match.group(0)
        lower = latin.lower()
        tail = ""
        for ending, cyrillic_ending in _ENDINGS:
            if len(lower) > 3 and (found := ending.search(lower)):
                lower, tail = lower[: found.start()], cyrillic_ending
                break
        out: list[str] = []
        i = 0
        while i < len(lower):
            for pair, cyrillic in _MULTI:
                if lower.startswith(pair, i):
                    out.append(cyrillic)
                    i += len(pair)
                    break
            else:
                out.append(_SINGLE.get(lower[i], lower[i]))
                i += 1
        converted = "".join(out) + tail
        return converted.capitalize() if latin[:1].isupper() else converted

    return _LATIN_WORD.sub(word, text)
