"""Pictures for the OCR tests, drawn in memory from known texts (nothing is read from disk
but fonts, nothing is written).

The drawing itself is `bot.ocr.render` (so that `perevir evaluate ocr` draws the same set);
this module picks the set and adds the pictures the limits are tested with: blank, huge by
header only, too many bytes, not a picture at all.
"""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image

from bot.ocr.render import STYLES, Advert, Rendered, Style, blank, render, render_set
from bot.quality.ocr_eval import load_adverts

__all__ = [
    "STYLES",
    "Advert",
    "Rendered",
    "Style",
    "advert_set",
    "blank",
    "header_only_png",
    "noise_bytes",
    "render",
    "screenshot",
    "solid_jpeg",
]


def advert_set() -> list[Rendered]:
    """Every advert of evaluation/ocr in every style: 8 texts x 5 styles."""
    return render_set(load_adverts())


def screenshot(text: str, style: str = "telegram", *, lang: str = "en") -> bytes:
    """A PNG (JPEG for "photo") of a message with this text, in one of the set's styles."""
    chosen = next(s for s in STYLES if s.name == style)
    advert = Advert("test", lang, text.split("\n", 1)[0], "", text)
    return render(advert, chosen).data


def header_only_png(width: int, height: int) -> bytes:
    """A PNG whose header says width x height and whose pixel data is a few bytes: decoding it
    would be a decompression bomb, so only its header may be read."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    pixels = zlib.compress(b"\x00" * 64)  # far fewer than the header promises
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def noise_bytes(size: int, seed: int = 13) -> bytes:
    """Random bytes: not a picture."""
    return random.Random(seed).randbytes(size)


def solid_jpeg(width: int = 800, height: int = 600) -> bytes:
    """A plain grey JPEG (a photo of nothing)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#c8c8c8").save(out, "JPEG")
    return out.getvalue()
