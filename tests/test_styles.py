"""The stylesheets' work as a print shop sees it on the rendered pages of the reading
PDF (the print edition has the same pages), on the fixture and the shipped manuscript:
nothing overhangs the text block, table heads stand over their columns' figures, the
tint of a won row keeps a margin around its text, and the contents' leaders stop at one
place, beside page numbers set in the same figures as the chapter numbers.

Words and their boxes come from poppler's pdftotext, pixels from its pdftoppm (Debian
package poppler-utils); a missing tool fails the test."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont
from PIL import Image

from builder.build import Artifacts

from .conftest import PROJECT

TOOL_TIMEOUT = 120  # s
XHTML = "{http://www.w3.org/1999/xhtml}"
TABLES = ("filmography", "awards")
EDGE = 0.5  # pt: what two edges that should meet may differ by (a justified line ends on its last glyph's ink)
DPI = 144


def poppler(name: str, *args: str) -> bytes:
    if shutil.which(name) is None:
        pytest.fail(f"{name} is not installed: apt-get install poppler-utils")
    done = subprocess.run([name, *args], capture_output=True, timeout=TOOL_TIMEOUT)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Pages:
    build: Artifacts
    path: Path

    @cached_property
    def tree(self) -> ET.Element:
        return ET.fromstring(poppler("pdftotext", "-bbox", str(self.path), "-"))

    @cached_property
    def words(self) -> list[list[Word]]:
        """The words of every page, as poppler finds them, in points from the top left."""
        return [[Word(w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
                 for w in page.iter(f"{XHTML}word")] for page in self.tree.iter(f"{XHTML}page")]

    @cached_property
    def width(self) -> float:
        return float(next(self.tree.iter(f"{XHTML}page")).get("width"))

    def page_of(self, anchor: str) -> int:
        return self.build.layout.anchor_pages[anchor]

    def part_pages(self, anchor: str) -> range:
        """The 1-based pages of the part that opens at `anchor`, up to the next part."""
        starts = sorted({self.page_of(c.spec.id) for c in self.build.chapters}
                        | {self.page_of(part) for part in (*TABLES, "note-on-sources", "bibliography")})
        first = self.page_of(anchor)
        later = [start for start in starts if start > first]
        return range(first, later[0] if later else len(self.words) + 1)

    def image(self, page: int) -> Image.Image:
        return Image.open(io.BytesIO(poppler("pdftoppm", "-gray", "-r", str(DPI), "-f", str(page), "-l", str(page),
                                             str(self.path))))


@pytest.fixture(scope="module", params=["fixture_build", "real_build"])
def pages(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Pages:
    build = request.getfixturevalue(request.param)  # a manuscript that does not build fails here
    path = tmp_path_factory.mktemp("styles") / "book.pdf"
    path.write_bytes(build.layout.pdf)
    return Pages(build, path)


def text_block(pages: Pages) -> dict[int, tuple[float, float]]:
    """Left and right edge of the text block on versos (0) and rectos (1), from the
    chapters' justified lines, which run from edge to edge; a side with no chapter text
    mirrors the other, as a spread's margins do."""
    edges: dict[int, list[Word]] = {0: [], 1: []}
    for chapter in pages.build.chapters:
        for page in pages.part_pages(chapter.spec.id):
            edges[page % 2] += pages.words[page - 1]
    assert edges[1], "chapters open on rectos"
    block = {side: (min(w.x0 for w in words), max(w.x1 for w in words)) for side, words in edges.items() if words}
    left, right = block[1]
    block.setdefault(0, (pages.width - right, pages.width - left))
    return block


def test_nothing_overhangs_the_text_block(pages: Pages) -> None:
    """Not a table head, not a figure: every word on every page lies within the measure."""
    block = text_block(pages)
    over = [(number, word.text, round(word.x0 - block[number % 2][0], 2), round(word.x1 - block[number % 2][1], 2))
            for number, words in enumerate(pages.words, start=1) for word in words
            if word.x0 < block[number % 2][0] - EDGE or word.x1 > block[number % 2][1] + EDGE]
    assert over == []


def table_pages(pages: Pages, table: str):
    """(page, head words left to right, the words below the head) for each page of a table."""
    for number in pages.part_pages(table):
        words = pages.words[number - 1]
        heads = [w for w in words if w.text == "Year"]
        if not heads:
            continue  # the blank verso after the table
        top = heads[0].y0
        head = sorted((w for w in words if abs(w.y0 - top) < 0.5), key=lambda w: w.x0)
        yield number, head, [w for w in words if w.y0 > top + 1]


