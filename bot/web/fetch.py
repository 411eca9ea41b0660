"""Fetching a job advert from a link the user sent, without letting the link reach inside.

Every hop is checked before connecting: http(s) only, ports 80 and 443 only, no credentials,
an international host name IDNA-encoded, the host resolved and every address public (not in any
special-purpose range, an explicit list), then the request goes to that checked address (Host
header and TLS name kept), so a DNS answer cannot change between check and use. Redirects are
followed by hand (at most 3), each checked again. At most 2 MB after decompression (counted while
decompressing, one layer of gzip or deflate) and 10 s; no proxy or settings from the environment.
Every failure is a `FetchError` with a reason the person is told. Text extraction is linear in the
size of the page, whatever its shape (a measured choice: lexbor, via selectolax, is quadratic on
deeply nested tags), and runs in a worker process; at most MAX_TEXT_CHARS of it are checked.
"""

from __future__ import annotations

import asyncio
import codecs
import html
import ipaddress
import multiprocessing
import re
import socket
import zlib
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
from charset_normalizer import from_bytes

MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 3
EXTRACT_SECONDS = 10.0
MAX_TEXT_CHARS = 20_000
"""How much of a page's text is checked: an advert is far shorter, and the checker's time grows
with the text."""
TIMEOUT_SECONDS = 10.0
USER_AGENT = "PerevirBot/1.0 (job-offer safety check)"
Resolver = Callable[[str, int], Awaitable[list[str]]]


class FetchError(Exception):
    """The page could not be fetched; `reason` is a key of content's link.refused texts."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class FetchedPage:
    """The visible text of a page and where it ended up."""

    url: str
    text: str


LinkFetcher = Callable[[str], Awaitable[FetchedPage]]
"""How the bot fetches a link in a message: `fetch_page`, or a test's own."""


async def system_resolver(host: str, port: int) -> list[str]:
    """Addresses of a host from the system resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


ALLOWED_PORTS = {"http": 80, "https": 443}
SPECIAL_PURPOSE = tuple(
    ipaddress.ip_network(n)
    for n in (
        # IPv4 (IANA special-purpose registry and reserved ranges)
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24",
        "192.88.99.0/24", "192.168.0.0/16", "192.175.48.0/24", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        # IPv6: everything but global unicast, and the ranges that embed or reach IPv4
        "::/8", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
        "2002::/16", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    )
)  # fmt: skip


def _public(address: str) -> bool:
    """Whether an address is an ordinary public one (any special-purpose range refused)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip.version == net.version and ip in net for net in SPECIAL_PURPOSE):
        return False
    return ip.is_global and not ip.is_multicast


def _host(name: str) -> str:
    """The host as DNS knows it (IDNA for international names); FetchError if it is not one."""
    try:
        return name.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise FetchError("failed") from None


async def _checked_target(url: str, resolve: Resolver) -> tuple[httpx.URL, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, or out of range
        raise FetchError("port") from None
    if parts.scheme not in ALLOWED_PORTS or not parts.hostname:
        raise FetchError("scheme")
    if parts.username is not None or parts.password is not None:
        raise FetchError("credentials")
    if port is not None and port != ALLOWED_PORTS[parts.scheme]:
        raise FetchError("port")
    port = ALLOWED_PORTS[parts.scheme]
    try:
        literal = ipaddress.ip_address(parts.hostname)
        host = str(literal)
        addresses = [host]
    except ValueError:
        host = _host(parts.hostname)
        try:
            addresses = await resolve(host, port)
        except (OSError, UnicodeError, ValueError):
            raise FetchError("failed") from None
    if not addresses or not all(_public(a) for a in addresses):
        raise FetchError("private")
    try:
        target = httpx.URL(url).copy_with(host=addresses[0], port=None)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise FetchError("failed") from None
    # httpx brackets an IPv6 host itself.
    return target, host


SKIP = ("script", "style", "noscript", "template", "svg", "head", "textarea")
BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "section", "article"})
TAG_AT = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^<>]*>")
"""A tag starting at a '<'; `[^<>]` stops at the next '<', so no match scans past it."""


def visible_text(document: str) -> str:
    """The text a person sees on an HTML page, with paragraphs kept.

    One pass from left to right: every '<' is looked at once and every skipped block (scripts,
    styles) is jumped over with one search, so the time is linear in the page's size.
    """
    lower = document.lower()
    parts: list[str] = []
    position, end = 0, len(document)
    while position < end:
        start = document.find("<", position)
        if start < 0:
            parts.append(document[position:])
            break
        parts.append(document[position:start])
        if document.startswith("<!--", start):
            close = document.find("-->", start + 4)
            position = end if close < 0 else close + 3
            continue
        tag = TAG_AT.match(document, start)
        if tag is None:
            parts.append("<")
            position = start + 1
            continue
        name = tag.group(2).lower()
        position = tag.end()
        if not tag.group(1) and name in SKIP:
            close = lower.find("</" + name, position)
            after = -1 if close < 0 else document.find(">", close)
            position = end if after < 0 else after + 1
        elif name in BLOCK:
            parts.append("\n")
    text = html.unescape("".join(parts))
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


