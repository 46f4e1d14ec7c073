"""PDF: lay out the print edition's HTML with WeasyPrint and produce the PDF bytes.

Owns the confinement of every resource WeasyPrint loads to the project's own
folders (WeasyPrint's default fetcher reads any local file), the editions
(tagged PDF/UA by default, PDF/X-4 with bleed and crop marks for the print
shop), turning everything WeasyPrint logs at warning level or above into
problems that name the file, line and column to fix (a typo in a CSS property
would otherwise silently drop the footnotes), and keeping every note on the
page of its call where WeasyPrint would move it.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .problems import ManuscriptError, Problem, display_path

EDITIONS = {
    "screen": {"pdf_variant": "pdf/ua-1", "pdf_tags": True},
    # PDF/X needs an output intent; WeasyPrint ships an sRGB profile to use as one.
    "print": {"pdf_variant": "pdf/x-4", "output_intent": "srgb"},
}
# The one message about the machine rather than the book: without Debian's
# libharfbuzz-subset0, fontTools subsets the fonts (slower, same glyphs).
HARMLESS = re.compile(r"Using fontTools instead of HarfBuzz-Subset for font ")
# WeasyPrint announces each stylesheet on its progress logger before parsing it;
# its warnings give a line and column but not the file, so we note which one it is.
PARSING_CSS = re.compile(r"Step 2 - Fetching and parsing CSS - (.+)")
INLINE_CSS = "CSS string"
CSS_HINT = "fix the property or value named here; WeasyPrint drops what it cannot read"
TEMPLATE_HINT = "WeasyPrint could not use this markup; fix the template that writes it"
# The print templates give a note the id note-{chapter}-{n}, the empty span at its
# call call-{chapter}-{n}, and the chapter's paragraphs {chapter}-p{n}.
NOTE_ID = re.compile(r"note-(?P<chapter>.+)-(?P<number>\d+)")
CALL_ID = re.compile(r"call-(?P<chapter>.+)-(?P<number>\d+)")
MISSING_ANCHOR = re.compile(r"No anchor (#\S+)")
PARAGRAPH_ID = re.compile(r"(?P<chapter>.+)-p(?P<number>\d+)")
# Each pass that moves paragraphs lays the whole book out again; one is the usual need.
MAX_RELAYOUTS = 3


class RefusedResource(FatalURLFetchingError):
    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url, self.reason = url, reason


class ConfinedFetcher(URLFetcher):
    """Fetches only `data:` URLs and files inside the given folders; refuses the rest."""

    def __init__(self, roots: list[Path]):
        super().__init__()
        self.roots = [r.resolve() for r in roots]

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedResource(url, "only files inside the project may be used; the network is off limits")
        path = _file_path(url).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise RefusedResource(url, "the file lies outside the project")
        if not path.is_file():
            raise RefusedResource(url, "no such file")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), headers={"Content-Type": kind})


@dataclass(frozen=True)
class Layout:
    """A laid-out print edition: the PDF bytes and where each id landed."""

    pdf: bytes
    page_count: int
    anchor_pages: dict[str, int]  # id -> 1-based page number


@dataclass(frozen=True)
class Logged:
    """One WeasyPrint message and the stylesheet it was parsing then (None: the document)."""

    record: logging.LogRecord
    source: str | None


class _Collector(logging.Handler):
    """Keeps every warning and error, each with the source being read when it came."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.source: str | None = None
        self.logged: list[Logged] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            self.logged.append(Logged(record, self.source))
        elif message.startswith("Step "):
            parsing = PARSING_CSS.fullmatch(message)
            self.source = parsing[1] if parsing else None


@contextmanager
def _collected() -> Iterator[_Collector]:
    """Route WeasyPrint's messages, progress included, to a collector and nowhere else."""
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    level, propagate = logger.level, logger.propagate
    # INFO for the progress messages; and no level set elsewhere can hide a warning.
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.setLevel(level)
        logger.propagate = propagate


def layout(html: str, base: Path, roots: list[Path], edition: str, shown: dict[str, str]) -> Layout:
    """Render `html` (whose relative links resolve against `base`) to a PDF.

    Stylesheets come from the document's own <link>s, so the HTML alone,
    given to the bare `weasyprint` command, renders the same book.
    `shown` names what an editor sees: "stylesheet" (the main one), "html"."""
    places = _Places(roots, shown)
    options = EDITIONS[edition]
    with _collected() as collector:
        try:
            document = _render(html, base, roots, options)
            breaks: set[str] = set()
            for _ in range(MAX_RELAYOUTS):
                more = _paragraphs_to_push(document) - breaks
                if not more:
                    break
                breaks |= more
                document = _render(_with_page_breaks(html, breaks), base, roots, options)
            pdf = document.write_pdf(**options)
        except RefusedResource as refused:
            raise ManuscriptError([places.refusal(refused, collector.source)]) from None
    # A book laid out again repeats its messages: each problem is told once.
    problems = list(dict.fromkeys(places.problem(item) for item in collector.logged
                                  if not HARMLESS.match(item.record.getMessage())))
    if problems:
        raise ManuscriptError(problems)
    return Layout(pdf, len(document.pages), _anchor_pages(document))


def _render(html: str, base: Path, roots: list[Path], options: dict) -> Document:
    return HTML(string=html, base_url=str(base) + "/", url_fetcher=ConfinedFetcher(roots)).render(
        font_config=FontConfiguration(), **options)


