"""Page breaks: where each page of the print edition begins in the reading edition.

Both editions give the same ids to the same elements (sections, paragraphs,
table rows, conflicts, bibliography entries) and mark each note call (`call-…`
in print, the `ref-…` link in the EPUB); the print layout tells on which page
each id first lands. This module decides, for every print page, the place in
the EPUB where that page begins, puts a page-break marker there, and returns
the targets of the navigation document's page-list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Mapping, Sequence

from lxml import etree

XHTML = "http://www.w3.org/1999/xhtml"
OPS = "http://www.idpf.org/2007/ops"
# A note call is a link in the EPUB and an empty span in print: the same place, two names.
EPUB_TO_PRINT = {"ref-": "call-"}
# Elements that may not hold a <span>: the marker goes before them instead.
NO_PHRASING = frozenset({"ol", "ul", "dl", "table", "thead", "tbody", "tfoot", "nav"})


@dataclass(frozen=True)
class PageBreak:
    page: int
    target: str  # the id of the element the print page begins at


@dataclass(frozen=True)
class PageTarget:
    page: int
    href: str  # file#id of the page's marker


def place(order: Sequence[str], pages: Mapping[str, int], page_count: int,
          sections: Collection[str]) -> list[PageBreak]:
    """One break for every print page, 1 to `page_count`, in page order.

    `order` lists the EPUB's ids in reading order (only those the print layout
    placed), `pages` gives the print page each lands on, `sections` names those
    that open a document (title page, chapters, appendices...). A marker goes at
    the start of its element, or just after it for a note call: the text after a
    call is on the call's page, the text before it may not be.

    - A page on which an element starts begins at the first such element.
    - A page on which none starts is one of three things, told apart by where it lies:
      * a page before everything the EPUB holds (the half-title, which the cover
        replaces, and its blank verso): it goes with the first element;
      * a blank verso: an even page directly before a page that opens a section,
        since the print edition starts every section on a right-hand page; it
        goes with that section's start, the next thing there is to read;
      * otherwise a page wholly inside an element begun earlier (a long paragraph
        without a note call on that page, a table row, a list): it goes with the
        last element begun before it, the nearest known place before its text.
    Markers of pages that share an element stand together, in page order.
    """
    if not order:
        raise ValueError("the EPUB holds no element the print layout placed")
    first_on: dict[int, str] = {}
    for element_id in order:
        first_on.setdefault(pages[element_id], element_id)
    return [PageBreak(page, first_on.get(page) or _unstarted(page, order, pages, first_on, sections))
            for page in range(1, page_count + 1)]


def _unstarted(page: int, order: Sequence[str], pages: Mapping[str, int], first_on: Mapping[int, str],
               sections: Collection[str]) -> str:
    """The element a page with no element of its own goes with (see `place`)."""
    begun = [element_id for element_id in order if pages[element_id] < page]
    if not begun:
        return order[0]
    opens = first_on.get(page + 1)
    if page % 2 == 0 and opens in sections:
        return opens
    return begun[-1]


def mark_pages(trees: Mapping[str, etree._Element], print_pages: Mapping[str, int], page_count: int,
               sections: Collection[str]) -> list[PageTarget]:
    """Put a marker where each print page begins (changing `trees`, XHTML roots by file
    name in spine order); return the page-list, one target for every print page."""
    files, pages = reading_order(trees, print_pages)
    breaks = place(list(files), pages, page_count, sections)
    groups: dict[str, list[int]] = {}
    for brk in breaks:
        groups.setdefault(brk.target, []).append(brk.page)
    for target, numbers in groups.items():
        element = trees[files[target]].xpath("//*[@id=$id]", id=target)[0]
        _insert(element, [_marker(n) for n in numbers])
    return [PageTarget(brk.page, f"{files[brk.target]}#page-{brk.page}") for brk in breaks]


def reading_order(trees: Mapping[str, etree._Element],
                  print_pages: Mapping[str, int]) -> tuple[dict[str, str], dict[str, int]]:
    """For every EPUB element the print layout placed, in reading order: its file and
    its print page, by EPUB id.

    Notes are left out: in print each sits on its call's page, in the EPUB they
    are gathered at the chapter's end, so they say nothing about where a page begins."""
    files: dict[str, str] = {}
    pages: dict[str, int] = {}
    for name, root in trees.items():
        for element in root.iter(f"{{{XHTML}}}*"):
            element_id = element.get("id")
            page = print_pages.get(print_id(element_id)) if element_id else None
            if page is not None and element_id not in files and not _in_note(element):
                files[element_id], pages[element_id] = name, page
    return files, pages


def print_id(epub_id: str) -> str:
    for epub_prefix, print_prefix in EPUB_TO_PRINT.items():
        if epub_id.startswith(epub_prefix):
            return print_prefix + epub_id.removeprefix(epub_prefix)
    return epub_id


def _in_note(element: etree._Element) -> bool:
    return element.tag == f"{{{XHTML}}}aside" or any(True for _ in element.iterancestors(f"{{{XHTML}}}aside"))


def _marker(page: int) -> etree._Element:
    return etree.Element(f"{{{XHTML}}}span", {
        f"{{{OPS}}}type": "pagebreak", "role": "doc-pagebreak", "id": f"page-{page}", "aria-label": str(page)})


def _insert(element: etree._Element, markers: list[etree._Element]) -> None:
    """Inside the element, before its content; in a row's first cell; just after a note
    call; just before a list, table or nav, which may not hold a <span>."""
    local = etree.QName(element).localname
    if local in NO_PHRASING:
        for marker in markers:
            element.addprevious(marker)
        return
    if local == "a":
        markers[-1].tail, element.tail = element.tail, None
        for marker in reversed(markers):
            element.addnext(marker)
        return
    if local == "tr":
        element = element[0]
    markers[-1].tail, element.text = element.text, None
    for index, marker in enumerate(markers):
        element.insert(index, marker)
