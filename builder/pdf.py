"""PDF: lay out the print edition's HTML with WeasyPrint and produce the PDF bytes.

Owns the confinement of every resource WeasyPrint loads to the project's own
folders (WeasyPrint's default fetcher reads any local file), the editions
(tagged PDF/UA by default, PDF/X-4 with bleed and crop marks for the print
shop), turning everything WeasyPrint logs at warning level or above into
problems that name the file, line and column to fix (a typo in a CSS property
would otherwise silently drop the footnotes), and writing the PDF of the book
that `sections` lays out part by part.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from . import sections, tagging
from .confine import Refused, confined, readable
from .frozen import frozen
from .problems import ManuscriptError, Problem, display_path
from .weasyprint_internals import HARMLESS, MISSING_ANCHOR, MISSING_GLYPH, PARSING_CSS, POSITION

EDITIONS = {
    "screen": {"pdf_variant": "pdf/ua-1", "pdf_tags": True},
    # PDF/X-4 for the press: its output intent is the stylesheet's device-cmyk profile,
    # a printing condition (print-shop.css), not WeasyPrint's sRGB, a display profile.
    "print": {"pdf_variant": "pdf/x-4", "output_intent": "device-cmyk"},
}
# What WeasyPrint's messages say is read with the patterns of `weasyprint_internals`
# (their wording is not public): HARMLESS is the one message about the machine rather
# than the book (a face HarfBuzz cannot subset goes to fontTools); PARSING_CSS is how
# WeasyPrint announces each stylesheet on its progress logger before parsing it: its
# warnings give a line and column but not the file, so we note which one it is.
INLINE_CSS = "CSS string"
CSS_HINT = "fix the property or value named here; WeasyPrint drops what it cannot read"
TEMPLATE_HINT = "WeasyPrint could not use this markup; fix the template that writes it"


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
        try:
            path = confined(_file_path(url), self.roots)
        except Refused as refused:
            raise RefusedResource(url, f"the file {refused.reason}") from None
        if not path.is_file():
            raise RefusedResource(url, "no such file")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), headers={"Content-Type": kind})


@dataclass(frozen=True)
class Placement:
    """Where the laid-out book put everything: what the EPUB's page-list needs."""

    page_count: int
    anchor_pages: dict[str, int]  # id -> 1-based page number
    part_count: int
    parts_laid_out: int  # the rest came from the cache


@dataclass(frozen=True)
class Layout(Placement):
    """A laid-out print edition and its PDF."""

    pdf: bytes


@dataclass(frozen=True)
class LaidOutBook:
    """The book laid out, ready to be written as a PDF (unless laid out for its placement only)."""

    placement: Placement
    document: Document | None
    options: dict
    places: "_Places"


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


def lay_out(html: str, base: Path, roots: list[Path], edition: str, shown: dict[str, str],
            cache: sections.LayoutCache | None = None,
            progress: Callable[[str], None] = lambda line: None, pages: bool = True) -> LaidOutBook:
    """Lay out `html`, whose relative links resolve against `base`.

    The HTML is the whole book, with its stylesheets linked, so that the bare
    `weasyprint` command renders it alone; here it is laid out part by part
    (see `sections`), reusing what `cache` kept from the last build if given.
    Without `pages`, only where the pages fall is wanted (for the EPUB's page-list):
    the book has no document to write then.
    `shown` names what an editor sees: "stylesheet" (the main one), "html"."""
    places = _Places(roots, shown)
    options = EDITIONS[edition]
    cache = cache or sections.LayoutCache()
    fetcher = ConfinedFetcher(roots)
    book = sections.cut(html)

    def stylesheets(fonts: FontConfiguration) -> list[CSS]:
        return [CSS(url=url, url_fetcher=fetcher, font_config=fonts, color_profiles=cache.color_profiles)
                for url in book.stylesheets]

    def render(part: str, sheets: list[CSS]) -> Document:
        return HTML(string=part, base_url=str(base) + "/", url_fetcher=fetcher).render(
            stylesheets=sheets, font_config=cache.fonts, color_profiles=cache.color_profiles, **options)

    try:
        with _reported(places):
            cache.start(sections.assets_stamp(book.stylesheets, roots, options), stylesheets)
            laid = sections.lay_out(book, cache, render, progress, pages)
    except BaseException:
        cache.forget()
        raise
    cache.finish()
    placement = Placement(laid.page_count, {anchor: index + 1 for anchor, index in laid.anchor_pages.items()},
                          cache.part_count, cache.laid_out)
    return LaidOutBook(placement, laid.document, options, places)


