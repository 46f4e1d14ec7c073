"""Cover: the reading edition's cover image, drawn by the build from the profile.

Owns the cover's design (type only: the title, the subtitle, the subject when the
title does not already name them, the author and the publisher, set in the
project's own font) and its text alternative. The image is a PNG of 1600 x 2560
pixels, the size the major stores ask for. Pillow lays the text out with its
basic engine, which needs no optional library, so the same inputs give the same
bytes on every machine with the same Pillow.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .models import Profile
from .words import Words

WIDTH, HEIGHT = 1600, 2560
MARGIN = 150  # inside the frame: room for readers that crop the cover to a thumbnail
MEASURE = WIDTH - 2 * MARGIN
REGULAR = "fonts/EBGaramond12-Regular.otf"
ITALIC = "fonts/EBGaramond12-Italic.otf"
PAPER = (28, 38, 48)  # a dark slate ground: the title reads at thumbnail size
INK = (242, 234, 216)
ACCENT = (201, 164, 92)


@dataclass(frozen=True)
class Cover:
    png: bytes
    alt: str


@dataclass(frozen=True)
class Line:
    text: str
    font: ImageFont.FreeTypeFont
    tracking: int = 0  # extra pixels between letters, for lines set in capitals


def make_cover(profile: Profile, styles: Path, words: Words) -> Cover:
    """The cover image and the text that stands for it."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    inset = MARGIN // 2
    draw.rectangle((inset, inset, WIDTH - inset, HEIGHT - inset), outline=ACCENT, width=4)

    title = _fitted(profile.title, styles / REGULAR, largest=230, smallest=120, lines=3)
    y = _block(draw, title, top=760)
    draw.line(((WIDTH - 260) // 2, y + 70, (WIDTH + 260) // 2, y + 70), fill=ACCENT, width=4)
    y += 150
    if profile.subtitle:
        # A narrower measure: a subtitle running from frame to frame looks cramped.
        y = _block(draw, _wrapped(profile.subtitle, _font(styles / ITALIC, 84), measure=1100), top=y)
    if profile.subject.casefold() not in profile.title.casefold():
        _block(draw, _wrapped(profile.subject, _font(styles / REGULAR, 84)), top=y + 60)

    byline = _font(styles / REGULAR, 52)
    _block(draw, _wrapped(profile.author.upper(), byline, tracking=6), top=HEIGHT - MARGIN - 330)
    _block(draw, _wrapped(profile.publisher, _font(styles / ITALIC, 48)), top=HEIGHT - MARGIN - 120)

    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return Cover(buffer.getvalue(), alt_text(profile, words))


def alt_text(profile: Profile, words: Words) -> str:
    """What the cover says, in the book's words: a screen reader's user misses nothing by not seeing it."""
    title = words.text("title-with-subtitle", title=profile.title, subtitle=profile.subtitle) if profile.subtitle else profile.title
    return words.text("epub.cover-alt", title=title, author=profile.author, publisher=profile.publisher)


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


def _fitted(text: str, path: Path, largest: int, smallest: int, lines: int) -> list[Line]:
    """The title at the largest size at which it takes at most `lines` lines."""
    for size in range(largest, smallest - 1, -10):
        wrapped = _wrapped(text, _font(path, size))
        if len(wrapped) <= lines:
            return wrapped
    return _wrapped(text, _font(path, smallest))


def _wrapped(text: str, font: ImageFont.FreeTypeFont, tracking: int = 0, measure: int = MEASURE) -> list[Line]:
    """As few lines as fit the measure, made as even as they can be: greedy filling at
    the narrowest measure that needs no more lines, so no word is left alone below."""
    lines = _filled(text, font, tracking, measure)
    if len(lines) > 1:
        for narrower in range(measure // 3, measure, 10):
            even = _filled(text, font, tracking, narrower)
            if len(even) == len(lines):
                lines = even
                break
    return [Line(line, font, tracking) for line in lines]


def _filled(text: str, font: ImageFont.FreeTypeFont, tracking: int, measure: int) -> list[str]:
    """Greedy line-filling; a word too long for a line gets one of its own."""
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and _width(candidate, font, tracking) <= measure:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _width(text: str, font: ImageFont.FreeTypeFont, tracking: int) -> float:
    return font.getlength(text) + tracking * max(len(text) - 1, 0)


def _block(draw: ImageDraw.ImageDraw, lines: list[Line], top: int) -> int:
    """Draw centred lines from `top`; return where the block ends."""
    y = top
    for line in lines:
        size = line.font.size
        x = (WIDTH - _width(line.text, line.font, line.tracking)) / 2
        if line.tracking:
            for letter in line.text:
                draw.text((x, y), letter, font=line.font, fill=INK)
                x += line.font.getlength(letter) + line.tracking
        else:
            draw.text((x, y), line.text, font=line.font, fill=INK)
        y += round(size * 1.15)
    return y
