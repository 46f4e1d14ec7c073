"""PDF: lay out the print edition's HTML with WeasyPrint and produce the PDF bytes.

Owns the confinement of every resource WeasyPrint loads to the project's own
folders (WeasyPrint's default fetcher reads any local file), the editions
(tagged PDF/UA by default, PDF/X-4 with bleed and crop marks for the print
shop), and turning WeasyPrint's log warnings about our CSS into problems: a
typo in a CSS property would otherwise silently drop the footnotes.
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

from .problems import ManuscriptError, Problem

EDITIONS = {
    "screen": {"pdf_variant": "pdf/ua-1", "pdf_tags": True},
    "print": {"pdf_variant": "pdf/x-4"},
}
# Messages WeasyPrint logs about the machine rather than about the manuscript.
HARMLESS = re.compile(r"libharfbuzz-subset|fontTools|Anchor defined twice", re.I)


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
        path = Path(unquote(urlsplit(url).path)).resolve()
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


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _collected_warnings() -> Iterator[_Collector]:
    logger = logging.getLogger("weasyprint")
    collector = _Collector()
    logger.addHandler(collector)
    previous, logger.propagate = logger.propagate, False
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
        logger.propagate = previous


def layout(html: str, base: Path, roots: list[Path], edition: str, shown: dict[str, str]) -> Layout:
    """Render `html` (whose relative links resolve against `base`) to a PDF.

    Stylesheets come from the document's own <link>s, so the HTML alone,
    given to the bare `weasyprint` command, renders the same book."""
    fetcher = ConfinedFetcher(roots)
    fonts = FontConfiguration()
    with _collected_warnings() as collector:
        try:
            document: Document = HTML(string=html, base_url=str(base) + "/", url_fetcher=fetcher).render(
                font_config=fonts, **EDITIONS[edition])
            pdf = document.write_pdf(**EDITIONS[edition])
        except RefusedResource as refused:
            raise ManuscriptError([_refusal(refused, shown)]) from None
    problems = [_warning_problem(r, shown) for r in collector.records if not HARMLESS.search(r.getMessage())]
    if problems:
        raise ManuscriptError(problems)
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            anchors.setdefault(anchor, number)
    return Layout(pdf, len(document.pages), anchors)


def _refusal(refused: RefusedResource, shown: dict[str, str]) -> Problem:
    target = unquote(urlsplit(refused.url).path).rsplit("/", 1)[-1] or refused.url
    path = shown.get("stylesheet", "styles")
    return Problem(path, 1, 1, "P002", f"refused to load {target!r}: {refused.reason}",
                   "keep fonts, images and stylesheets inside the project's styles/ or manuscript/ folders")


def _warning_problem(record: logging.LogRecord, shown: dict[str, str]) -> Problem:
    message = record.getMessage()
    where = re.search(r"at (\d+):(\d+)", message)
    line, col = (int(where[1]), int(where[2])) if where else (1, 1)
    path = shown.get("stylesheet", "styles") if "Ignored" in message or "CSS" in message else shown.get("html", "templates")
    return Problem(path, line, col, "P001", f"WeasyPrint {record.levelname.lower()}: {message.splitlines()[0]}",
                   "fix the property or value named here; WeasyPrint drops what it cannot read")
