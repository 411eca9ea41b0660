"""Deterministic hostile inputs for the fuzz suite: texts, command shapes and callback data.

Everything comes from one seeded `random.Random`, so a failure is reproduced by its seed and
index (`Fuzz(seed).texts(n)[index]`). Texts mix fragments of many kinds: lone surrogates (a
Telegram update is UTF-8 JSON, but a `\\ud800` escape in it still decodes to one), control
characters, bidi marks and overrides, zero-width characters, combining-mark towers, rare scripts
(Tangut, Cuneiform, ...), emoji sequences, private use and noncharacters, long runs of one
symbol, HTML- and Markdown-looking text, URLs of every shape, emergency words and real-looking
adverts in uk/ru/en, numbers and phone numbers, empty and whitespace-only strings, texts of
Telegram's maximum length (4096) and a few of 50 KB.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

MAX_TELEGRAM_TEXT = 4096
HUGE = 50_000
"""The length of the few very long texts (50 KB)."""

LONE_SURROGATES = (0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xD83D, 0xDE00)
C0 = [chr(c) for c in range(0x00, 0x20)] + ["\x7f"]
C1 = [chr(c) for c in range(0x80, 0xA0)]
BIDI = [chr(c) for c in (0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A))]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u180e", "\u00ad", "\u034f"]
SPACES = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x85", "\xa0", "\u1680", "\u2028", "\u2029"]
SPACES += [chr(c) for c in range(0x2000, 0x200B)] + ["\u202f", "\u205f", "\u3000"]
SCRIPTS = {
    "tangut": [(0x17000, 0x187F7), (0x18800, 0x18AFF)],
    "cuneiform": [(0x12000, 0x12399)],
    "hieroglyphs": [(0x13000, 0x1342E)],
    "linear_b": [(0x10000, 0x1005D)],
    "cjk": [(0x4E00, 0x9FFF), (0x20000, 0x2A6DF)],
    "hangul": [(0xAC00, 0xD7A3)],
    "arabic": [(0x0600, 0x06FF)],
    "hebrew": [(0x05D0, 0x05EA)],
    "devanagari": [(0x0900, 0x097F)],
    "thai": [(0x0E01, 0x0E5B)],
    "ethiopic": [(0x1200, 0x137C)],
    "mongolian": [(0x1820, 0x1878)],
    "cherokee": [(0x13A0, 0x13F5)],
    "math": [(0x1D400, 0x1D7FF)],
    "cyrillic": [(0x0400, 0x04FF)],
    "greek": [(0x0370, 0x03FF)],
}
PRIVATE_USE = [(0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD)]
NONCHARACTERS = ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0010ffff", "\ufffd"]
EMOJI = [
    "😀",
    "👍🏽",
    "👩‍👩‍👧‍👦",
    "🏳️‍🌈",
    "🏴‍☠️",
    "🧑🏿‍🤝‍🧑🏻",
    "❤️",
    "❤︎",
    "1️⃣",
    "#️⃣",
    "🇺🇦",
    "🇵🇱",
    "🇩🇪",
    "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "👁️‍🗨️",
    "🫠",
]
RUN_SYMBOLS = ["€", ")", "😀", "!", ".", "*", "<", "&", "-", "🇺🇦", "a\u0301", "\u200b", "ё", "𗀀"]
HTML_BITS = [
    "<b>",
    "</b>",
    "<b>bold</b>",
    "<i>x",
    "</a>",
    "<a href=javascript:alert(1)>click</a>",
    '<a href="tg://user?id=1">me</a>',
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    '<span class="tg-spoiler">s</span>',
    "<tg-emoji emoji-id='1'>👍</tg-emoji>",
    "<pre><code class='language-python'>",
    "<blockquote expandable>",
    "&amp;",
    "&",
    "&lt;",
    "&gt",
    "&#0;",
    "&#xD800;",
    "&#1114112;",
    "&nbsp;",
    "&quot;",
    "<",
    ">",
    "<<>>",
    "<!-- -->",
    "<![CDATA[x]]>",
    '"',
    "'",
    "</>",
    "<>",
]
MARKDOWN_BITS = [
    "*bold*",
    "**bold**",
    "_it_",
    "__u__",
    "~s~",
    "||spoiler||",
    "`code`",
    "```\ncode\n```",
    "[link](http://example.com)",
    "![img](x)",
    "# Title",
    "> quote",
    "\\*",
    "- item",
    "1. item",
    "| a | b |",
]
URLS = [
    "http://example.com",
    "https://example.com/job?id=1&ref=tg#apply",
    "example.com",
    "www.work-in-poland.pl/vacancy",
    "https://пример.укр/робота",
    "http://xn--e1afmkfd.xn--j1amh/",
    "https://例子.测试/",
    "http://127.0.0.1:8080/admin",
    "http://[::1]:22/",
    "http://10.0.0.1/",
    "http://localhost/",
    "https://user:pass@jobs.example/offer",
    "https://jobs.example:8443/offer",
    "ftp://files.example/x",
    "javascript:alert(1)",
    "tg://resolve?domain=recruiter",
    "mailto:hr@example.com",
    "file:///etc/passwd",
    "data:text/html,<b>x</b>",
    "http://",
    "https://.",
    "http://a",
    "https://t.me/+AbCdEf123",
    "https://wa.me/48123456789",
    "HTTPS://EXAMPLE.COM/PATH",
    "https://example.com/" + "a" * 300,
    "https://example.com/%00%ff%d8%00",
    "(https://example.com/job).",
    "«https://example.com/»",
    "https://bit.ly/3xYz",
    "http://0x7f000001/",
    "https://example.com\u202e/gpj.exe",
]
EMERGENCY = [
    "мене не випускають з квартири",
    "нас замкнули на складі",
    "допоможіть, мене тримають силою",
    "тримають мене і погрожують",
    "не можу втекти, паспорт забрали",
    "меня не выпускают",
    "нас заперли, бьют",
    "держат меня на ферме, угрожают",
    "they won't let me leave",
    "the boss locked us in",
    "I can't leave, they threaten my family",
    "I am trapped, help",
    "held against my will",
]
ADVERTS = [
    "Робота в Польщі на складі, зарплата 5000 злотих на місяць, житло безкоштовне, паспорт "
    "залишаєте у координатора, оплата за оформлення 300 євро, пишіть у вайбер +48 600 100 200",
    "Терміново! Дівчата 18-25 років для роботи в клубі в Дубаї, 5000 USD/міс, без досвіду, "
    "квиток оплачуємо, повернете з зарплати, пишіть тільки в telegram @hr_dubai",
    "Работа в Германии на заводе, 15 EUR/час, без знания языка, виза не нужна, работаем по "
    "туристической визе, оплата дороги 200 евро вычитается из зарплаты, звоните +49 151 2345678",
    "Вакансия: сборщик клубники в Испании, зарплата 1800 евро в месяц, паспорт хранится у "
    "работодателя, контракт подпишем на месте, whatsapp +34 600 000 000",
    "Urgent hiring! Farm work in the UK, 12 GBP per hour, no experience, visa sponsorship for "
    "a fee of 2000 EUR, the agency keeps your passport for safety, message us on WhatsApp",
    "Warehouse packers wanted in the Netherlands, salary 2500 EUR per month, official contract, "
    "accommodation 90 EUR per week, apply at https://jobs.example/nl with your CV",
    "Job in Czech Republic, 150 CZK/h, free housing, transport paid, you start tomorrow, "
    "send 100 EUR deposit to reserve the place, viber +420 777 000 111",
]
WORDS = [
    "паспорт",
    "робота",
    "віза",
    "зарплата",
    "агенція",
    "договір",
    "работа",
    "виза",
    "passport",
    "visa",
    "salary",
    "contract",
    "agency",
    "job",
    "Poland",
    "Польща",
    "hello",
    "привіт",
    "?",
    "!!!",
    "не",
    "no",
    "without",
    "без",
]
NUMBERS = [
    "0",
    "-1",
    "3.14",
    "1e309",
    "NaN",
    "9" * 40,
    "+380 67 123 45 67",
    "+48600100200",
    "(044) 123-45-67",
    "+1-800-555-0199",
    "112",
    "1547",
    "527",
    "٣٤٥",
    "१२३",
    "０１２",
    "5000€",
    "€5,000.00",
    "15 PLN/h",
    "$$$",
]


def _range_char(rng: random.Random, ranges: Sequence[tuple[int, int]]) -> str:
    low, high = rng.choice(ranges)
    return chr(rng.randint(low, high))


class Fuzz:
    """Hostile inputs from one seed; the same seed gives the same inputs, in the same order."""

    def __init__(self, seed: int, faq_ids: Sequence[str] = ()) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.faq_ids = list(faq_ids) or ["passport-safekeeping"]
        self._fragments: list[Callable[[], str]] = [
            self.lone_surrogates,
            self.controls,
            self.bidi,
            self.zero_width,
            self.combining_tower,
            self.rare_script,
            self.emoji,
            self.private_use,
            self.run,
            self.html,
            self.markdown,
            self.url,
            self.emergency,
            self.advert,
            self.words,
            self.number,
            self.whitespace,
        ]

    # ---- fragments ----------------------------------------------------------------------
    def lone_surrogates(self) -> str:
        """Lone (unpaired) surrogates between words, as a JSON \\udXXX escape delivers them."""
        rng = self.rng
        return " ".join(
            rng.choice([chr(rng.choice(LONE_SURROGATES)), chr(rng.randint(0xD800, 0xDFFF))])
            + rng.choice(["", rng.choice(WORDS)])
            for _ in range(rng.randint(1, 4))
        )

    def controls(self) -> str:
        """C0 and C1 control characters, NUL included."""
        rng = self.rng
        return "".join(rng.choice(C0 + C1 + ["\x00"]) for _ in range(rng.randint(1, 12)))

    def bidi(self) -> str:
        """Bidi marks, embeddings, overrides and isolates around text."""
        rng = self.rng
        inner = rng.choice([*WORDS, "ABC", "שלום", "مرحبا", "123"])
        return rng.choice(BIDI) + inner + "".join(rng.choices(BIDI, k=rng.randint(0, 3)))

    def zero_width(self) -> str:
        """A word broken up by zero-width characters."""
        rng = self.rng
        return rng.choice(ZERO_WIDTH).join(rng.choice(WORDS))

    def combining_tower(self) -> str:
        """A letter carrying a tall stack of combining marks ("Zalgo")."""
        rng = self.rng
        marks = "".join(chr(rng.randint(0x0300, 0x036F)) for _ in range(rng.randint(5, 200)))
        return rng.choice("aоі𗀀e") + marks

    def rare_script(self) -> str:
        """A run of characters of one rare script (Tangut, Cuneiform, CJK, Arabic, ...)."""
        rng = self.rng
        ranges = SCRIPTS[rng.choice(sorted(SCRIPTS))]
        words = ["".join(_range_char(rng, ranges) for _ in range(rng.randint(1, 8)))]
        words += ["".join(_range_char(rng, ranges) for _ in range(rng.randint(1, 8)))]
        return " ".join(words[: rng.randint(1, 2)])

    def emoji(self) -> str:
        """Emoji: ZWJ sequences, flags, skin tones, keycaps, tags, variation selectors."""
        rng = self.rng
        parts = rng.choices(EMOJI, k=rng.randint(1, 5))
        if rng.random() < 0.3:  # a random (possibly invalid) flag
            parts.append(chr(0x1F1E6 + rng.randint(0, 25)) + chr(0x1F1E6 + rng.randint(0, 25)))
        if rng.random() < 0.3:  # stray variation selectors, incl. the supplementary ones
            parts.append(rng.choice(["\ufe0f", "\ufe0e", chr(rng.randint(0xE0100, 0xE01EF))]))
        return "".join(parts)

    def private_use(self) -> str:
        """Private-use characters and noncharacters (U+FFFE, U+FFFF, ...)."""
        rng = self.rng
        return "".join(
            rng.choice([_range_char(rng, PRIVATE_USE), rng.choice(NONCHARACTERS)])
            for _ in range(rng.randint(1, 6))
        )

    def run(self, length: int | None = None) -> str:
        """A long run of one symbol ("€€€…", "))))…", "😀😀…")."""
        rng = self.rng
        return rng.choice(RUN_SYMBOLS) * (length or rng.choice([9, 50, 500, 2000]))

    def html(self) -> str:
        """Text that looks like HTML: tags, entities, bare ampersands and angle brackets."""
        rng = self.rng
        return " ".join(rng.choices(HTML_BITS, k=rng.randint(1, 4)))

    def markdown(self) -> str:
        """Text that looks like Markdown."""
        rng = self.rng
        return " ".join(rng.choices(MARKDOWN_BITS, k=rng.randint(1, 4)))

    def url(self) -> str:
        """A URL of some shape (with or without scheme, IDN, port, credentials, ...)."""
        return self.rng.choice(URLS)

    def emergency(self) -> str:
        """Words of immediate danger in uk, ru or en, sometimes with a link."""
        rng = self.rng
        text = rng.choice(EMERGENCY)
        return f"{text} {rng.choice(URLS)}" if rng.random() < 0.4 else text

    def advert(self) -> str:
        """A real-looking advert in uk, ru or en, with junk spliced into it."""
        rng = self.rng
        words = rng.choice(ADVERTS).split()
        for _ in range(rng.randint(0, 4)):
            junk = rng.choice(self._fragments[:12])()
            words.insert(rng.randint(0, len(words)), junk[:300])
        return " ".join(words)

    def words(self) -> str:
        """A few ordinary words."""
        rng = self.rng
        return " ".join(rng.choices(WORDS, k=rng.randint(1, 6)))

    def number(self) -> str:
        """Numbers and phone numbers."""
        return self.rng.choice(NUMBERS)

    def whitespace(self) -> str:
        """Nothing but whitespace, of many kinds (or nothing at all)."""
        rng = self.rng
        return "".join(rng.choices(SPACES, k=rng.randint(0, 6)))

    # ---- texts ------------------------------------------------------------------------
    def text(self) -> str:
        """One hostile text: usually a mix of a few fragments, sometimes of maximum length."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.04:
            return rng.choice(["", " ", "\n", "\u3000", "\u200b", "\x00"])
        if roll < 0.07:
            return self.sized(MAX_TELEGRAM_TEXT)
        if roll < 0.08:
            return self.sized(HUGE)
        parts = [rng.choice(self._fragments)() for _ in range(rng.randint(1, 4))]
        return rng.choice(["", " ", "\n", "\u200b"]).join(parts)

    def sized(self, length: int) -> str:
        """A text of exactly `length` characters: one symbol run, or mixed fragments."""
        rng = self.rng
        if rng.random() < 0.4:
            return self.run(length)[:length]
        chunks, size = [], 0
        while size < length:
            chunk = rng.choice(self._fragments)() + " "
            chunks.append(chunk)
            size += len(chunk)
        return "".join(chunks)[:length]

    def texts(self, count: int) -> list[str]:
        """`count` texts, at most a few of them 50 KB long (they cost the most time)."""
        out = [self.text() for _ in range(count)]
        # Every kind of fragment at least once, alone, whatever the seed.
        out[: len(self._fragments)] = [make() for make in self._fragments]
        return out

    # ---- commands and buttons ------------------------------------------------------------
    def command(self) -> str:
        """A command name as the engine gets it: real ones, odd ones and junk."""
        rng = self.rng
        real = ["start", "language", "help", "privacy", "hotlines", "forget", "end"]
        junk = [
            "",
            "START",
            "start@perevir_bot",
            "weather",
            "a" * 64,
            "старт",
            "\ud800",
            "\x00",
            "help me",
            "𗀀",
        ]
        return rng.choice(real if rng.random() < 0.5 else [*junk, self.text()[:40]])

    def command_message(self) -> str:
        """A whole `/cmd@bot args` message, as a user types it."""
        rng = self.rng
        name = rng.choice(
            ["start", "help", "weather", "x" * 32, "a_b_9", "START", "hotlines", "privacy"]
        )
        bot = rng.choice(["", "@perevir_test_bot", "@other_bot", "@"])
        args = rng.choice(["", " ", " " + self.text()[:200], " " + self.url()])
        return f"/{name}{bot}{args}"

    def callback(self) -> str:
        """Callback data: valid actions, valid actions with junk ids, pure junk, too long."""
        rng = self.rng
        faq = rng.choice(self.faq_ids)
        junk = self.text()[: rng.choice([1, 8, 30, 64, 200])]
        valid = [
            "lang:uk",
            "lang:en",
            "menu:ask",
            "menu:check",
            "menu:hotlines",
            "menu:counsellor",
            "share:miss",
            "handoff:advert",
            "handoff:faq_miss",
            "handoff:emergency",
            "handoff:asked",
            "ho:yes",
            "ho:no",
            "end",
            "hf:12:1",
            "forget:yes",
            "forget:no",
            f"faq:{faq}",
            f"fb:{faq}:1",
            f"fb:{faq}:0",
        ]
        shaped = [
            f"lang:{junk}",
            f"menu:{junk}",
            f"faq:{junk}",
            f"fb:{junk}:1",
            f"fb:{faq}:{junk}",
            f"hf:{junk}:1",
            f"hf:{rng.randint(-5, 10**30)}:{rng.choice('019x')}",
            f"handoff:{junk}",
            f"ho:{junk}",
            f"share:{junk}",
            f"forget:{junk}",
            f"end:{junk}",
            f"take:{junk}",
            f"close:{junk}",
            f"to:{junk}",
            ":" * rng.randint(1, 64),
            junk,
            "",
        ]
        data = rng.choice(valid if rng.random() < 0.3 else shaped)
        return data if rng.random() < 0.9 else data + "x" * rng.randint(1, 100)

    def language(self) -> str | None:
        """A saved language: none, the two UI languages, or junk."""
        return self.rng.choice(
            [None, None, "uk", "uk", "en", "en", "ru", "", "UK", "en-US", "xx", "\ud800", "𗀀"]
        )

    def state(self) -> str | None:
        """A conversation state: none, the real ones, or junk."""
        return self.rng.choice(
            [None, "ready", "choosing_language", "awaiting_advert", "awaiting", "", "\x00"]
        )


__all__ = ["HUGE", "MAX_TELEGRAM_TEXT", "Fuzz"]
