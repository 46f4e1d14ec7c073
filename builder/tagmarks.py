"""Tag marks: what each of the PDF's structure elements was made from. WEASYPRINT-PRIVATE.

WeasyPrint 70 builds the PDF's structure tree page by page, in its private
`weasyprint.pdf.tags._build_box_tree`: an element split over two pages becomes two
structure elements, an anonymous box a third, and none of them says which HTML
element it stands for. Nothing public tells. While `marked()` is in force, every
structure element that function makes carries a `/PBMark` entry, a JSON object:

- `n`: a number shared by every fragment and anonymous box of one HTML element
  (its pseudo-elements have the element's number and their own `tag`);
- `tag`: the box's element tag, `a::after` for a pseudo-element;
- `id`, `class`, `href`, `scope`, `aria-label`: those attributes of the element;
- `text`: a link's text, or the text a pseudo-element generates;
- `leader`: a `leader()` box; `footnote-area`: the area at the page's foot.

`tagging.fix` reads the marks from the written PDF and removes them. This module
is the only one that reaches into WeasyPrint for the structure tree. It checks at
import that the function it wraps is still the one it was written for; if not,
`marked()` changes nothing and `tagging.fix` works from WeasyPrint's own tags alone
(a valid tree, but without the joins, notes and contents that need the marks; the
test suite then fails, so such a WeasyPrint is not shipped unnoticed).
"""

from __future__ import annotations

import inspect
import json
from contextlib import contextmanager
from typing import Iterator

import pydyf
from weasyprint.formatting_structure import boxes
from weasyprint.pdf import tags as weasyprint_tags

MARK = "PBMark"
ATTRIBUTES = ("id", "class", "href", "scope", "aria-label")
EXPECTED = ["box", "parent", "pdf", "page_number", "nums", "annotations", "tags"]

_build_box_tree = getattr(weasyprint_tags, "_build_box_tree", None)
AVAILABLE = (callable(_build_box_tree) and hasattr(boxes, "FootnoteAreaBox")
             and list(inspect.signature(_build_box_tree).parameters) == EXPECTED)


@contextmanager
def marked() -> Iterator[None]:
    """Mark every structure element WeasyPrint makes meanwhile (see the module's docstring)."""
    if not AVAILABLE:
        yield
        return
    numbers: dict[int, tuple[int, object]] = {}  # id(element) -> (number, element kept alive)

    def number(element) -> int | None:
        if element is None:
            return None
        return numbers.setdefault(id(element), (len(numbers), element))[0]

    def build(box, parent, *rest):
        for made in _build_box_tree(box, parent, *rest):
            if MARK not in made:  # the outermost call for this box: the element is the box's own
                made[MARK] = pydyf.String(json.dumps(_describe(box, number(box.element)), separators=(",", ":")))
            yield made

    weasyprint_tags._build_box_tree = build
    try:
        yield
    finally:
        weasyprint_tags._build_box_tree = _build_box_tree


def _describe(box, number: int | None) -> dict:
    mark: dict = {"n": number, "tag": box.element_tag if box.element is not None else None}
    if box.element is not None:
        mark.update((name, box.element.get(name)) for name in ATTRIBUTES if box.element.get(name))
        if box.element_tag == "a":
            mark["text"] = "".join(box.element.itertext())
    if "::" in (mark["tag"] or ""):
        mark["text"] = "".join(child.text for child in box.descendants() if isinstance(child, boxes.TextBox))
    if box.is_leader:
        mark["leader"] = True
    if isinstance(box, boxes.FootnoteAreaBox):
        mark["footnote-area"] = True
    return mark
