"""Make-up measured on a real PDF, the way a compositor checks proofs.

Reads every line of every page with poppler's `pdftotext -bbox-layout` and the
book's outline with pypdf, then says, page by page, what a press would send
back: blank pages where no recto opening needs them, a part ending on a page of
a few lines, a word hyphenated across a page turn, more than two hyphenated
line ends in a row, facing pages of unequal depth, a page stopping short above
its notes. The builder's own code is not used: these are an independent
measure of the pages it made.
"""

from __future__ import annotations

import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from pypdf import PdfReader

XHTML = "{http://www.w3.org/1999/xhtml}"
# What ends a line broken inside a word: the hyphen WeasyPrint adds, or a hard one.
HYPHENS = ("-", "\u2010", "\u00ad")
# The page's margins, as print.css sets them, as shares of the page height.
TOP_MARGIN, BOTTOM_MARGIN = 0.085, 0.105


@dataclass(frozen=True)
class Line:
    top: float
    bottom: float
    text: str

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def hyphenated(self) -> bool:
        return self.text.endswith(HYPHENS) and not self.text.endswith(("--", " -"))


@dataclass
class PageMeasure:
    number: int  # 1-based folio
    lines: list[Line]  # inside the text block, top to bottom
    body: list[Line] = field(default_factory=list)  # lines of text size
    notes: list[Line] = field(default_factory=list)  # smaller lines below the text
    opens_part: bool = False

    @property
    def blank(self) -> bool:
        return not self.lines

    @property
    def recto(self) -> bool:
        return self.number % 2 == 1


@dataclass
class Book:
    pages: list[PageMeasure]
    body_size: float  # the height of a text line's glyph box
    line_pitch: float  # baseline to baseline in the text
    block_bottom: float
    part_starts: list[int]  # folios where a part (chapter, appendix, back matter) opens
    prose_end: int  # the last folio of running prose (the chapters)

    def part_last_pages(self) -> list[PageMeasure]:
        """The last page with text of each part."""
        ends = []
        bounds = [*self.part_starts, len(self.pages) + 1]
        for start, after in zip(bounds, bounds[1:]):
            written = [p for p in self.pages[start - 1:after - 1] if not p.blank]
            if written:
                ends.append(written[-1])
        return ends

    def in_parts(self) -> list[PageMeasure]:
        return self.pages[self.part_starts[0] - 1:] if self.part_starts else []


def measure(pdf: Path, prose_parts: int | None = None) -> Book:
    """Measure `pdf`. `prose_parts`: how many of the outline's parts are running prose
    (the chapters); the rest (tables, lists) are measured for blanks and part ends only."""
    raw = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True,
                         check=True, timeout=120).stdout
    tree = etree.fromstring(raw, etree.XMLParser(recover=True, huge_tree=True))
    pages: list[PageMeasure] = []
    for number, page in enumerate(tree.iter(f"{XHTML}page"), start=1):
        height = float(page.get("height"))
        top, bottom = height * TOP_MARGIN, height * (1 - BOTTOM_MARGIN)
        lines = []
        for line in page.iter(f"{XHTML}line"):
            y0, y1 = float(line.get("yMin")), float(line.get("yMax"))
            words = [w.text or "" for w in line.iter(f"{XHTML}word")]
            # Running heads and folios sit in the margins; a line's box may poke a little out.
            if y1 > top + 2 and y0 < bottom - 2:
                lines.append(Line(y0, y1, " ".join(words)))
        lines.sort(key=lambda line: line.top)
        pages.append(PageMeasure(number, lines))
    starts = _part_starts(pdf)
    prose_parts = len(starts) if prose_parts is None else prose_parts
    prose_end = starts[prose_parts] - 1 if prose_parts < len(starts) else len(pages)
    # The text size is the chapters' most common line: the tables and notes are smaller.
    body_size = statistics.mode(round(line.height, 1) for page in pages[starts[0] - 1:prose_end]
                                for line in page.lines)
    for page in pages:
        page.body = [line for line in page.lines if line.height >= body_size * 0.92]
        last_body = page.body[-1].bottom if page.body else 0
        page.notes = [line for line in page.lines if line.height < body_size * 0.92 and line.top > last_body]
    pitches = [b.top - a.top for page in pages for a, b in zip(page.body, page.body[1:])
               if 0 < b.top - a.top < body_size * 2]
    for folio in starts:
        pages[folio - 1].opens_part = True
    block_bottom = max((page.lines[-1].bottom for page in pages if page.lines), default=0)
    return Book(pages, body_size, statistics.mode(round(p, 1) for p in pitches) if pitches else body_size,
                block_bottom, starts, prose_end)


