"""Hostile inputs: how long the worst shapes take, and what another person waits meanwhile.

Part one times each shape where its work is done: 4,096 characters of one kind through text
normalisation and tokenising (target ≤ 50 ms), the same through the whole engine, and link
pages (2 MB of `<a`, deep nesting, long symbol runs, a gzip bomb) through the real fetcher
(`fetch_page` over an in-process transport, so decompression and text extraction are real).

Part two runs the real bot over HTTP: while one person sends each shape (texts as messages,
pages as links, and a link whose DNS never answers), another keeps asking a question; their
round trips are compared with the same question asked when the bot is idle, measured in the
same run (the yardstick). Target: the other person waits at most 200 ms more.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from benchmarks.report import Row, timing_row
from benchmarks.stats import Timing
from bot.config import PROJECT_ROOT
from bot.knowledge import Knowledge
from bot.web.fetch import FetchedPage, fetch_page

if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
from tests.e2e_support import choose_english, make_bot, running_bot, settled
from tests.support.bot_api import BotApiServer

LIMIT = 4096
ATTACKER, OTHER = 5_551_001, 5_551_002
QUESTION = "can I work in Poland without a visa"
TIMEOUT = 30.0


def text_shapes() -> dict[str, str]:
    """4,096 characters of each hostile kind (Telegram's longest message)."""
    return {
        "€ × 4,096": "€" * LIMIT,
        ") × 4,096": ")" * LIMIT,
        "emoji × 2,048 (4,096 UTF-16)": "😀" * (LIMIT // 2),
        "Tangut × 2,048": "\U00017000" * (LIMIT // 2),
        "one 4,096-letter word": "а" * LIMIT,
        "combining marks": "a" + "\u0301" * (LIMIT - 1),
        "RTL overrides": "\u202e" * LIMIT,
        "zero-width joiners": "\u200d" * LIMIT,
        "control characters": "".join(chr(1 + i % 30) for i in range(LIMIT)),
        "'€ ' pairs": "€ " * (LIMIT // 2),
        "mixed symbols": ("€a)😀<&" * LIMIT)[:LIMIT],
        "Ukrainian advert words": ("робота Польща паспорт житло оплата " * 200)[:LIMIT],
        "URL-like": "http://" + "a" * (LIMIT - 7),
    }


def page_shapes() -> dict[str, tuple[bytes, dict[str, str]]]:
    """Hostile pages at the fetcher's 2 MB limit, with their response headers."""
    html = {"content-type": "text/html; charset=utf-8"}
    bomb = gzip.compress(b"<p>" + b"a" * (64 * 1024 * 1024))  # 64 MB from about 64 KB
    return {
        "page: 2 MB of '<a'": (b"<a" * (1024 * 1024), html),
        "page: 400,000 nested <div>": (b"<div>" * 400_000, html),
        "page: 2 MB of ')'": (b")" * (2 * 1024 * 1024), html),
        "page: 2 MB of real-looking markup": (_markup(2 * 1024 * 1024), html),
        "page: gzip bomb (64 MB inflated)": (bomb, {**html, "content-encoding": "gzip"}),
    }


def _markup(size: int) -> bytes:
    block = (
        "<div class='offer'><p>Робота на складі в Польщі, 5000 zł &amp; житло</p>"
        "<script>var a = 1;</script><a href='/x'>Детальніше</a></div>"
    ).encode()
    return (block * (size // len(block) + 1))[:size]


class Chunks(httpx.AsyncByteStream):
    """A body arriving in pieces, as over a network (so it is decoded while it streams)."""

    def __init__(self, body: bytes, size: int = 16_384) -> None:
        self.body, self.size = body, size

    async def __aiter__(self) -> Any:
        for start in range(0, len(self.body), self.size):
            yield self.body[start : start + self.size]


def site(body: bytes, headers: dict[str, str]) -> Callable[[str], Any]:
    """A link fetcher: the real `fetch_page`, its network replaced by one hostile response."""

    async def public(_host: str, _port: int) -> list[str]:
        return ["93.184.216.34"]

    def respond(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=headers, stream=Chunks(body))

    transport = httpx.MockTransport(respond)

    async def fetch(url: str) -> FetchedPage:
        return await fetch_page(url, resolve=public, transport=transport)

    return fetch


def silent_dns() -> Callable[[str], Any]:
    """A link whose DNS never answers (the fetcher gives up after its own 10 s)."""

    async def never(_host: str, _port: int) -> list[str]:
        await asyncio.Event().wait()
        return []

    async def fetch(url: str) -> FetchedPage:
        return await fetch_page(url, resolve=never)

    return fetch


def worst_in_process(knowledge: Knowledge, repeats: int = 3) -> list[Row]:
    """Each shape where its work is done, the slowest of a few runs."""
    rows = []
    tokens = lambda text: knowledge.lemmatizer.tokens("uk", text)  # noqa: E731
    for name, text in text_shapes().items():
        knowledge.dialogue.message(text, "uk", None, False)  # warm caches
        tok = _slowest(lambda t=text: tokens(t), repeats)
        engine = _slowest(lambda t=text: knowledge.dialogue.message(t, "uk", None, False), repeats)
        check = _slowest(lambda t=text: knowledge.dialogue.advert(t, "uk", "text"), repeats)
        rows.append(
            Row(f"normalise + tokenise: {name}", tok, unit="ms", target="≤ 50 ms", met=tok <= 50)
        )
        rows.append(Row(f"engine (question, then advert check): {name}", engine, check, "ms"))
    html = {"content-type": "text/html"}
    asyncio.run(site(b"<p>warm-up</p>", html)("https://jobs.example/"))  # starts the extractor
    for name, (body, headers) in page_shapes().items():
        fetch = site(body, headers)
        started = time.perf_counter()
        try:
            page = asyncio.run(fetch("https://jobs.example/offer"))
            note = f"{len(page.text):,} characters kept"
        except Exception as exc:  # a refusal is a result too
            note = f"refused: {type(exc).__name__} {exc}"
        fetched = (time.perf_counter() - started) * 1000
        rows.append(Row(f"fetch and extract, {name}", fetched, unit="ms", note=note))
    return rows


def _slowest(work: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return max(times)


async def _round_trip(server: Any) -> float:
    started = time.perf_counter()
    server.send_text(OTHER, QUESTION)
    await server.wait_for_message(OTHER, timeout=TIMEOUT)
    return time.perf_counter() - started


async def _while_attacked(server: Any, perevir: Any, attack: Callable[[], None]) -> list[float]:
    """The other person's round trips from the attack until the attacker is answered."""
    answered = len(server.messages(ATTACKER))
    attack()
    samples = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while len(server.messages(ATTACKER)) <= answered and loop.time() < deadline:
        samples.append(await _round_trip(server))
    await server.wait_for(lambda: len(server.messages(ATTACKER)) > answered, timeout=TIMEOUT)
    await settled(server, perevir)
    await server.wait_for_message(ATTACKER, count=len(server.messages(ATTACKER)) - answered)
    return samples


async def on_the_real_bot(knowledge: Knowledge) -> list[Row]:
    """The other person's waits over HTTP: idle, then during each attack."""
    os.environ["PTB_TIMEDELTA"] = "1"
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="perevir-adversarial-") as folder:
        perevir = make_bot(knowledge, Path(folder))
        try:
            async with BotApiServer() as server, running_bot(server, perevir):
                server.user(ATTACKER, "A", "en")
                server.user(OTHER, "B", "en")
                await choose_english(server, ATTACKER)
                await choose_english(server, OTHER)
                idle = Timing(tuple([await _round_trip(server) for _ in range(40)]))
                rows.append(timing_row("another person's question, bot idle (yardstick)", idle))
                attacks: dict[str, Callable[[], None]] = {
                    name: (lambda t=text: server.send_text(ATTACKER, t))
                    for name, text in text_shapes().items()
                }
                for name, (body, headers) in page_shapes().items():
                    attacks[f"link, {name}"] = _link_attack(server, perevir, site(body, headers))
                attacks["link whose DNS never answers"] = _link_attack(
                    server, perevir, silent_dns()
                )
                worst = 0.0
                for name, attack in attacks.items():
                    samples = await _while_attacked(server, perevir, attack)
                    timing = Timing(tuple(samples))
                    extra = max(samples) * 1000 - idle.p50_ms
                    worst = max(worst, extra)
                    rows.append(
                        timing_row(
                            f"another person's question during: {name}",
                            timing,
                            target="max ≤ yardstick + 200 ms",
                            met=extra <= 200,
                        )
                    )
                rows.append(
                    Row(
                        "another person's worst extra wait, all attacks",
                        worst,
                        unit="ms",
                        target="≤ 200 ms",
                        met=worst <= 200,
                    )
                )
        finally:
            await perevir.people.close()
    return rows


def _link_attack(server: Any, perevir: Any, fetch: Callable[[str], Any]) -> Callable[[], None]:
    def attack() -> None:
        perevir.fetch_link = fetch
        server.send_text(ATTACKER, "https://jobs.example/offer/1")

    return attack


def bench_adversarial(knowledge: Knowledge) -> list[Row]:
    """Worst shapes in process, then another person's waits on the real bot."""
    return worst_in_process(knowledge) + asyncio.run(on_the_real_bot(knowledge))


if __name__ == "__main__":
    from benchmarks.report import machine, markdown_table, plain_table

    loaded = Knowledge.load(PROJECT_ROOT / "content", PROJECT_ROOT / "models")
    results = bench_adversarial(loaded)
    print(f"\nHostile inputs on {machine()}\n")
    print(plain_table(results))
    print("\n" + markdown_table(results))
