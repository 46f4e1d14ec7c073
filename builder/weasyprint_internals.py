"""WeasyPrint internals: every use of WeasyPrint's and pydyf's non-public code, in one place.

The fast layout (parts laid out alone, on every core, their folios set once their
first page is known, their pages pickled between processes and kept on disk) and
two speed-ups of writing the PDF need WeasyPrint's and pydyf's undocumented
insides. Each use below is named and says which public behaviour it stands in
for. At import, this module checks that everything it uses is there, shaped as
it expects, in a WeasyPrint release it was tested with; only then does it
install its two speed-ups. When the check fails, `PROBLEM` says why, nothing
here is used, and the builder lays the book out with WeasyPrint's public API
alone (see `sections`): the same book, more slowly.

Setting the environment variable BUILDER_PUBLIC_API_ONLY (to anything but "")
fails the check on purpose: the way to compare both paths, or to keep building
should a WeasyPrint release pass the check and still misbehave.

The two speed-ups are installed once and for all, never applied and removed
around a build, so that no signal (the build's time limit) can leave them half
in place.
"""

from __future__ import annotations

import copy
import inspect
import io
import json
import os
import pickle
import re
from functools import partial, wraps
from pathlib import Path
from types import FunctionType
from typing import Callable

import pydyf
import uharfbuzz as hb
import weasyprint
from weasyprint import Document, Page
from weasyprint.text.fonts import FontConfiguration

from . import freshness

try:
    from weasyprint import layout as weasy_layout
    from weasyprint.formatting_structure import boxes as weasy_boxes
    from weasyprint.formatting_structure import build as weasy_build
    from weasyprint.images import SVGImage
    from weasyprint.layout import LayoutContext
    from weasyprint.layout.background import layout_backgrounds
    from weasyprint.layout.page import make_margin_boxes
    from weasyprint.pdf import fonts as pdf_fonts
    from weasyprint.pdf import tags as pdf_tags
except ImportError as missing:
    NOT_IMPORTED: str | None = f"WeasyPrint {weasyprint.__version__} has no {missing.name}"
    SVGImage = LayoutContext = object  # only named in annotations and type tests then
else:
    NOT_IMPORTED = None

# The releases this module was tested with (bench/other_weasyprint.py tries the others).
TESTED = ("70.",)
FORCED_OFF = freshness.PUBLIC_API_ONLY
WEASYPRINT = Path(weasyprint.__file__).parent

# What WeasyPrint logs is public (its logger is); the wording of its messages is not.
# pdf.py reads these to name the file and line a problem is at. Should the wording
# change, every warning still stops the build, only placed at line 1 of the templates.
PARSING_CSS = re.compile(r"Step 2 - Fetching and parsing CSS - (.+)")
HARMLESS = re.compile(r"Using fontTools instead of HarfBuzz-Subset for font ")
MISSING_ANCHOR = re.compile(r"No anchor (#\S+)")
MISSING_GLYPH = re.compile(r'unsupported by fonts: "(.+)"')
POSITION = re.compile(r"at (\d+):(\d+)")
# Where WeasyPrint writes each of them, as its source has it.
WORDING = {
    "__init__.py": "Step 2 - Fetching and parsing CSS - %s",
    "pdf/fonts.py": "Using fontTools instead of HarfBuzz-Subset for font",
    "pdf/anchors.py": "No anchor #%s",
    "draw/text.py": "unsupported by fonts: ",
    "css/tokens.py": "at %d:%d",
}


class InternalsChanged(Exception):
    """A WeasyPrint internal was not what this module expects, found while using it."""


def _parameters(function: Callable) -> list[str]:
    return list(inspect.signature(function).parameters)


