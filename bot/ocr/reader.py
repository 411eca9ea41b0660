"""The text of a picture, read with Tesseract (tesserocr) in memory.

The picture is checked before it is decoded (bytes, then the pixel count from its header),
decoded by Pillow, turned to grayscale (and enlarged when small), and read with the ukr, rus
and eng models together, page segmentation mode 6 (one block of text: what a screenshot of a
message is). Nothing is written to disk. One Tesseract engine is made on first use and reused
under a lock (it is not thread-safe); the tessdata folder is found in this order: the
`TESSDATA_PREFIX` setting, the project's models/tessdata/, the system's tessdata.
"""

from __future__ import annotations

import enum
import io
import logging
import re
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.config import PROJECT_ROOT

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
"""The largest picture read, in bytes (a screenshot is well under 2 MB)."""
MAX_PIXELS = 20_000_000
"""The most pixels a picture may have (checked from its header, before decoding)."""
LANGUAGES = ("ukr", "rus", "eng")
SHIPPED_TESSDATA = PROJECT_ROOT / "models" / "tessdata"
SYSTEM_TESSDATA = (
    Path("/usr/share/tesseract-ocr/5/tessdata"),
    Path("/usr/share/tesseract-ocr/4.00/tessdata"),
    Path("/usr/share/tessdata"),
    Path("/usr/local/share/tessdata"),
    Path("/opt/homebrew/share/tessdata"),
)
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")
"""The picture formats decoded (what phones and messengers send); anything else is refused."""
SMALL_WIDTH = 1000
"""Pictures narrower than this are enlarged twice before reading (small text reads better)."""
LONGEST_SIDE = 4000
"""Larger pictures are shrunk to this before reading (a photo's text stays legible, and
reading takes a fraction of the time)."""
TIMEOUT_SECONDS = 6.0
"""Tesseract stops a picture that takes longer than this."""
MIN_LINE_CONFIDENCE = 50
"""A line read with less confidence than this (0-100) is taken for noise (a bar, a border,
a picture), not text."""
MIN_LETTERS = 3
DARK_MEAN = 110
"""A picture darker than this on average (0-255) is in dark mode and is read inverted."""
FIRST_LINE_CHARS = 80


class OcrFailure(enum.Enum):
    """Why a picture gave no text."""

    TOO_LARGE = "too_large"
    TOO_MANY_PIXELS = "too_many_pixels"
    NOT_IMAGE = "not_image"
    NO_TEXT = "no_text"
    UNAVAILABLE = "unavailable"
    TOO_SLOW = "too_slow"


class OcrError(Exception):
    """A picture could not be read; `failure` says why (never the picture's content)."""

    def __init__(self, failure: OcrFailure) -> None:
        super().__init__(failure.value)
        self.failure = failure


@dataclass(frozen=True)
class OcrResult:
    """The text read from a picture, its first line, and Tesseract's confidence (0-1)."""

    text: str
    first_line: str
    confidence: float


class TextReader(Protocol):
    """Reads the text of a picture (a port: tests plug in their own)."""

    def read(self, data: bytes) -> OcrResult:
        """The text of the picture in `data`; OcrError when there is none to give."""
        ...


def tessdata_folders(prefix: Path | None = None) -> tuple[Path, ...]:
    """Where traineddata is looked for, in order: the setting, the project's, the system's."""
    given = (prefix, prefix / "tessdata") if prefix is not None else ()
    return (*given, SHIPPED_TESSDATA, *SYSTEM_TESSDATA)


def find_tessdata(folders: Iterable[Path], languages: Sequence[str] = LANGUAGES) -> Path | None:
    """The first folder that holds every language's traineddata."""
    for folder in folders:
        if all((folder / f"{lang}.traineddata").is_file() for lang in languages):
            return folder
    return None