def _paragraphs_to_push(document: Document) -> set[str]:
    """Paragraphs to start on a new page so that every note stays on its call's page.

    To fit the first lines of a paragraph at the foot of a page, WeasyPrint 70 moves
    the page's last notes to the next page (its answer to upstream issue #2432) where
    breaking before the paragraph would keep them. For each note so moved, this names
    the last paragraph of its chapter that begins on the call's page: breaking before
    it is what a compositor would do. A paragraph with nothing of its chapter above it
    on the page (a chapter's first, under its title) is never pushed: that would leave
    the page empty."""
    pages = _anchor_pages(document)
    pushed = set()
    for anchor, note_page in pages.items():
        note = NOTE_ID.fullmatch(anchor)
        call_page = pages.get(f"call-{note['chapter']}-{note['number']}") if note else None
        if call_page is None or note_page <= call_page:
            continue
        culprit = _last_paragraph_below_text(document.pages[call_page - 1].anchors, note["chapter"])
        if culprit:
            pushed.add(culprit)
    return pushed


def _last_paragraph_below_text(anchors: dict[str, tuple[float, ...]], chapter: str) -> str | None:
    """The chapter's last paragraph to begin on a page, if some paragraph or note call of
    the chapter lies above it there."""
    def of_chapter(anchor: str) -> bool:
        found = PARAGRAPH_ID.fullmatch(anchor) or CALL_ID.fullmatch(anchor)
        return bool(found) and found["chapter"] == chapter

    starts = [(int(p["number"]), p[0]) for p in map(PARAGRAPH_ID.fullmatch, anchors)
              if p and p["chapter"] == chapter]
    if not starts:
        return None
    last = max(starts)[1]
    top = anchors[last][1]
    # An anchor's box is (left, top, right, bottom) on its page.
    return last if any(box[1] < top for anchor, box in anchors.items() if of_chapter(anchor)) else None


def _with_page_breaks(html: str, paragraph_ids: set[str]) -> str:
    rules = "".join(f'[id="{i}"] {{ break-before: page; }}' for i in sorted(paragraph_ids))
    return html.replace("</head>", f"<style>{rules}</style>\n</head>", 1)


def _anchor_pages(document: Document) -> dict[str, int]:
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            anchors.setdefault(anchor, number)
    return anchors


def _file_path(url: str) -> Path:
    return Path(unquote(urlsplit(url).path))


class _Places:
    """Turns what WeasyPrint logged or refused into problems at the editor's paths."""

    def __init__(self, roots: list[Path], shown: dict[str, str]):
        self.roots = [r.resolve() for r in roots]
        self.shown = shown

    def sheet(self, url: str) -> str:
        """A stylesheet's path as the editor knows it, e.g. styles/print.css."""
        path = _file_path(url).resolve()
        for root in self.roots:
            if path.is_relative_to(root):
                return display_path(path, root.parent)
        return self.shown.get("stylesheet", "styles")

    def problem(self, item: Logged) -> Problem:
        message = item.record.getMessage().splitlines()[0]
        text = f"WeasyPrint {item.record.levelname.lower()}: {message}"
        line, col = _position(message)
        if item.source and item.source != INLINE_CSS:
            return Problem(self.sheet(item.source), line, col, "P001", text, CSS_HINT)
        if item.source == INLINE_CSS:
            return Problem(self.shown.get("html", "templates"), line, col, "P001",
                           f"in a <style> element: {text}", CSS_HINT)
        glyph = MISSING_GLYPH.search(message)
        if glyph:
            # Usually pasted text: name the manuscript file and place the character sits in.
            path, line, col = self.in_templates(re.escape(glyph[1][0]), ("*.j2", "*.yaml"))
            characters = ", ".join(f"“{c}” (U+{ord(c):04X})" for c in dict.fromkeys(glyph[1]))
            return Problem(path, line, col, "P003", f"no font in styles/fonts can print {characters}",
                           "replace the character, or add an open-licensed font that has it to styles/fonts")
        missing = MISSING_ANCHOR.search(message)
        path, line, col = self.in_templates(re.escape(missing[1]) + "[\"']") if missing else self.templates()
        return Problem(path, line, col, "P001", text, TEMPLATE_HINT)

    def refusal(self, refused: RefusedResource, source: str | None) -> Problem:
        target = _file_path(refused.url).name or refused.url
        message = f"refused to load {target!r}: {refused.reason}"
        hint = "keep fonts, images and stylesheets inside the project's styles/ or manuscript/ folders"
        if source and source != INLINE_CSS:
            line, col = _find(_file_path(source), re.escape(target)) or (1, 1)
            return Problem(self.sheet(source), line, col, "P002", message, hint)
        path, line, col = self.in_templates(re.escape(target))
        return Problem(path, line, col, "P002", message, hint)

    def templates(self) -> tuple[str, int, int]:
        return self.shown.get("html", "templates"), 1, 1

    def in_templates(self, pattern: str, globs: tuple[str, ...] = ("*.j2",)) -> tuple[str, int, int]:
        """The first file under the project's folders that matches `pattern`, and where."""
        for root in self.roots:
            for path in sorted(p for glob in globs for p in root.rglob(glob)):
                if where := _find(path, pattern):
                    return display_path(path, root.parent), *where
        return self.templates()


MISSING_GLYPH = re.compile(r'unsupported by fonts: "(.+)"')


def _position(message: str) -> tuple[int, int]:
    where = re.search(r"at (\d+):(\d+)", message)
    return (int(where[1]), int(where[2])) if where else (1, 1)


def _find(path: Path, pattern: str) -> tuple[int, int] | None:
    """Line and column of the first match of `pattern` in a text file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, text in enumerate(lines, start=1):
        if found := re.search(pattern, text):
            return number, found.start() + 1
    return None
