"""Sections: the print book laid out part by part, and only the parts an edit touched.

The book's HTML is one document (the bare `weasyprint` command renders it as
is). Here it is cut at every chapter, appendix and back-matter section: each
opens on a recto and numbers its notes afresh, so its layout does not depend
on where it lands (see `parts`). The parts are laid out alone, on every core
(see `workers`), each with a sentinel that turns a recto ending into the blank
verso the single document would have; once their page counts say where each
begins, their folios are set and their pages joined into one WeasyPrint
document, so the PDF's structure tree, outline, links and fonts are those of a
single book. The contents' page numbers come from where the parts landed,
settled before the front matter is laid out for the last time.

A `LayoutCache` kept by a long-lived process (`builder watch`) keeps each
part's pages under its HTML and first page, so an edit lays out only its own
chapter, unless it moves the chapters after it.
"""

from __future__ import annotations

import gc
import hashlib
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from lxml import html as lxml_html
from weasyprint import CSS
from weasyprint.document import Document, Page
from weasyprint.text.fonts import FontConfiguration

from . import parts
from .confine import readable
from .parts import anchor_pages
from .workers import Extent, Layouts

# Top-level elements of these classes open a part; everything before the first is the front.
PART_CLASSES = frozenset({"chapter", "appendix", "back"})
# Closes every part but the last: it starts on a recto, so the part's own last page is
# followed by a blank verso exactly when the next part would need one. Its page is dropped.
SENTINEL = '<div class="part-end" style="break-before: right"></div>'
# Laying out the front matter with the final numbers could, in theory, change its length.
MAX_FRONT_PASSES = 3
# A link to a place in the book, as lxml writes it.
INTERNAL_LINK = re.compile(r'<a href="#([^"]+)"')
# A book of this many parts or more reports its layout's progress.
PROGRESS_FROM = 30


@dataclass(frozen=True)
class Book:
    """The book's HTML cut into parts; `opening` + a part's body + `closing` is a document."""

    opening: str
    closing: str
    front: str
    parts: tuple[str, ...]
    stylesheets: tuple[str, ...]  # URLs of the linked stylesheets, parsed once per cache


def cut(html: str) -> Book:
    """Cut the book's HTML at each part; the linked stylesheets are taken out of the head."""
    tree = lxml_html.document_fromstring(html)
    head, body = tree.find("head"), tree.find("body")
    sheets = [link for link in head.iter("link") if link.get("rel") == "stylesheet"]
    for link in sheets:
        head.remove(link)
    groups: list[list[str]] = [[]]
    for element in body:
        if not isinstance(element.tag, str):
            continue  # a comment
        if PART_CLASSES & set(element.get("class", "").split()) and groups[-1]:
            groups.append([])
        groups[-1].append(lxml_html.tostring(element, encoding="unicode", with_tail=False))
    for element in list(body):
        body.remove(element)
    shell = lxml_html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")
    opening, closing = shell.split("</body>")
    return Book(opening, "</body>" + closing, "".join(groups[0]),
                tuple("".join(g) for g in groups[1:]), tuple(link.get("href") for link in sheets))


def with_page_numbers(front: str, pages: dict[str, int]) -> str:
    """The front matter with the page of each internal link's target as `data-page`, which
    the stylesheet shows where the single document would use target-counter()."""
    def numbered(match: re.Match) -> str:
        return f'{match[0]} data-page="{pages.get(match[1], "")}"'
    return INTERNAL_LINK.sub(numbered, front)


class LayoutCache:
    """Each part's laid-out pages, under its HTML and first page, for one set of stylesheets,
    fonts and images. Any change to those starts the cache afresh."""

    def __init__(self) -> None:
        self.stamp: str | None = None
        self.parts: dict[tuple[str, int], LaidOutPart] = {}
        self.used: set[tuple[str, int]] = set()
        self.fresh: set[tuple[str, int]] = set()
        self.numbers: dict[str, int] = {}
        self.fonts = FontConfiguration()
        # The sheets' @color-profile rules: WeasyPrint reads them into the dict given to CSS()
        # and writes the output intent from the dict given to render(): it must be this one.
        self.color_profiles: dict = {}
        self.sheets: list[CSS] = []
        # Of the last build's parts, how many there were and how many were laid out anew.
        self.part_count = self.laid_out = 0

    def start(self, stamp: str, load_sheets: Callable[[FontConfiguration], list[CSS]]) -> None:
        """Begin a build: keep what was laid out only if nothing it depends on changed."""
        if stamp != self.stamp:
            self.forget()
            self.sheets = load_sheets(self.fonts)
            self.stamp = stamp
        self.used, self.fresh = set(), set()

    def extents(self) -> dict[str, Extent]:
        """The page count and anchors of each part kept, by its HTML: the same wherever it lands."""
        return {body: (len(part.pages), anchor_pages(part.pages)) for (body, _), part in self.parts.items()}

    def keep(self, key: tuple[str, int], make: Callable[[], LaidOutPart]) -> LaidOutPart:
        """The part kept under `key`, or the one `make` makes, kept from now on."""
        self.used.add(key)
        if key not in self.parts:
            self.parts[key] = make()
            self.fresh.add(key)
        return self.parts[key]

    def finish(self) -> None:
        """End a good build: keep only the parts it used, so memory does not grow per edit."""
        self.parts = {key: self.parts[key] for key in self.used}

    def forget(self) -> None:
        """After a failed build, or for new stylesheets: lay everything out again next time."""
        self.stamp, self.parts, self.numbers = None, {}, {}
        self.fonts, self.color_profiles = FontConfiguration(), {}