def _check() -> str | None:
    """Why the internals cannot be used, or None when they can."""
    if os.environ.get(FORCED_OFF):
        return f"{FORCED_OFF} is set"
    if NOT_IMPORTED:
        return NOT_IMPORTED
    if not weasyprint.__version__.startswith(TESTED):
        return f"WeasyPrint {weasyprint.__version__} is not one the fast layout was tested with ({', '.join(TESTED)}x)"
    expected = [
        # (what, found, wanted)
        ("Document._build_layout_context", _parameters(Document._build_layout_context),
         ["html", "font_config", "counter_style", "color_profiles", "options"]),
        ("Document._render keeps the HTML", "_html" in Document._render.__code__.co_names
         and "_build_layout_context" in Document._render.__code__.co_names, True),
        ("LayoutContext keeps current_page and get_image_from_uri",
         {"current_page", "get_image_from_uri"} <= set(LayoutContext.__init__.__code__.co_names), True),
        ("the layout's page_maker", "page_maker" in weasy_layout.initialize_page_maker.__code__.co_names, True),
        ("make_margin_boxes", _parameters(make_margin_boxes), ["context", "page", "state"]),
        ("layout_backgrounds", _parameters(layout_backgrounds), ["page", "get_image_from_uri"]),
        ("Page keeps its page box", "_page_box" in Page.__init__.__code__.co_names, True),
        ("SVGImage keeps its base URL", "_base_url" in SVGImage.__init__.__code__.co_names, True),
        ("MarginBox", isinstance(getattr(weasy_boxes, "MarginBox", None), type), True),
        ("flex items' lambda", _not_floated_lambda_named(), True),
        ("Font.subset", _parameters(pdf_fonts.Font.subset), ["self", "to_unicode", "hinting"]),
        ("Font's program", {"file_content", "index", "missing"} <= set(pdf_fonts.Font.__init__.__code__.co_names), True),
        ("the tag builder", _parameters(pdf_tags._build_box_tree),
         ["box", "parent", "pdf", "page_number", "nums", "annotations", "tags"]),
        ("boxes the tag marks name", all(hasattr(weasy_boxes, name) for name in ("PageBox", "TextBox", "FootnoteAreaBox")), True),
        ("pydyf PDF.page_references", isinstance(getattr(pydyf.PDF, "page_references", None), property), True),
    ]
    for what, found, wanted in expected:
        if found != wanted:
            return f"WeasyPrint {weasyprint.__version__}: {what} is not as expected"
    for name, wording in WORDING.items():
        try:
            if wording not in (WEASYPRINT / name).read_text(encoding="utf-8"):
                return f"WeasyPrint {weasyprint.__version__} words a message differently ({name})"
        except OSError:
            return f"WeasyPrint {weasyprint.__version__} has no {name}"
    return None


# WeasyPrint marks a flex item as never floated with a lambda (formatting_structure/build.py,
# `flex_children`): a pickle cannot carry it, so it is named in the pickle and made again.
NOT_FLOATED = "flex_children.<locals>.<lambda>"


def _not_floated_lambda_named() -> bool:
    function = getattr(weasy_build, "flex_children", None)
    return isinstance(function, FunctionType) and any(
        getattr(const, "co_qualname", None) == NOT_FLOATED for const in function.__code__.co_consts)


# -- The layout context a document was laid out in ------------------------------------------
# Public behaviour it stands in for: laying a part out again with `@page :first { counter-reset:
# page N }`, which gives the same pages with other folios. WeasyPrint makes the folios last,
# as margin boxes, from its layout context, and then lets the context go; kept, it can make
# them again with the page counter moved, without laying the part out again.

CONTEXT = "_builder_layout_context"


def _keep_layout_context(build_layout_context: classmethod) -> classmethod:
    made = build_layout_context.__func__

    @wraps(made)  # so that the check at import sees WeasyPrint's signature
    def kept(cls, html, *arguments, **options):
        context = made(cls, html, *arguments, **options)
        html.__dict__[CONTEXT] = context  # the HTML object lives as long as its document (`_html`)
        return context
    return classmethod(kept)


def layout_context(document: Document) -> LayoutContext:
    try:
        return document._html.__dict__[CONTEXT]
    except (AttributeError, KeyError) as missing:
        raise InternalsChanged(f"no layout context kept: {missing}") from None


def renumber(page: Page, context: LayoutContext, number: int, moved_by: int) -> None:
    """Make the page's margin boxes again, as WeasyPrint makes them at the end of a layout
    (layout/__init__.py, `layout_document`), with the page counter `moved_by` pages on.
    `number` is the page's 1-based place in its layout."""
    try:
        page_box = page._page_box
        # page_maker[n] = (start, resume, blank, page state, remake state); the page state
        # is (quote depth, counter values, counter scopes).
        state = copy.deepcopy(context.page_maker[number][3])
        counters = state[1]
        counters["page"] = [value + moved_by for value in counters["page"]]
        context.current_page = number
        kept = [child for child in page_box.children if not isinstance(child, weasy_boxes.MarginBox)]
        page_box.children = (*kept, *make_margin_boxes(context, page_box, state))
        layout_backgrounds(page_box, context.get_image_from_uri)
    except (AttributeError, IndexError, KeyError, TypeError) as changed:
        raise InternalsChanged(f"cannot set a page's folio: {changed!r}") from None


