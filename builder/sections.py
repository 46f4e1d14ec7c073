"""Sections: the print book laid out part by part, and only the parts an edit touched.

The book's HTML is one document (the bare `weasyprint` command renders it as
is). Here it is cut at every chapter, appendix and back-matter section: each
opens on a recto and numbers its notes afresh, so its layout depends only on
its own HTML and its first page number. Each part is laid out alone, with the
page counter starting where the part starts and a sentinel that turns a
recto ending into the blank verso the single document would have; the parts'
pages are then joined into one WeasyPrint document, so the PDF's structure
tree, outline, links and fonts are those of a single book. The contents'
page numbers come from where the parts landed, settled before the front
matter is laid out for the last time.

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

from .confine import readable

# Top-level elements of these classes open a part; everything before the first is the front.
PART_CLASSES = frozenset({"chapter", "appendix", "back"})
# Closes every part but the last: it starts on a recto, so the part's own last page is
# followed by a blank verso exactly when the next part would need one. Its page is dropped.
SENTINEL = '<div class="part-end" style="break-before: right"></div>'
# The print templates give a note the id note-{chapter}-{n}, the empty span at its
# call call-{chapter}-{n}, and the chapter's paragraphs {chapter}-p{n}.
NOTE_ID = re.compile(r"note-(?P<chapter>.+)-(?P<number>\d+)")
CALL_ID = re.compile(r"call-(?P<chapter>.+)-(?P<number>\d+)")
PARAGRAPH_ID = re.compile(r"(?P<chapter>.+)-p(?P<number>\d+)")
# Each pass that moves paragraphs lays the part out again; one is the usual need.
MAX_RELAYOUTS = 3
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

    def finish(self) -> None:
        """End a good build: keep only the parts it used, so memory does not grow per edit."""
        self.parts = {key: self.parts[key] for key in self.used}

    def forget(self) -> None:
        """After a failed build, or for new stylesheets: lay everything out again next time."""
        self.stamp, self.parts, self.numbers = None, {}, {}
        self.fonts = FontConfiguration()


def lay_out(book: Book, cache: LayoutCache, render: Callable[[str, list[CSS]], Document],
            progress: Callable[[str], None] = lambda line: None) -> Document:
    """The whole book as one document, its parts laid out (or taken from the cache) alone.
    A long book reports its progress at each tenth of its parts."""
    numbers, wanted = cache.numbers, _links(book.front)
    tenth = len(book.parts) // 10 if len(book.parts) >= PROGRESS_FROM else 0
    with _laid_out_parts_frozen():
        for front_pass in range(MAX_FRONT_PASSES):
            keys = [(with_page_numbers(book.front, numbers), 1)]
            front = _part(*keys[0], bool(book.parts), cache, book, render)
            pages, placed = list(front.pages), {}
            for index, part in enumerate(book.parts):
                keys.append((part, len(pages) + 1))
                laid = _part(*keys[-1], index < len(book.parts) - 1, cache, book, render).pages
                placed.update((anchor, len(pages) + 1 + offset) for anchor, offset in anchor_pages(laid).items())
                pages += laid
                if tenth and (index + 1) % tenth == 0 and front_pass == 0:
                    progress(f"laying out: {index + 1} of {len(book.parts)} parts, {len(pages)} pages")
            settled = {anchor: placed[anchor] for anchor in wanted if anchor in placed}
            if settled == numbers:
                break
            numbers = settled
    cache.numbers = numbers
    cache.part_count, cache.laid_out = len(keys), len(cache.fresh.intersection(keys))
    # The front's document lends the whole book its metadata, fonts and output intent.
    return front.document.copy(pages)


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


@dataclass(frozen=True)
class LaidOutPart:
    document: Document
    pages: list[Page]  # without the sentinel's page


def _part(body: str, start: int, ends_on_verso: bool, cache: LayoutCache, book: Book,
          render: Callable[[str, list[CSS]], Document]) -> LaidOutPart:
    key = (body, start)
    cache.used.add(key)
    if key not in cache.parts:
        html = book.opening + body + (SENTINEL if ends_on_verso else "") + book.closing
        sheets = [*cache.sheets, CSS(string=f"@page :first {{ counter-reset: page {start} }}")]
        document = render(html, sheets)
        breaks: set[str] = set()
        for _ in range(MAX_RELAYOUTS):
            more = _paragraphs_to_push(document) - breaks
            if not more:
                break
            breaks |= more
            document = render(_with_page_breaks(html, breaks), sheets)
        cache.parts[key] = LaidOutPart(document, document.pages[:-1] if ends_on_verso else document.pages)
        cache.fresh.add(key)
        gc.collect()  # this part's garbage, before its pages are frozen too
        gc.freeze()
    return cache.parts[key]


def _links(front: str) -> set[str]:
    return set(INTERNAL_LINK.findall(front))


def anchor_pages(pages: list[Page]) -> dict[str, int]:
    """Each anchor's page, as an index into `pages`."""
    anchors: dict[str, int] = {}
    for number, page in enumerate(pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, number)
    return anchors


def _paragraphs_to_push(document: Document) -> set[str]:
    """Paragraphs to start on a new page so that every note stays on its call's page.

    To fit the first lines of a paragraph at the foot of a page, WeasyPrint 70 moves
    the page's last notes to the next page (its answer to upstream issue #2432) where
    breaking before the paragraph would keep them. For each note so moved, this names
    the last paragraph of its chapter that begins on the call's page: breaking before
    it is what a compositor would do. A paragraph with nothing of its chapter above it
    on the page (a chapter's first, under its title) is never pushed: that would leave
    the page empty."""
    pages = anchor_pages(document.pages)
    pushed = set()
    for anchor, note_page in pages.items():
        note = NOTE_ID.fullmatch(anchor)
        call_page = pages.get(f"call-{note['chapter']}-{note['number']}") if note else None
        if call_page is None or note_page <= call_page:
            continue
        culprit = _last_paragraph_below_text(document.pages[call_page].anchors, note["chapter"])
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


def assets_stamp(stylesheets: tuple[str, ...], roots: list[Path], options: dict) -> str:
    """What every part's layout depends on besides its HTML: the stylesheets and every file
    they or the prose may load (fonts, images), and the edition."""
    digest = hashlib.sha256(repr((stylesheets, sorted(options.items()))).encode())
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix not in (".yaml", ".j2") and readable(path, [root]):
                digest.update(path.as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
