"""A screenshot of an advert in the real bot over HTTP: read, checked like a pasted advert, and
refused kindly (asking for the text) when it cannot be read."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import AsyncIterator
from importlib.util import find_spec
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import AdvertCheck
from bot.ocr import ImageReader, OcrResult
from bot.tg.app import quiet_logs
from bot.wiring import Perevir
from tests.e2e_support import choose_english, filled, has_text, risk_level, running_bot, text_of
from tests.support.bot_api import BotApiServer
from tests.support.render_advert import blank, screenshot

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        find_spec("tesserocr") is None, reason="tesserocr is not installed (run `make install`)"
    ),
]
USER = 5550013
RISKY = (
    "Urgent! Warehouse work in Poland, 25 zł per hour.\n"
    "We keep your passport during the first month.\n"
    "Pay 300 EUR for the work permit before the trip.\n"
    "No contract needed, leave tomorrow."
)


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer() as srv:
        srv.user(USER, "Iryna", "en")
        yield srv


async def test_a_screenshot_of_a_risky_advert_gets_a_card_that_says_what_was_read(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_photo(USER, content=screenshot(RISKY, "telegram"), mime_type="image/jpeg")
        [card] = await server.wait_for_message(USER, timeout=15)
    text = card["text"]
    assert filled(text, "picture.read_from") == {"first_line": "Jobs Europe"}
    assert text.startswith(text_of("picture.read_from", first_line="Jobs Europe"))
    assert risk_level(text) == "high"
    kept = filled(text, "risk.flag_line", name=text_of("flags.document_retention.name"))
    assert kept is not None and "passport" in kept["evidence"].lower()
    async with perevir.people.sessions() as session:
        checks = (await session.execute(select(AdvertCheck))).scalars().all()
    assert [(c.level, c.source) for c in checks] == [("high", "picture")]


async def test_an_image_file_is_read_and_its_caption_checked_with_it(
    server: BotApiServer, perevir: Perevir
) -> None:
    shown = (
        "Seasonal farm work in the Netherlands, greenhouse tomatoes.\n"
        "Start next week, 12 EUR per hour, 40 hours a week."
    )
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_document(
            USER,
            file_name="offer.png",
            mime_type="image/png",
            content=screenshot(shown, "olx"),
            caption="They said the coordinator keeps our passports until the season ends.",
        )
        [card] = await server.wait_for_message(USER, timeout=15)
    text = card["text"]
    assert has_text(text, "picture.read_from") and risk_level(text) in ("medium", "high")
    quoted = " ".join(re.findall(r"«([^»]*)»", text.split("\n", 1)[1])).lower()
    assert "passports" in quoted or "coordinator" in quoted  # words only the caption has


async def test_a_blank_picture_gets_a_request_to_paste_the_text(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_photo(USER, content=blank(), mime_type="image/png")
        await server.wait_for_message(USER, contains=text_of("picture.failed.no_text"), timeout=15)


async def test_a_picture_over_ten_megabytes_is_refused_without_downloading_it(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_photo(USER, content=b"\xff\xd8" + bytes(11 * 1024 * 1024))
        await server.wait_for_message(USER, contains=text_of("picture.failed.too_large"))
    assert server.calls("getFile") == []


async def test_without_ocr_a_picture_gets_a_request_to_paste_the_text(
    server: BotApiServer, perevir: Perevir, tmp_path: Path
) -> None:
    perevir.reader = ImageReader(folders=[tmp_path])  # no traineddata anywhere
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_photo(USER, content=screenshot(RISKY), mime_type="image/png")
        await server.wait_for_message(USER, contains=text_of("picture.failed.unavailable"))


async def test_a_picture_being_read_delays_no_one_else(
    server: BotApiServer, perevir: Perevir
) -> None:
    release = threading.Event()

    class SlowReader:
        """Tesseract on a very large picture: it takes its time."""

        def read(self, data: bytes) -> OcrResult:
            release.wait(timeout=10)
            return OcrResult(RISKY, "Urgent! Warehouse work in Poland", 0.9)

    perevir.reader = SlowReader()
    others = list(range(USER + 1, USER + 11))
    for other in others:
        server.user(other, f"User {other}", "en")
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_photo(USER, content=screenshot(RISKY), mime_type="image/png")
        await server.wait_for(lambda: server.calls("getFile"))  # downloaded, now being read
        for other in others:
            server.send_text(other, "can I work in Poland without a visa")
        for other in others:
            [answer] = await server.wait_for_message(other, count=1, timeout=15)
            assert answer["text"]
        assert not release.is_set()  # all ten answered while the picture was still being read
        release.set()
        [card] = await server.wait_for_message(USER, timeout=15)
    assert risk_level(card["text"]) == "high"
    assert filled(card["text"], "picture.read_from") == {
        "first_line": "Urgent! Warehouse work in Poland"
    }


async def test_reading_a_picture_logs_nothing_of_what_it_shows(
    server: BotApiServer, perevir: Perevir, caplog: pytest.LogCaptureFixture
) -> None:
    quiet_logs()  # as `perevir run` does, then everything at DEBUG
    caplog.set_level(logging.DEBUG)
    shown = RISKY.replace("Warehouse", "Zaporvik warehouse")
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_photo(USER, content=screenshot(shown), caption="Kvitchasta said it is fine")
        [card] = await server.wait_for_message(USER, timeout=15)
        assert has_text(card["text"], "picture.read_from")
        server.send_photo(USER, content=blank())
        await server.wait_for_message(USER, contains=text_of("picture.failed.no_text"))
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG was really on
    for trace in ("Zaporvik", "Kvitchasta", "passport", str(USER)):
        assert trace not in logged, trace


def test_the_largest_photo_size_within_the_limits_is_the_one_read() -> None:
    from datetime import UTC, datetime

    from telegram import Chat, Message, PhotoSize

    from bot.tg.handlers import picture_source

    def size(n: int, width: int, height: int, mb: float) -> PhotoSize:
        return PhotoSize(f"f{n}", f"u{n}", width, height, file_size=int(mb * 1024 * 1024))

    def message(*sizes: PhotoSize) -> Message:
        return Message(1, datetime.now(UTC), Chat(1, "private"), photo=sizes)

    small, fits, heavy, huge = (
        size(1, 320, 240, 0.1),
        size(2, 1280, 960, 2),
        size(3, 2560, 1920, 12),
        size(4, 6000, 4000, 9),
    )
    assert picture_source(message(small, fits, heavy, huge)) is fits
    assert picture_source(message(heavy)) == "too_large"
    assert picture_source(message(huge)) == "too_many_pixels"


async def test_danger_in_a_caption_is_answered_first_with_the_emergency_numbers(
    server: BotApiServer, perevir: Perevir
) -> None:
    async with running_bot(server, perevir):
        await choose_english(server, USER)
        server.send_photo(
            USER, content=screenshot(RISKY), caption="help, they locked me in and took my passport"
        )
        [reply, *_] = await server.wait_for_message(USER)
    assert has_text(reply["text"], "handoff.emergency")
    assert server.calls("getFile") == []
