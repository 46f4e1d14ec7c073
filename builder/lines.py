"""Lines: the lines of running text on a part's laid-out pages, as a reader of its proofs sees them.

The make-up (see `makeup`) needs each line's text and the paragraph it belongs
to, and how much white a page leaves above its notes. WeasyPrint's public API
tells where each element with an id begins (a page's anchors) but not where its
lines break, so the part's pages are written as a PDF (public) and read back
with pypdf: the lines in the text's size, their baselines, and beside them the
anchors of the paragraphs and the notes. Nothing here touches WeasyPrint's
internals, so the make-up is the same on every WeasyPrint.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from contextvars import ContextVar
from dataclasses import dataclass

from pypdf import PdfReader
from weasyprint import Document

HYPHENS = ("‐", "-")
# A PDF point in CSS pixels, the unit of WeasyPrint's anchors.
PX_PER_PT = 96 / 72
# Runs on one baseline, within this many points, make one line.
SAME_LINE = 0.5
# The ids the print templates give a chapter's paragraphs ({chapter}-p{n}) and its notes.
PARAGRAPH = re.compile(r"-p\d+$")
NOTE = re.compile(r"^note-")
SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Line:
    owner: str  # the id of the paragraph the line belongs to ("" for none)
    text: str
    fill: float  # the line's length beside the part's longest line, 0 to 1

    @property
    def hyphenated(self) -> bool:
        return self.text.endswith(HYPHENS)


@dataclass(frozen=True)
class PageLines:
    lines: tuple[Line, ...]  # of running text, top to bottom: no notes, heads or folios
    white: float  # lines' worth of space between the text and the notes (0 without notes)


@dataclass(frozen=True)
class _Run:
    x: float
    baseline: float  # in CSS pixels from the page's top
    size: float
    text: str


class _ProofsUnheard(logging.Filter):
    """Keeps what WeasyPrint says while writing proofs from the build's ears: a part's
    links to the rest of the book have no target in the part alone, and any real fault
    is found again when the book is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _PROOFING.get()


_PROOFING: ContextVar[bool] = ContextVar("proofing", default=False)
# Installed once, never removed: a signal landing mid-build cannot leave it half in place,
# and outside `_proofs` it lets everything through.
logging.getLogger("weasyprint").addFilter(_ProofsUnheard())


def _proofs(document: Document) -> bytes:
    token = _PROOFING.set(True)
    try:
        return document.write_pdf()
    finally:
        _PROOFING.reset(token)


def read(document: Document) -> list[PageLines]:
    """The pages' lines of running text."""
    reader = PdfReader(io.BytesIO(_proofs(document)))
    runs = [_runs(page) for page in reader.pages]
    body_size = _body_size(runs, [page.anchors for page in document.pages])
    pages = [_lines(page_runs, body_size) for page_runs in runs]
    longest = max((len(text) for page in pages for _, text in page), default=1)
    pitch = _pitch(pages)
    read_pages, owner = [], ""
    for page, page_runs in zip(document.pages, pages):
        paragraphs = sorted((box[1], anchor) for anchor, box in page.anchors.items() if PARAGRAPH.search(anchor))
        notes = [box[1] for anchor, box in page.anchors.items() if NOTE.match(anchor)]
        lines = []
        for baseline, text in page_runs:
            if notes and baseline > min(notes):
                continue  # a note's own line: the text's size may be the notes' in a short part
            owner = next((anchor for top, anchor in reversed(paragraphs) if top <= baseline), owner)
            lines.append(Line(owner, text, len(text) / longest))
        white = (min(notes) - page_runs[-1][0]) / pitch if notes and page_runs else 0.0
        read_pages.append(PageLines(tuple(lines), white))
    return read_pages


def _runs(page) -> list[_Run]:
    height = float(page.mediabox.height)
    found: list[_Run] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            scale = tm[0] * cm[0]
            found.append(_Run(tm[4] * cm[0] + cm[4], (height - (tm[5] * cm[3] + cm[5])) * PX_PER_PT,
                              round(size * scale, 2), text))

    page.extract_text(visitor_text=visit)
    return found


def _body_size(pages: list[list[_Run]], anchors: list[dict]) -> float:
    """The size the part's paragraphs are set in: most of the text inside their boxes
    (a short part's notes may outweigh its text)."""
    sizes: Counter = Counter()
    for runs, page_anchors in zip(pages, anchors):
        boxes = [box for anchor, box in page_anchors.items() if PARAGRAPH.search(anchor)]
        for run in runs:
            if any(left <= run.x <= right and top <= run.baseline <= bottom for left, top, right, bottom in boxes):
                sizes[run.size] += len(run.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _lines(runs: list[_Run], body_size: float) -> list[tuple[float, str]]:
    """The page's lines that hold text in the body's size (with the note calls among it),
    top to bottom: (baseline, text)."""
    rows: dict[float, list[_Run]] = {}
    for run in runs:
        key = next((b for b in rows if abs(b - run.baseline) <= SAME_LINE * PX_PER_PT), run.baseline)
        rows.setdefault(key, []).append(run)
    lines = []
    for baseline in sorted(rows):
        row = sorted(rows[baseline], key=lambda run: run.x)
        if any(abs(run.size - body_size) < 0.1 for run in row):
            lines.append((baseline, SPACES.sub(" ", "".join(run.text for run in row)).strip()))
    return lines


def _pitch(pages: list[list[tuple[float, str]]]) -> float:
    steps = [round(b - a, 1) for page in pages for (a, _), (b, _) in zip(page, page[1:])]
    return statistics.mode(steps) if steps else 1.0