class _Decoder:
    """Undoes one layer of gzip or deflate, never producing more than the limit."""

    def __init__(self, encoding: str) -> None:
        layers = [
            e.strip() for e in encoding.lower().split(",") if e.strip() not in ("", "identity")
        ]
        if len(layers) > 1 or (layers and layers[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError("not_text")
        self._zlib = None
        if layers:
            wbits = 16 + zlib.MAX_WBITS if "gzip" in layers[0] else zlib.MAX_WBITS
            self._zlib = zlib.decompressobj(wbits)

    def feed(self, chunk: bytes, room: int) -> bytes:
        """Decode a chunk; FetchError("too_big") once the output would pass `room` bytes."""
        if self._zlib is None:
            return chunk
        try:
            out = self._zlib.decompress(chunk, room + 1)
            if len(out) > room or self._zlib.unconsumed_tail:
                raise FetchError("too_big")
        except zlib.error:
            raise FetchError("failed") from None
        return out


async def _read_limited(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise FetchError("too_big")
    decoder = _Decoder(response.headers.get("content-encoding", ""))
    body = bytearray()
    try:
        async for chunk in response.aiter_raw():
            body.extend(decoder.feed(chunk, MAX_BYTES - len(body)))
            if len(body) > MAX_BYTES:
                raise FetchError("too_big")
    except httpx.StreamConsumed:  # a transport that hands over a body already read
        body = bytearray(response.content)
        if len(body) > MAX_BYTES:
            raise FetchError("too_big") from None
    except httpx.TimeoutException:
        raise FetchError("timeout") from None
    except httpx.HTTPError:  # a truncated body, a dropped connection
        raise FetchError("failed") from None
    return bytes(body)


META_CHARSET = re.compile(
    rb"""<meta[^<>]{0,200}?charset\s*=\s*["']?([a-zA-Z0-9_.:-]{1,40})""", re.I
)


def decode_page(body: bytes, header_charset: str | None) -> str:
    """The page's text: the charset of the headers, else of a <meta> tag, else detected."""
    candidates = [header_charset]
    found = META_CHARSET.search(body[:4096])
    if found:
        candidates.append(found.group(1).decode("ascii"))
    for name in candidates:
        if name:
            try:
                return body.decode(codecs.lookup(name).name, errors="replace")
            except LookupError:
                continue
    best = from_bytes(body[:200_000]).best()
    encoding = best.encoding if best is not None else "utf-8"
    return body.decode(encoding, errors="replace")


def page_text_of(body: bytes, declared: str | None, kind: str) -> str:
    """The text of a fetched body to check, at most MAX_TEXT_CHARS (run off the event loop)."""
    text = decode_page(body, declared)
    if kind != "text/plain":
        text = visible_text(text)
    return text[:MAX_TEXT_CHARS]


_extractor: ProcessPoolExecutor | None = None
"""Where page text is extracted: another process, so that a page that takes its time (2 MB of
tags is about a second of pure Python) never holds the GIL against the bot's event loop."""


async def _extract(body: bytes, declared: str | None, kind: str) -> str:
    global _extractor
    if _extractor is None:
        _extractor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    work = asyncio.get_running_loop().run_in_executor(
        _extractor, page_text_of, body, declared, kind
    )
    try:
        return await asyncio.wait_for(work, EXTRACT_SECONDS)
    except (TimeoutError, BrokenProcessPool):
        stuck, _extractor = _extractor, None
        for process in list(getattr(stuck, "_processes", {}).values()):
            process.kill()  # a stuck or dead worker is replaced by a fresh one
        stuck.shutdown(wait=False, cancel_futures=True)
        raise FetchError("failed") from None


async def fetch_page(
    url: str,
    *,
    resolve: Resolver = system_resolver,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FetchedPage:
    """Fetch a public page and return its visible text, or raise FetchError."""
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            return await _fetch(url, resolve, transport)
    except TimeoutError:
        raise FetchError("timeout") from None
    except FetchError:
        raise
    except (httpx.HTTPError, httpx.InvalidURL, ValueError, UnicodeError, OSError) as exc:
        raise FetchError("failed") from exc


async def _fetch(
    url: str, resolve: Resolver, transport: httpx.AsyncBaseTransport | None
) -> FetchedPage:
    timeout = httpx.Timeout(TIMEOUT_SECONDS)
    async with httpx.AsyncClient(
        trust_env=False, follow_redirects=False, timeout=timeout, transport=transport
    ) as client:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            target, host = await _checked_target(current, resolve)
            request = client.build_request(
                "GET",
                target,
                headers={
                    "Host": host,
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html,text/plain;q=0.9",
                    "Accept-Encoding": "gzip, deflate",
                },
                extensions={"sni_hostname": host},
            )
            try:
                response = await client.send(request, stream=True)
            except httpx.TimeoutException:
                raise FetchError("timeout") from None
            except httpx.HTTPError:
                raise FetchError("failed") from None
            try:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    try:
                        current = urljoin(current, location)
                    except ValueError:
                        raise FetchError("failed") from None
                    continue
                if response.status_code >= 400:
                    raise FetchError("http_error", response.status_code)
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if kind not in ("text/html", "text/plain", "application/xhtml+xml"):
                    raise FetchError("not_text")
                body = await _read_limited(response)
            finally:
                await response.aclose()
            page_text = await _extract(body, response.charset_encoding, kind)
            return FetchedPage(current, page_text)
        raise FetchError("redirects")