def test_table_heads_stand_over_their_columns(pages: Pages) -> None:
    """A left-aligned head starts where its column's entries start; the Sources head,
    right-aligned, ends where its figures end."""
    for table in TABLES:
        seen = 0
        for number, head, body in table_pages(pages, table):
            seen += 1
            assert head[-1].text == "Sources", f"{table}, p. {number}: the last column is the sources"
            for this, after in zip(head, head[1:]):
                column = [w for w in body if this.x0 - 2 <= w.x0 < after.x0 - 1]
                assert column, f"{table}, p. {number}: entries under {this.text}"
                assert min(w.x0 for w in column) == pytest.approx(this.x0, abs=EDGE), f"{table}, p. {number}: {this.text}"
            figures = [w for w in body if w.x0 >= head[-1].x0 - 12 and re.fullmatch(r"\d+,?", w.text)]
            assert figures, f"{table}, p. {number}: source numbers"
            assert max(w.x1 for w in figures) == pytest.approx(head[-1].x1, abs=EDGE), f"{table}, p. {number}: Sources"
        assert seen, f"the {table} table has pages"


TINT = range(215, 245)  # the won rows' grey (#e6e6e6, 230) in an 8-bit grey rendering
INK = 140  # darker than this is type


def tinted_bands(image: Image.Image) -> list[tuple[int, int]]:
    """Runs of pixel rows (first, last) that the row tint crosses."""
    width, height = image.size
    pixels = image.load()
    tinted = [sum(pixels[x, y] in TINT for x in range(0, width, 2)) > width // 6 for y in range(height)]
    bands, start = [], None
    for y, on in enumerate(tinted + [False]):
        if on and start is None:
            start = y
        elif not on and start is not None:
            bands.append((start, y - 1))
            start = None
    return [band for band in bands if band[1] - band[0] > 6]


def test_the_tint_of_won_rows_keeps_a_margin_around_their_text(pages: Pages) -> None:
    least = 2.0  # pt between the tint's edge and the type
    found = 0
    for number in pages.part_pages("awards"):
        image = pages.image(number)
        pixels = image.load()
        for first, last in tinted_bands(image):
            rows = range(first + 2, last - 1)
            tint = [x for y in rows for x in range(image.size[0]) if pixels[x, y] in TINT]
            ink = [x for y in rows for x in range(image.size[0]) if pixels[x, y] < INK]
            if not ink:
                continue
            found += 1
            left, right = (min(ink) - min(tint)) * 72 / DPI, (max(tint) - max(ink)) * 72 / DPI
            assert min(left, right) >= least, f"p. {number}, rows {first}-{last}: {left:.1f} pt, {right:.1f} pt"
    assert found, "won rows, tinted"


def contents_lines(pages: Pages) -> list[list[Word]]:
    words = pages.words[pages.page_of("contents") - 1]
    lines: dict[float, list[Word]] = {}
    for word in words:
        lines.setdefault(round(word.y0, 1), []).append(word)
    return [sorted(line, key=lambda w: w.x0) for line in lines.values() if any(w.text == "." for w in line)]


def test_contents_leaders_stop_together_and_page_numbers_align(pages: Pages) -> None:
    lines = contents_lines(pages)
    assert len(lines) == len(pages.build.chapters) + 4, "a leader on every line of the contents"
    last_dots = {round(max(w.x1 for w in line if w.text == "."), 1) for line in lines}
    numbers = {round(line[-1].x1, 1) for line in lines}
    assert len(last_dots) == 1, f"the leaders end at {sorted(last_dots)}"
    assert len(numbers) == 1, f"the page numbers end at {sorted(numbers)}"


FIGURE = re.compile(r"(zero|one|two|three|four|five|six|seven|eight|nine)(\..+)?")


def test_contents_set_chapter_and_page_numbers_in_the_same_figures(pages: Pages) -> None:
    """The figures on the contents page are all text (old-style) figures, none lining:
    their glyph names in the font, whose glyph ids the subset keeps."""
    order = TTFont(PROJECT / "styles" / "fonts" / "EBGaramond12-Regular.otf").getGlyphOrder()
    pdf = pikepdf.open(io.BytesIO(pages.build.layout.pdf))
    page = pdf.pages[pages.page_of("contents") - 1]
    fonts = {name: str(font.BaseFont) for name, font in page.Resources.Font.items()}
    figures, font = set(), None
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "Tf":
            font = fonts[str(operands[0])]
        elif str(operator) in ("Tj", "TJ") and font and not font.endswith("Italic"):
            strings = operands[0] if str(operator) == "TJ" else [operands[0]]
            for string in (bytes(s) for s in strings if isinstance(s, pikepdf.String)):
                names = (order[int.from_bytes(string[i:i + 2], "big")] for i in range(0, len(string), 2))
                figures.update(name for name in names if FIGURE.fullmatch(name))
    assert len({FIGURE.fullmatch(name)[1] for name in figures}) >= 3, f"chapter and page numbers: {figures}"
    assert sorted(name for name in figures if "lnum" in name or "lining" in name) == []
