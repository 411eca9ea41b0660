"""Reading the text of a picture of an advert (a screenshot or a photo) with Tesseract.

Only this package imports tesserocr and Pillow (the layer rules in .importlinter say so). The
picture is read in memory and never stored; see `reader.ImageReader`.
"""

from bot.ocr.reader import (
    MAX_BYTES,
    MAX_PIXELS,
    ImageReader,
    OcrError,
    OcrFailure,
    OcrResult,
    TextReader,
)

__all__ = [
    "MAX_BYTES",
    "MAX_PIXELS",
    "ImageReader",
    "OcrError",
    "OcrFailure",
    "OcrResult",
    "TextReader",
]