def write(book: LaidOutBook) -> Layout:
    """The PDF of a laid-out book. Drawing the pages is when WeasyPrint finds a
    character no font has, so this too can end in problems."""
    # Drawing makes millions of short-lived objects; the collections they set off need not
    # rescan the laid-out book each time.
    with frozen(), _reported(book.places):
        pdf = tagging.fix(book.document.write_pdf(**book.options))
    if book.options.get("pdf_variant", "").startswith("pdf/x-"):
        from . import printfile  # pikepdf is loaded for a press's file only

        pdf = printfile.finish(pdf)
    return Layout(**vars(book.placement), pdf=pdf)


@contextmanager
def _reported(places: _Places) -> Iterator[None]:
    """Turn what WeasyPrint logs or refuses while the body runs into problems."""
    with _collected() as collector:
        try:
            yield
        except RefusedResource as refused:
            raise ManuscriptError([places.refusal(refused, collector.source)]) from None
    # A part laid out again repeats its messages: each problem is told once.
    problems = list(dict.fromkeys(places.problem(item) for item in collector.logged
                                  if not HARMLESS.match(item.record.getMessage())))
    if problems:
        raise ManuscriptError(problems)


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
        # Not splitlines(): it also splits at U+2028 and the like, which may be the very
        # character a message is about.
        message = item.record.getMessage().split("\n")[0]
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
            characters = ", ".join(f"“{c}” (U+{ord(c):04X})" if c.isprintable() else f"U+{ord(c):04X}"
                                   for c in dict.fromkeys(glyph[1]))
            return Problem(path, line, col, "P003", f"no font in styles/fonts can print {characters}",
                           "replace the character, or add an open-licensed font that has it to styles/fonts")
        missing = MISSING_ANCHOR.search(message)
        path, line, col = self.in_templates(re.escape(missing[1]) + "[\"']") if missing else self.templates()
        return Problem(path, line, col, "P001", text, TEMPLATE_HINT)

    def refusal(self, refused: RefusedResource, source: str | None) -> Problem:
        target = _file_path(refused.url).name or refused.url
        message = f"refused to load {target!r}: {refused.reason}"
        hint = "keep fonts, images and stylesheets inside the project's styles/ or manuscript/ folders"
        # The name as a reference is written: after a quote, a slash or `url(`, before a quote or `)`.
        written = rf"[\"'/(]{re.escape(target)}[\"')]"
        if source and source != INLINE_CSS:
            line, col = _find(_file_path(source), written) or (1, 1)
            return Problem(self.sheet(source), line, col, "P002", message, hint)
        # Images and backgrounds are fetched during layout, when no stylesheet is being read.
        path, line, col = self.in_templates(written, ("*.j2", "*.css"))
        return Problem(path, line, col, "P002", message, hint)

    def templates(self) -> tuple[str, int, int]:
        return self.shown.get("html", "templates"), 1, 1

    def in_templates(self, pattern: str, globs: tuple[str, ...] = ("*.j2",)) -> tuple[str, int, int]:
        """The first file under the project's folders that matches `pattern`, and where."""
        for root in self.roots:
            for path in sorted(p for glob in globs for p in root.rglob(glob)):
                if readable(path, [root]) and (where := _find(path, pattern)):
                    return display_path(path, root.parent), *where
        return self.templates()


def _position(message: str) -> tuple[int, int]:
    where = POSITION.search(message)
    return (int(where[1]), int(where[2])) if where else (1, 1)


def _find(path: Path, pattern: str) -> tuple[int, int] | None:
    """Line and column of the first match of `pattern` in a text file."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")  # not splitlines(): it breaks at U+2028 too
    except (OSError, UnicodeDecodeError):
        return None
    for number, text in enumerate(lines, start=1):
        if found := re.search(pattern, text):
            return number, found.start() + 1
    return None
