"""Fetching a job advert from a link the user sent, without letting the link reach inside.

Every hop is checked before connecting: http(s) only, the host resolved and every address
public (`is_global`), then the request goes to that checked address (Host header and TLS name
kept), so a DNS answer cannot change between check and use. Redirects are followed by hand (at
most 3), each checked again. At most 2 MB and 10 s; no proxy or settings from the environment.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

MAX_BYTES = 2 * 1024 * 1024
MAX_REDIRECTS = 3
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


async def system_resolver(host: str, port: int) -> list[str]:
    """Addresses of a host from the system resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def _checked_target(url: str, resolve: Resolver) -> tuple[httpx.URL, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("scheme")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        literal = ipaddress.ip_address(host)
        addresses = [str(literal)]
    except ValueError:
        try:
            addresses = await resolve(host, port)
        except (OSError, UnicodeError):
            raise FetchError("failed") from None
    if not addresses or not all(_public(a) for a in addresses):
        raise FetchError("private")
    # httpx brackets an IPv6 host itself.
    return httpx.URL(url).copy_with(host=addresses[0]), host


class _TextExtractor(HTMLParser):
    SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head"})
    BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "section", "article"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def visible_text(document: str) -> str:
    """The text a person sees on an HTML page, with paragraphs kept."""
    extractor = _TextExtractor()
    extractor.feed(document)
    extractor.close()
    text = "".join(extractor.parts)
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


async def _read_limited(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BYTES:
        raise FetchError("too_big")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body.extend(chunk)
        if len(body) > MAX_BYTES:
            raise FetchError("too_big")
    return bytes(body)


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
                    current = urljoin(current, location)
                    continue
                if response.status_code >= 400:
                    raise FetchError("http_error", response.status_code)
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if kind not in ("text/html", "text/plain", "application/xhtml+xml"):
                    raise FetchError("not_text")
                body = await _read_limited(response)
            finally:
                await response.aclose()
            text = body.decode(response.encoding or "utf-8", errors="replace")
            page_text = text if kind == "text/plain" else visible_text(text)
            return FetchedPage(current, page_text)
        raise FetchError("redirects")
