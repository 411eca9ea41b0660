"""Ukrainian written in Latin letters the ways people write it, to measure FAQ matching on
Ukrainian questions nobody here romanised by hand (`perevir evaluate translit`).

Three styles: the official KMU 2010 romanisation, and two informal ones seen in chats (the
first with `h` for г and `c` for ц, the second as typed on a Russian-layout habit, with `g`,
`j` and `sch`). Apostrophes and soft signs are dropped, as people usually do.
"""

from __future__ import annotations

import re

_COMMON = {
    "а": "a", "б": "b", "в": "v", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "y", "і": "i",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "ч": "ch", "ш": "sh", "ь": "", "'": "", "’": "", "ʼ": "",
}  # fmt: skip
STYLES: dict[str, dict[str, str]] = {
    "official": _COMMON
    | {"г": "h", "ґ": "g", "є": "ie", "ї": "i", "й": "i", "х": "kh", "ц": "ts", "щ": "shch",
       "ю": "iu", "я": "ia"},
    "chat": _COMMON
    | {"г": "h", "ґ": "g", "є": "ye", "ї": "yi", "й": "y", "х": "kh", "ц": "c", "щ": "shch",
       "ю": "yu", "я": "ya"},
    "russian-habit": _COMMON
    | {"г": "g", "ґ": "g", "є": "je", "ї": "ji", "й": "j", "х": "h", "ц": "c", "щ": "sch",
       "ю": "ju", "я": "ja"},
}  # fmt: skip
"""Letter by letter, per style."""
_WORD_START = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}
"""The official system's spellings at the start of a word."""
_CYRILLIC = re.compile(r"[\u0400-\u04FF'’ʼ]+")


def romanise(text: str, style: str) -> str:
    """The text with its Cyrillic words in Latin letters, in one of `STYLES`."""
    table = STYLES[style]

    def word(match: re.Match[str]) -> str:
        out = []
        for i, ch in enumerate(match.group(0)):
            lower = ch.lower()
            latin = _WORD_START.get(lower) if style == "official" and i == 0 else None
            latin = latin if latin is not None else table.get(lower, lower)
            out.append(latin.capitalize() if ch != lower else latin)
        return "".join(out)

    return _CYRILLIC.sub(word, text)