def images_of(context: LayoutContext) -> Callable[[str], SVGImage]:
    """The SVG image at a URL, as the layout `context` loads it (cached there)."""
    return lambda url: context.get_image_from_uri(url=url)


# -- Laid-out pages between processes --------------------------------------------------------
# Public behaviour it stands in for: laying the part out again in this process. A laid-out
# WeasyPrint 70 page pickles (its Pango objects are let go once it is laid out) except for
# what it shares with the build or cannot carry: the font configuration, each SVG image
# (it holds its layout context) and the lambda of every flex item. These are named in the
# pickle and supplied again on the other side.

def pickled(pages: list[Page], fonts: FontConfiguration) -> bytes:
    stream = io.BytesIO()
    _PagePickler(stream, fonts).dump(pages)
    return stream.getvalue()


def unpickled(data: bytes, fonts: FontConfiguration, image: Callable[[str], SVGImage]) -> list[Page]:
    """The pages in `data`; raises InternalsChanged if they do not unpickle as pages."""
    try:
        pages = _PageUnpickler(io.BytesIO(data), fonts, image).load()
    except Exception as broken:
        raise InternalsChanged(f"pages do not unpickle: {broken!r}") from None
    if not (isinstance(pages, list) and all(isinstance(page, Page) for page in pages)):
        raise InternalsChanged("pickled pages are not pages")
    return pages


def _shared(kind: str, *arguments: str) -> None:
    """Stands in a pickle for what the build supplies again (see `_PageUnpickler`)."""
    raise AssertionError("resolved by _PageUnpickler")


def _not_floated() -> bool:
    return False


class _PagePickler(pickle.Pickler):
    def __init__(self, stream: io.BytesIO, fonts: FontConfiguration):
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self.fonts = fonts

    def reducer_override(self, obj: object):
        if obj is self.fonts:
            return _shared, ("fonts",)
        if type(obj) is SVGImage:
            return _shared, ("image", obj._base_url)
        if type(obj) is FunctionType and obj.__qualname__ == NOT_FLOATED:
            return _shared, ("not floated",)
        return NotImplemented


class _PageUnpickler(pickle.Unpickler):
    def __init__(self, stream: io.BytesIO, fonts: FontConfiguration, image: Callable[[str], SVGImage]):
        super().__init__(stream)
        # Not a bound method: the unpickler's memo would hold it, and so the unpickler
        # itself, in a cycle that kept every unpickler and its memo until a full collection.
        self.supplied = partial(_supplied, fonts, image)

    def find_class(self, module: str, name: str):
        if (module, name) == (__name__, "_shared"):
            return self.supplied
        return super().find_class(module, name)


def _supplied(fonts: FontConfiguration, image: Callable[[str], SVGImage], kind: str, *arguments: str) -> object:
    if kind == "fonts":
        return fonts
    if kind == "image":
        return image(arguments[0])
    return _not_floated


# -- Writing the PDF -------------------------------------------------------------------------
# Public behaviour they stand in for: `write_pdf` as it is, only slower.

# Tables a PDF's font never needs: WeasyPrint drops the same ones when it subsets with HarfBuzz.
DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ")


def subset_with_harfbuzz(font: pdf_fonts.Font, to_unicode: dict, hinting: bool,
                         fallback: Callable[[pdf_fonts.Font, dict, bool], None]) -> None:
    """Subset as WeasyPrint's `Font.subset` does with the system's libharfbuzz-subset, through
    uharfbuzz, which brings HarfBuzz's subsetter on every machine (WeasyPrint otherwise falls
    back to fontTools: half of writing the PDF, about 0.3 s a face). A face HarfBuzz cannot
    subset goes to `fallback`, WeasyPrint's own."""
    program = _harfbuzz_subset(font.file_content, font.index, set(to_unicode), hinting,
                               bool(font.missing)) if to_unicode else None
    if program:
        font.file_content = program
    else:
        fallback(font, to_unicode, hinting)