def _part_starts(pdf: Path) -> list[int]:
    reader = PdfReader(str(pdf))
    starts = sorted({reader.get_destination_page_number(item) + 1
                     for item in reader.outline if not isinstance(item, list)})
    return starts


# ---- The rules ----------------------------------------------------------------------

def blank_pages_not_needed(book: Book) -> list[int]:
    """Blank pages that are neither the verso before a recto opening nor the book's
    last pages, filling its final signature."""
    trailing = len(book.pages)
    while trailing > 0 and book.pages[trailing - 1].blank:
        trailing -= 1
    wrong = []
    for page in book.pages[:trailing]:
        if not page.blank:
            continue
        following = book.pages[page.number] if page.number < len(book.pages) else None
        needed = not page.recto and following is not None and following.recto and (
            following.opens_part or page.number < (book.part_starts or [0])[0])
        if not needed:
            wrong.append(page.number)
    return wrong


def short_part_endings(book: Book, least: int = 5) -> list[int]:
    """Pages that end a part with fewer than `least` lines of text (a part of one page excepted)."""
    return [page.number for page in book.part_last_pages()
            if not page.opens_part and len(page.body) < least]


def hyphens_across_pages(book: Book) -> list[int]:
    """Pages whose last line of text ends in a hyphen that the next page completes."""
    ends = {page.number for page in book.part_last_pages()}
    return [page.number for page in book.in_parts()
            if page.body and page.body[-1].hyphenated and page.number not in ends]


def hyphen_ladders(book: Book, most: int = 2) -> list[int]:
    """Pages with more than `most` hyphenated line ends in a row."""
    wrong = []
    for page in book.in_parts():
        run = 0
        for line in page.body:
            run = run + 1 if line.hyphenated else 0
            if run > most:
                wrong.append(page.number)
                break
    return wrong


def _prose_pages(book: Book) -> list[PageMeasure]:
    """Pages of running prose: in the chapters, neither opening nor ending one."""
    if not book.part_starts:
        return []
    ends = {page.number for page in book.part_last_pages()}
    return [page for page in book.pages[book.part_starts[0] - 1:book.prose_end]
            if page.body and not page.opens_part and page.number not in ends]


def depth(page: PageMeasure) -> float:
    return page.lines[-1].bottom if page.lines else 0.0


def unequal_spreads(book: Book) -> list[tuple[int, int]]:
    """Facing prose pages whose depths differ by more than one line."""
    prose = {page.number: page for page in _prose_pages(book)}
    return [(left, left + 1) for left in sorted(prose) if left % 2 == 0 and left + 1 in prose
            and abs(depth(prose[left]) - depth(prose[left + 1])) > book.line_pitch + 0.5]


def short_above_notes(book: Book) -> list[int]:
    """Prose pages, a chapter's opening page among them, whose text stops more than a line
    short of where the page's notes (or, without notes, the foot of the text block) begin."""
    wrong = []
    ends = {page.number for page in book.part_last_pages()}
    for page in book.pages[book.part_starts[0] - 1:book.prose_end] if book.part_starts else []:
        if not page.body or page.number in ends:
            continue
        floor = page.notes[0].top - _note_gap(book) if page.notes else book.block_bottom
        if floor - page.body[-1].bottom > book.line_pitch + 0.5:
            wrong.append(page.number)
    return wrong


def _note_gap(book: Book) -> float:
    """The space between a full page's last line of text and its first note: the least there is."""
    chapters = book.pages[book.part_starts[0] - 1:book.prose_end] if book.part_starts else []
    gaps = [page.notes[0].top - page.body[-1].bottom for page in chapters if page.notes and page.body]
    return min(gaps) if gaps else 0.0
