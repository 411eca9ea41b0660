"""Fetching a link safely: refusals are tested with an injected resolver and transport."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bot.web.fetch import MAX_BYTES, FetchError, fetch_page, visible_text

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
        "::127.0.0.1",
        "64:ff9b::7f00:1",
        "2002:7f00:1::1",
        "::ffff:0:7f00:1",
        "192.0.0.9",
        "198.18.0.1",
        "not-an-address",
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
        await fetch_page("http://127.0.0.1/admin", resolve=resolver({}), transport=transport(_page))
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
    monkeypatch.setattr("bot.web.fetch.TIMEOUT_SECONDS", 0.2)

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


async def _refusal(url: str, handler=_page, table=None) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(FetchError) as caught:
        await fetch_page(
            url,
            resolve=resolver(table or {"jobs.example": [PUBLIC]}),
            transport=transport(handler),
        )
    return caught.value.reason


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://jobs.example:22/", "port"),
        ("https://jobs.example:8443/", "port"),
        ("http://jobs.example:99999/", "port"),
        ("http://jobs.example:Zxqv7/", "port"),
        ("http://user:secret@jobs.example/", "credentials"),
        ("http://user@jobs.example/", "credentials"),
        ("http://" + "a" * 70 + ".example/", "failed"),
    ],
)
async def test_ports_credentials_and_broken_hosts_are_refused_with_a_reason(
    url: str, reason: str
) -> None:
    assert await _refusal(url) == reason


async def test_an_international_host_name_is_looked_up_idna_encoded() -> None:
    page = await fetch_page(
        "http://робота.укр/вакансія",
        resolve=resolver({"робота.укр".encode("idna").decode(): [PUBLIC]}),
        transport=transport(_page),
    )
    assert "Packers in Poland" in page.text


def _response(body: bytes, **headers: str) -> httpx.Response:
    return httpx.Response(
        200,
        headers={"content-type": "text/html", **headers},
        stream=httpx.ByteStream(body),
    )


async def test_a_compressed_bomb_stops_at_the_limit_while_decompressing() -> None:
    import gzip

    bomb = gzip.compress(b"<p>" + b"a" * (50 * 1024 * 1024))
    assert len(bomb) < 100_000
    reason = await _refusal(
        "http://jobs.example/", lambda r: _response(bomb, **{"content-encoding": "gzip"})
    )
    assert reason == "too_big"
    twice = gzip.compress(gzip.compress(b"<p>hello</p>"))
    reason = await _refusal(
        "http://jobs.example/", lambda r: _response(twice, **{"content-encoding": "gzip, gzip"})
    )
    assert reason == "not_text"


async def test_a_broken_gzip_body_is_a_failure_not_a_crash() -> None:
    reason = await _refusal(
        "http://jobs.example/",
        lambda r: _response(b"\x1f\x8b\x08not really gzip", **{"content-encoding": "gzip"}),
    )
    assert reason == "failed"


async def test_a_redirect_to_javascript_is_refused_not_a_crash() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "javascript:alert(1)"})

    assert await _refusal("http://jobs.example/", handler) in ("scheme", "failed")


async def test_a_charset_given_only_in_meta_is_used() -> None:
    page_html = (
        '<html><head><meta charset="windows-1251"></head>'
        "<body><p>Паспорт залишаєте у координатора</p></body></html>"
    )
    body = page_html.encode("cp1251")
    page = await fetch_page(
        "http://jobs.example/",
        resolve=resolver({"jobs.example": [PUBLIC]}),
        transport=transport(lambda r: _response(body)),
    )
    assert page.text == "Паспорт залишаєте у координатора"


def test_text_extraction_keeps_paragraphs_entities_and_drops_comments() -> None:
    assert visible_text("<p>A &amp; B</p><!-- hidden --><div>C<br>D</div>") == "A & B\nC\nD"
    assert visible_text("<script>never closed") == ""
    assert visible_text("a < b and <a <a <a") == "a < b and <a <a <a"