@dataclass(frozen=True)
class LaidOutPart:
    pages: list[Page]
    # Kept for the front matter only: its document lends the book its metadata, and its
    # layout context the SVG images of the parts laid out by workers.
    part: parts.Part | None = None


def lay_out(book: Book, cache: LayoutCache, render: Callable[[str, list[CSS]], Document],
            progress: Callable[[str], None] = lambda line: None) -> Document:
    """The whole book as one document, its parts laid out (or taken from the cache) alone,
    on every core. A long book reports its progress at each tenth of its parts.

    Parts whose HTML is new are handed to the workers first. Their page counts and the
    front matter settle where every part begins, and the contents' page numbers; only
    then are the parts numbered and gathered. A part kept from the last build at another
    first page is laid out again (its folios were made in a process long gone)."""
    def lay_out_part(body: str, ends_on_verso: bool) -> parts.Part:
        html = book.opening + body + (SENTINEL if ends_on_verso else "") + book.closing
        return parts.lay_out(html, cache.sheets, render, ends_on_verso)

    ends = [index < len(book.parts) - 1 for index in range(len(book.parts))]
    known, numbers, wanted = cache.extents(), cache.numbers, _links(book.front)
    tenth = len(book.parts) // 10 if len(book.parts) >= PROGRESS_FROM else 0
    with _laid_out_parts_frozen(), Layouts(lay_out_part, cache.fonts, lambda url: front.part.context
                                           .get_image_from_uri(url=url)) as layouts:
        layouts.start({index: (body, ends[index]) for index, body in enumerate(book.parts) if body not in known})
        for front_pass in range(MAX_FRONT_PASSES):
            front_key = (with_page_numbers(book.front, numbers), 1)
            front = cache.keep(front_key, lambda: _front(lay_out_part(front_key[0], bool(book.parts))))
            starts, placed, page = [], {}, len(front.pages) + 1
            for index, body in enumerate(book.parts):
                count, anchors = known[body] if body in known else layouts.extent(index)
                starts.append(page)
                if front_pass == 0 and body not in known:
                    layouts.place({index: page})  # so the worker can send it numbered meanwhile
                placed.update((anchor, page + offset) for anchor, offset in anchors.items())
                page += count
                if tenth and (index + 1) % tenth == 0 and front_pass == 0:
                    progress(f"laying out: {index + 1} of {len(book.parts)} parts, {page - 1} pages")
            settled = {anchor: placed[anchor] for anchor in wanted if anchor in placed}
            if settled == numbers:
                break
            numbers = settled
        keys = list(zip(book.parts, starts))
        layouts.start({index: (body, ends[index]) for index, (body, start) in enumerate(keys)
                       if body in known and (body, start) not in cache.parts})
        layouts.place({index: key[1] for index, key in enumerate(keys) if key not in cache.parts})
        pages = list(front.pages)
        for index, key in enumerate(keys):
            pages += cache.keep(key, lambda: LaidOutPart(layouts.pages(index))).pages
    cache.numbers = numbers
    cache.part_count, cache.laid_out = len(keys) + 1, len(cache.fresh.intersection([front_key, *keys]))
    return front.part.document.copy(pages)


def _front(part: parts.Part) -> LaidOutPart:
    parts.keep_out_of_collection()
    return LaidOutPart(part.pages, part=part)


@contextmanager
def _laid_out_parts_frozen() -> Iterator[None]:
    """What is in memory when the layout starts (the parts kept from the last build among
    it), and then each part's pages once made, are frozen: Python's collector leaves them
    alone until the whole book is laid out. They live until the PDF is written anyway,
    and rescanning the book so far at every collection took a quarter of a long book's
    layout; so each collection looks only at what the part being laid out made."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _links(front: str) -> set[str]:
    return set(INTERNAL_LINK.findall(front))


def assets_stamp(stylesheets: tuple[str, ...], roots: list[Path], options: dict) -> str:
    """What every part's layout depends on besides its HTML: the stylesheets and every file
    they or the prose may load (fonts, images), and the edition."""
    digest = hashlib.sha256(repr((stylesheets, sorted(options.items()))).encode())
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix not in (".yaml", ".j2") and readable(path, [root]):
                digest.update(path.as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