class ImageReader:
    """Tesseract over Pillow, made on first use, one picture at a time."""

    def __init__(
        self,
        prefix: Path | None = None,
        *,
        folders: Sequence[Path] | None = None,
        enlarge: bool = True,
    ) -> None:
        self.folders = tuple(folders) if folders is not None else tessdata_folders(prefix)
        self.enlarge = enlarge
        self._lock = threading.Lock()
        self._api: Any = None
        self._broken = False

    def read(self, data: bytes) -> OcrResult:
        """The text of the picture in `data`; OcrError (with its failure) when there is none."""
        if len(data) > MAX_BYTES:
            raise OcrError(OcrFailure.TOO_LARGE)
        image = self._prepared(_decoded(data))
        with self._lock:
            api = self._engine()
            try:
                api.SetImage(image)
                if not api.Recognize(int(TIMEOUT_SECONDS * 1000)):
                    raise OcrError(OcrFailure.TOO_SLOW)
                lines = _lines(api)
            finally:
                api.Clear()
        kept = [(text, conf) for text, conf in lines if conf >= MIN_LINE_CONFIDENCE]
        text = normalise("\n".join(t for t, _ in kept))
        weight = sum(len(t) for t, _ in kept)
        confidence = sum(len(t) * c for t, c in kept) / weight if weight else 0.0
        if sum(c.isalpha() for c in text) < MIN_LETTERS:
            raise OcrError(OcrFailure.NO_TEXT)
        first = text.split("\n", 1)[0]
        if len(first) > FIRST_LINE_CHARS:
            first = first[: FIRST_LINE_CHARS - 1].rstrip() + "…"
        return OcrResult(text, first, confidence / 100)

    def available(self) -> bool:
        """Whether pictures can be read here (tesserocr imports and the models are found)."""
        try:
            with self._lock:
                self._engine()
        except OcrError:
            return False
        return True

    def _engine(self) -> Any:
        """The Tesseract engine, made once (call with the lock held)."""
        if self._api is not None:
            return self._api
        if self._broken:
            raise OcrError(OcrFailure.UNAVAILABLE)
        try:
            from tesserocr import PSM, PyTessBaseAPI
        except ImportError as exc:
            self._broken = True
            log.warning(
                "pictures cannot be read: tesserocr does not import (%s)", type(exc).__name__
            )
            raise OcrError(OcrFailure.UNAVAILABLE) from None
        folder = find_tessdata(self.folders)
        if folder is None:
            self._broken = True
            log.warning(
                "pictures cannot be read: no folder holds %s traineddata", "+".join(LANGUAGES)
            )
            raise OcrError(OcrFailure.UNAVAILABLE)
        try:
            api = PyTessBaseAPI(path=f"{folder}/", lang="+".join(LANGUAGES), psm=PSM.SINGLE_BLOCK)
            api.SetVariable("thresholding_method", "2")  # Sauvola: local, copes with uneven light
        except RuntimeError:
            self._broken = True
            log.warning("pictures cannot be read: Tesseract did not start with %s", folder)
            raise OcrError(OcrFailure.UNAVAILABLE) from None
        self._api = api
        return api

    def _prepared(self, image: Image.Image) -> Image.Image:
        """Grayscale (transparency on white), enlarged when small, shrunk when huge."""
        from PIL import Image as PILImage
        from PIL import ImageOps

        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            ground = PILImage.new("RGBA", image.size, "#ffffff")
            image = PILImage.alpha_composite(ground, image)
        gray = image.convert("L")
        longest = max(gray.size)
        if longest > LONGEST_SIDE:
            scale = LONGEST_SIDE / longest
            size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
            gray = gray.resize(size, PILImage.Resampling.LANCZOS)
        elif self.enlarge and gray.width < SMALL_WIDTH:
            gray = gray.resize((gray.width * 2, gray.height * 2), PILImage.Resampling.LANCZOS)
        if _mean(gray) < DARK_MEAN:  # dark mode: light text on a dark ground
            gray = ImageOps.invert(gray)
        return gray


def _lines(api: Any) -> list[tuple[str, float]]:
    """Each line Tesseract read, with its confidence (0-100)."""
    from tesserocr import RIL, iterate_level

    found = api.GetIterator()
    if found is None:
        return []
    lines = []
    for line in iterate_level(found, RIL.TEXTLINE):
        try:
            text = line.GetUTF8Text(RIL.TEXTLINE)
        except RuntimeError:  # an empty page: Tesseract has no line to give
            continue
        if text.strip():
            lines.append((text.strip(), float(line.Confidence(RIL.TEXTLINE))))
    return lines


def _mean(gray: Image.Image) -> float:
    histogram = gray.histogram()
    return sum(i * n for i, n in enumerate(histogram)) / max(sum(histogram), 1)


def _decoded(data: bytes) -> Image.Image:
    """The picture decoded, after its header said it is small enough; OcrError if not."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow refuses decompression bombs past twice this
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise OcrError(OcrFailure.TOO_MANY_PIXELS) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise OcrError(OcrFailure.NOT_IMAGE) from None
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise OcrError(OcrFailure.TOO_MANY_PIXELS)
        try:
            image.load()
            turned = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise OcrError(OcrFailure.TOO_MANY_PIXELS) from None
        except (OSError, ValueError, SyntaxError, EOFError):
            raise OcrError(OcrFailure.NOT_IMAGE) from None
    return turned if turned is not None else image


_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_EURO = re.compile(r"(?<=\d)Є|(?<=\d )Є(?![а-яіїєґ'])")
"""The Ukrainian letter Є just after a number is the euro sign (the two look alike)."""
_HYPHENATED = re.compile(r"(\w)[-\u00ad]\n(?=[a-zа-яіїєґё])")


def normalise(raw: str) -> str:
    """Tesseract's text tidied: words split over a line joined, runs of spaces collapsed,
    line breaks kept, empty lines and lines without a letter or digit dropped."""
    text = raw.replace("\r", "").replace("\f", "")
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = _HYPHENATED.sub(r"\1", text)
    text = _EURO.sub("€", text)
    return "\n".join(line for line in text.split("\n") if any(c.isalnum() for c in line))
