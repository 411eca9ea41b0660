"""Fetching a link safely: refusals are tested with an injected resolver and transport."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.risk.fetch import MAX_BYTES, FetchError, fetch_page, visible_text

PUBLIC = "93.184.216.34"
ADVERT = "<html><head><script>x()</script></head><body><h1>Job</h1><p>Packers in Poland</p></body>"


def resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


def transport(handler):  # type: ignore[no-untyped-def]
    return httpx.MockTransport(handler)


def _page(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/html; charset=utf-8"}, text=ADVERT)


async def test_a_public_page_gives_its_visible_text() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _page(request)

    page = await fetch_page(
        "https://jobs.example/offer/1",
        resolve=resolver({"jobs.example": [PUBLIC]}),
        transport=transport(handler),
    )
    assert page.text == "Job\nPackers in Poland"
    # The request went to the checked address, with the real host name kept.
    assert seen[0].url.host == PUBLIC
    assert seen[0].headers["host"] == "jobs.example"
    assert seen[0].extensions["sni_hostname"] == "jobs.example"


@pytest.mark.parametrize(
    "url",
    ["ftp://jobs.example/x", "file:///etc/passwd", "javascript:alert(1)", "jobs.example/no-scheme"],
)
async def test_only_http_and_https_links_are_fetched(url: str) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch_page(url, resolve=resolver({}), transport=transport(_page))
    assert caught.value.reason == "scheme"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "192.168.1.1",
        "172.16.0.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "0.0.0.0",
        "::ffff:127.0.0.1",
        "100.64.0.1",
    ],
)
async def test_non_public_addresses_are_refused_before_connecting(address: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("must not connect")

    with pytest.raises(FetchError) as caught:
        await fetch_page(
            "http://inside.example/",
            resolve=resolver({"inside.example": [address]}),
            transport=transport(handler),
        )
    assert caught.value.reason == "private"


async def test_a_host_with_one_private_address_among_public_ones_is_refused() -> None:
    with pytest.raises(FetchError) as caught:
        await fetch_page(
            "http://mixed.example/",
            resolve=resolver({"mixed.example": [PUBLIC, "10.1.2.3"]}),
            transport=transport(_page),
        )
    assert caught.value.reason == "private"


async def test_an_ip_literal_link_to_loopback_is_refused() -> None:
    with pytest.raises(FetchError) as caught:
        await fetch_page(
            "http://127.0.0.1:8080/admin", resolve=resolver({}), transport=transport(_page)
        )
    assert caught.value.reason == "private"


async def test_a_redirect_into_a_private_network_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "http://internal.example/secret"})

    table = {"jobs.example": [PUBLIC], "internal.example": ["10.0.0.7"]}
    with pytest.raises(FetchError) as caught:
        await fetch_page(
            "http://jobs.example/", resolve=resolver(table), transport=transport(handler)
        )
    assert caught.value.reason == "private"


async def test_more_than_three_redirects_are_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"location": "/again"})

    with pytest.raises(FetchError) as caught:
        await fetch_page(
            "http://jobs.example/",
            resolve=resolver({"jobs.example": [PUBLIC]}),
            transport=transport(handler),
        )
    assert caught.value.reason == "redirects"


async def test_up_to_three_redirects_are_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        hops = request.url.path.count("/r")
        if hops < 3:
            return httpx.Response(302, headers={"location": request.url.path.rstrip("/") + "/r"})
        return _page(request)

    page = await fetch_page(
        "http://jobs.example/",
        resolve=resolver({"jobs.example": [PUBLIC]}),
        transport=transport(handler),
    )
    assert "Packers" in page.text


async def test_a_page_over_two_megabytes_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/html"}, content=b"a" * (MAX_BYTES + 10)
        )

    with pytest.raises(FetchError) as caught:
        await fetch_page(
            "http://jobs.example/",
            resolve=resolver({"jobs.example": [PUBLIC]}),
            transport=transport(handler),
        )
    assert caught.value.reason == "too_big"


async def test_a_file_that_is_not_a_page_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "application/pdf"}, content=b"%PDF")

    with pytest.raises(FetchError) as caught:
        await fetch_page(
            "http://jobs.example/a.pdf",
            resolve=resolver({"jobs.example": [PUBLIC]}),
            transport=transport(handler),
        )
    assert caught.value.reason == "not_text"


async def test_an_http_error_reports_its_status() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404)

    with pytest.raises(FetchError) as caught:
        await fetch_page(
            "http://jobs.example/",
            resolve=resolver({"jobs.example": [PUBLIC]}),
            transport=transport(handler),
        )
    assert (caught.value.reason, caught.value.status) == ("http_error", 404)


async def test_a_slow_site_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.risk.fetch.TIMEOUT_SECONDS", 0.2)

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(2)
        return _page(request)

    with pytest.raises(FetchError) as caught:
        await fetch_page(
            "http://jobs.example/",
            resolve=resolver({"jobs.example": [PUBLIC]}),
            transport=httpx.MockTransport(slow),
        )
    assert caught.value.reason == "timeout"


def test_scripts_and_styles_are_not_part_of_the_visible_text() -> None:
    assert visible_text("<style>p{}</style><p>Hello</p><script>evil()</script>") == "Hello"
