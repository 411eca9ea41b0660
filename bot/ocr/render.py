"""Pictures of adverts drawn from known texts: the OCR test set (tests, `perevir evaluate ocr`).

Each style imitates what people send: a Telegram channel post (light and dark), a Viber chat
with its purple header, an OLX listing (bold title, price line), and a phone photo of a screen
(tilted, blurred, unevenly lit, noisy, JPEG). Fonts are the DejaVu and STIX files that ship
inside matplotlib (a locked dependency), so the set is the same on every machine. A picture
comes with its reference: every word drawn on it, in reading order.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = {
    "sans": "DejaVuSans.ttf",
    "sans-bold": "DejaVuSans-Bold.ttf",
    "serif": "DejaVuSerif.ttf",
    "stix": "STIXGeneral.ttf",
    "stix-bold": "STIXGeneralBol.ttf",
}
"""Two families (DejaVu Sans/Serif, STIX General), regular and bold."""


@dataclass(frozen=True)
class Style:
    """How an advert is drawn: the layout, the body font and its size in pixels."""

    name: str
    layout: str
    font: str
    size: int
    photo: bool = False


STYLES = (
    Style("telegram", "telegram", "sans", 15),
    Style("telegram-dark", "telegram-dark", "sans", 17),
    Style("viber", "viber", "stix", 18),
    Style("olx", "olx", "serif", 13),
    Style("photo", "telegram", "sans", 16, photo=True),
)
"""The styles of the set: sizes 13-20 px, three designs, one noisy photo-like version."""


@dataclass(frozen=True)
class Advert:
    """A known advert text to draw."""

    id: str
    lang: str
    title: str
    price: str
    text: str


@dataclass(frozen=True)
class Rendered:
    """A drawn advert: the encoded picture and the text on it."""

    advert: str
    style: str
    data: bytes
    reference: str


def font_dir() -> Path:
    """The folder of the fonts matplotlib ships."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_dir() / FONTS[name]), size)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines of text that fit width pixels, broken between words as a messenger does."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if line and font.getlength(candidate) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def _height(font: ImageFont.FreeTypeFont) -> int:
    """The line height of a font: 1.45 of its size, as messengers set body text."""
    return round(font.size * 1.45)


def _block(
    draw: ImageDraw.ImageDraw,
    xy: tuple[int, int],
    lines: list[str],
    font: ImageFont.FreeTypeFont,
    fill: str,
) -> int:
    """Draw lines from xy down; the y below the last."""
    x, y = xy
    for line in lines:
        draw.text((x, y), line, font=font, fill=fill)
        y += _height(font)
    return y


def _messenger(advert: Advert, style: Style) -> tuple[Image.Image, list[str]]:
    dark = style.layout == "telegram-dark"
    viber = style.layout == "viber"
    body = _font(style.font, style.size)
    bold = _font(f"{style.font.split('-')[0]}-bold" if style.font != "serif" else "sans-bold", 15)
    small = _font("sans", 12)
    width, pad, header = 460, 14, 56 if viber else 0
    inner = width - 2 * 24 - 2 * pad
    sender = "Робота Європа" if advert.lang != "en" else "Jobs Europe"
    lines = _wrap(advert.text, body, inner)
    top = 0 if viber else _height(bold)  # Viber names the sender in its header instead
    bubble_h = pad + top + len(lines) * _height(body) + _height(small) + pad
    page = Image.new("RGB", (width, header + bubble_h + 48), "#0e1621" if dark else "#dfe7ee")
    draw = ImageDraw.Draw(page)
    seen: list[str] = []
    if viber:
        page.paste("#ffffff", (0, header, width, page.height))
        draw.rectangle((0, 0, width, header), fill="#7360f2")
        title = _font("sans-bold", 17)
        draw.text((20, (header - title.size) // 2), sender, font=title, fill="#ffffff")
        seen.append(sender)
    box = (24, header + 24, width - 24, header + 24 + bubble_h)
    colour = "#182533" if dark else ("#efedf8" if viber else "#ffffff")
    draw.rounded_rectangle(box, radius=14, fill=colour)
    x, y = box[0] + pad, box[1] + pad
    if not viber:
        draw.text((x, y), sender, font=bold, fill="#6ab3f3" if dark else "#3a8ecf")
        seen.append(sender)
    y += top
    y = _block(draw, (x, y), lines, body, "#f5f5f5" if dark else "#1c1c1e")
    draw.text((box[2] - pad - 34, y), "14:32", font=small, fill="#7f91a4" if dark else "#8a9aa9")
    return page, [*seen, *lines, "14:32"]


def _olx(advert: Advert, style: Style) -> tuple[Image.Image, list[str]]:
    width, margin = 600, 28
    title_font, price_font = _font("sans-bold", 20), _font("sans-bold", 18)
    body, heading = _font(style.font, style.size), _font("sans-bold", 14)
    described = "Опис" if advert.lang != "en" else "Description"
    titles = _wrap(advert.title, title_font, width - 2 * margin)
    lines = _wrap(advert.text, body, width - 2 * margin)
    height = 40 + len(titles) * _height(title_font) + _height(price_font) + 24
    height += _height(heading) + len(lines) * _height(body) + 40
    page = Image.new("RGB", (width, height), "#ffffff")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, width, 8), fill="#002f34")
    y = _block(draw, (margin, 24), titles, title_font, "#002f34")
    draw.text((margin, y + 4), advert.price, font=price_font, fill="#002f34")
    y += _height(price_font) + 16
    draw.line((margin, y, width - margin, y), fill="#d8dfe0", width=1)
    draw.text((margin, y + 12), described, font=heading, fill="#406367")
    _block(draw, (margin, y + 12 + _height(heading)), lines, body, "#002f34")
    return page, [*titles, advert.price, described, *lines]


def _photo(page: Image.Image, seed: int) -> Image.Image:
    """A phone photo of the screen: larger, tilted, blurred, unevenly lit, noisy."""
    rng = random.Random(seed)
    shot = page.resize((page.width * 3 // 2, page.height * 3 // 2), Image.Resampling.BICUBIC)
    shot = shot.rotate(rng.uniform(-2.0, 2.0), Image.Resampling.BICUBIC, True, fillcolor="#9aa3a8")
    shot = shot.filter(ImageFilter.GaussianBlur(0.9))
    light = Image.linear_gradient("L").rotate(rng.choice((0, 90, 180, 270))).resize(shot.size)
    light = light.point(lambda v: 255 - v * 70 // 255)  # one side up to ~27 % darker
    shot = Image.composite(shot, Image.new("RGB", shot.size, "#000000"), light)
    noise = Image.effect_noise(shot.size, 18).convert("RGB")
    shot = Image.blend(shot, noise, 0.12)
    return shot


def render(advert: Advert, style: Style, seed: int = 0) -> Rendered:
    """The advert drawn in a style, encoded as PNG (JPEG for a photo), with its reference."""
    page, lines = _olx(advert, style) if style.layout == "olx" else _messenger(advert, style)
    out = io.BytesIO()
    if style.photo:
        _photo(page, seed).save(out, "JPEG", quality=60)
    else:
        page.save(out, "PNG")
    return Rendered(advert.id, style.name, out.getvalue(), "\n".join(lines))


def render_set(adverts: list[Advert], styles: tuple[Style, ...] = STYLES) -> list[Rendered]:
    """Every advert in every style (the photo noise differs per advert)."""
    return [render(a, s, seed=i) for i, a in enumerate(adverts) for s in styles]


def blank(width: int = 640, height: int = 480) -> bytes:
    """A PNG with nothing on it."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), "#ffffff").save(out, "PNG")
    return out.getvalue()
