"""Parts: one part of the book laid out alone, then given its page numbers.

A part (the front matter, a chapter, an appendix, a back-matter section) opens
on a recto and numbers its notes afresh: where its lines and pages break does
not depend on where in the book it lands. Only its folios do, and WeasyPrint
makes those last, as margin boxes, from the context it laid the pages out in.
So a part is laid out at page 1, and once the book knows the part's first page
its margin boxes are made again from that context with the page counter moved
(through `weasyprint_internals`): what a layout begun at that page draws (a test
compares the two byte for byte). That is what lets the parts be laid out at the
same time. Without the internals, a part is laid out begun at its own page.

Owns also what a compositor would fix by hand: a note WeasyPrint pushed off
its call's page sends the paragraph that pushed it to the next page; and the
make-up's mends (see `makeup`) are tried on every layout of a chapter.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from weasyprint import CSS, Document, Page

from . import lines, makeup
from . import weasyprint_internals as internals

# Every part is laid out as if it began the book; its folios are moved afterwards.
LAID_OUT_AT = 1
# The print templates give a note the id note-{chapter}-{n}, the empty span at its
# call call-{chapter}-{n}, and the chapter's paragraphs {chapter}-p{n}.
NOTE_ID = re.compile(r"note-(?P<chapter>.+)-(?P<number>\d+)")
CALL_ID = re.compile(r"call-(?P<chapter>.+)-(?P<number>\d+)")
PARAGRAPH_ID = re.compile(r"(?P<chapter>.+)-p(?P<number>\d+)")
# Each pass that moves paragraphs lays the part out again; one is the usual need.
MAX_RELAYOUTS = 3


class Part:
    """A part laid out from page `laid_out_at` (1 unless WeasyPrint's internals cannot be used)."""

    def __init__(self, document: Document, ends_on_verso: bool, laid_out_at: int = LAID_OUT_AT):
        self.document, self.laid_out_at, self.start = document, laid_out_at, laid_out_at
        # The sentinel that ends a part on a verso has a page of its own, dropped here.
        self.pages = document.pages[:-1] if ends_on_verso else document.pages

    def numbered(self, start: int) -> list[Page]:
        """The pages, their folios counted from `start`: their margin boxes made again
        from the layout's context (see `weasyprint_internals.renumber`)."""
        if start != self.start:
            context = internals.layout_context(self.document)
            for number, page in enumerate(self.pages, start=1):
                internals.renumber(page, context, number, start - self.laid_out_at)
            self.start = start
        return self.pages


@lru_cache(maxsize=None)
def first_page(number: int) -> CSS:
    """The stylesheet that numbers a part's first page `number`."""
    return CSS(string=f"@page :first {{ counter-reset: page {number} }}")


def lay_out(html: str, sheets: list[CSS], render: Callable[[str, list[CSS]], Document],
            ends_on_verso: bool, start: int = LAID_OUT_AT) -> Part:
    """The part's document, begun at page `start`, with every note on its call's page."""
    sheets = [*sheets, first_page(start)]

    def with_notes_on_their_pages(html: str) -> Document:
        breaks: set[str] = set()
        document = render(html, sheets)
        for _ in range(MAX_RELAYOUTS):
            more = _paragraphs_to_push(document) - breaks
            if not more:
                break
            breaks |= more
            document = render(_with_page_breaks(html, breaks), sheets)
        return document

    def read(document: Document) -> list[lines.PageLines]:
        read = lines.read(document)
        return read[:-1] if ends_on_verso else read

    return Part(makeup.compose(html, with_notes_on_their_pages, read), ends_on_verso, start)


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