def _harfbuzz_subset(program: bytes, index: int, glyphs: set[int], hinting: bool,
                     notdef_outline: bool) -> bytes | None:
    """The font program keeping only `glyphs`, each at its own glyph id (the PDF's
    text refers to glyphs by id), as WeasyPrint's HarfBuzz path makes it."""
    extra = hb.SubsetFlags.NOTDEF_OUTLINE if notdef_outline else hb.SubsetFlags.DEFAULT
    kept = hb.SubsetInput()
    kept.drop_table_tag_set.update(int.from_bytes(tag.encode(), "big") for tag in DROPPED_TABLES)
    kept.glyph_set.update(glyphs)
    kept.flags = (hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED
                  | hb.SubsetFlags.DESUBROUTINIZE | extra)
    try:
        face = hb.subset(hb.Face(hb.Blob(program), index), kept)
        # Then drop the empty glyphs after the last one used: ids below it stay as they are.
        kept.glyph_set.update(range(max(glyphs) + 1))
        kept.flags = (hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE | extra
                      | (hb.SubsetFlags.DEFAULT if hinting else hb.SubsetFlags.NO_HINTING))
        return hb.subset(face, kept).blob.data
    except RuntimeError:  # "Subsetting failed": a face HarfBuzz cannot read
        return None


def _page_references_listed_once(listing: property) -> property:
    """pydyf's `PDF.page_references` builds the tuple of every page's reference each time
    it is read, and WeasyPrint reads it for every tagged element and every link: the
    time grew with the square of the page count (most of a 100x book's build). Pages are
    only ever added, so the tuple is made again only when their number changed."""
    def page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
        count = len(pdf.pages["Kids"])
        if getattr(pdf, "_listed_pages", (None,))[0] != count:
            pdf._listed_pages = (count, listing.fget(pdf))
        return pdf._listed_pages[1]
    return property(page_references)


# -- What each structure element was made from ------------------------------------------------
# Public behaviour it stands in for: none. WeasyPrint 70 builds the tagged PDF's structure
# tree page by page, in `pdf/tags.py`'s `_build_box_tree`: an element split over two pages
# becomes two structure elements, an anonymous box a third, and none says which HTML element
# it stands for. Wrapped (once, at import), every structure element it makes carries a
# `/PBMark` entry, a JSON object that `tagging.fix` reads from the written PDF and removes:
#   n: a number shared by every fragment and anonymous box of one HTML element (its
#      pseudo-elements have the element's number and their own `tag`);
#   tag: the box's element tag, `a::after` for a pseudo-element;
#   id, class, href, scope, aria-label: those attributes of the element;
#   text: a link's text, or the text a pseudo-element generates;
#   leader: a `leader()` box; footnote-area: the area at the page's foot.
# Without the internals, `tagging.fix` works from WeasyPrint's own tags alone: a valid tree
# without the joins, notes and contents that need the marks.

MARK = "PBMark"
MARKED_ATTRIBUTES = ("id", "class", "href", "scope", "aria-label")


def _marking(build_box_tree: Callable) -> Callable:
    numbers: dict[int, tuple[int, object]] = {}  # id(element) -> (number, element kept alive)

    def number(element) -> int | None:
        if element is None:
            return None
        return numbers.setdefault(id(element), (len(numbers), element))[0]

    @wraps(build_box_tree)
    def build(box, parent, pdf, page_number, *rest):
        if isinstance(box, weasy_boxes.PageBox) and page_number == 0:
            numbers.clear()  # a new document's first page: its elements are numbered afresh
        for made in build_box_tree(box, parent, pdf, page_number, *rest):
            if MARK not in made:  # the outermost call for this box: the element is the box's own
                made[MARK] = pydyf.String(json.dumps(_described(box, number(box.element)), separators=(",", ":")))
            yield made
    return build


def _described(box, number: int | None) -> dict:
    mark: dict = {"n": number, "tag": box.element_tag if box.element is not None else None}
    if box.element is not None:
        mark.update((name, box.element.get(name)) for name in MARKED_ATTRIBUTES if box.element.get(name))
        if box.element_tag == "a":
            mark["text"] = "".join(box.element.itertext())
    if "::" in (mark["tag"] or ""):
        mark["text"] = "".join(child.text for child in box.descendants() if isinstance(child, weasy_boxes.TextBox))
    if box.is_leader:
        mark["leader"] = True
    if isinstance(box, weasy_boxes.FootnoteAreaBox):
        mark["footnote-area"] = True
    return mark


def _install() -> None:
    Document._build_layout_context = _keep_layout_context(Document.__dict__["_build_layout_context"])
    fallback = pdf_fonts.Font.subset

    @wraps(fallback)
    def subset(font: pdf_fonts.Font, to_unicode: dict, hinting: bool) -> None:
        subset_with_harfbuzz(font, to_unicode, hinting, fallback)

    pdf_fonts.Font.subset = subset
    pydyf.PDF.page_references = _page_references_listed_once(pydyf.PDF.page_references)
    pdf_tags._build_box_tree = _marking(pdf_tags._build_box_tree)


PROBLEM: str | None = _check()
if PROBLEM is None:
    _install()
