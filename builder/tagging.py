"""Tagging: the PDF's structure tree made to say what PDF/UA-1 asks of it.

WeasyPrint 70 writes a tagged PDF whose tree follows its page boxes rather than the
document: every page of a section, a paragraph or a table is an element of its own,
a heading with a block inside is a heading in a heading, notes are spans at each
page's foot, the contents are `NonStruct`, leaders and ornaments are text, header
cells have no scope and links are described by their target's id. `fix` rebuilds
the tree of the written PDF with pikepdf, from what `weasyprint_internals` marked of each element as WeasyPrint wrote it:

- one element per HTML element: page fragments joined, anonymous boxes folded in,
  a table's header row repeated on later pages made an artifact (PDF/UA-1 7.1,
  7.5; Matterhorn 01, 15);
- header cells with a `/Scope`, and data cells' `/Headers` pointing at the first
  header row (PDF/UA-1 7.5; Matterhorn 15-003);
- each footnote a `Note` with an `/ID`, placed in the reading order after the
  paragraph that calls it, its call a `Reference` holding the `Link` to it
  (PDF/UA-1 7.9; Matterhorn 19-003, 09-004);
- the contents a `TOC` of `TOCI` items (ISO 32000-1 14.8.4.3.2);
- leaders, ornaments (generated text without a letter or digit) and the content
  WeasyPrint leaves out of the tree (running heads and folios) marked as
  artifacts in the page's content (PDF/UA-1 7.1; Matterhorn 01-005, 18);
- every link annotation described in words: its link's `aria-label`, else its
  text (PDF/UA-1 7.18.5; Matterhorn 28-004, 28-011);
- the parent tree and the ID tree rebuilt to match (ISO 32000-1 14.7.4).

A PDF without a structure tree (the print shop's edition) is returned as it is.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from typing import Collection

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from .weasyprint_internals import MARK

MARK_KEY = f"/{MARK}"
HEADINGS = {f"H{n}" for n in range(1, 7)}
# A note goes after one of these, the paragraph-like element that holds its call...
AFTER = HEADINGS | {"P", "BlockQuote"}
# ...or, when its call is in one of these first, at its end.
INSIDE = {"LBody", "TD", "TH", "Caption", "TOCI", "Div", "Sect", "Document"}
# Inline elements WeasyPrint knows no tag for: text-level, so Span rather than NonStruct.
INLINE = {"i", "em", "b", "strong", "cite", "small", "sub", "sup", "abbr", "q", "dfn", "var", "code", "time"}
MARKED_CONTENT = re.compile(rb"/(\w+)\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")
LAYOUT, PAGINATION = b"/Artifact BMC", b"/Artifact <</Type /Pagination>> BDC"
Page = tuple[int, int]  # a page's object number and generation
SCOPES = {"row": "/Row", "rowgroup": "/Row", "col": "/Column", "colgroup": "/Column"}


@dataclass(eq=False, slots=True)
class Content:
    """A marked-content sequence of a page."""

    page: Page
    mcid: int


@dataclass(eq=False, slots=True)
class Annotation:
    """An object reference to an annotation (a link)."""

    objr: pikepdf.Object


@dataclass(eq=False, slots=True)
class Node:
    """A structure element as it is being rebuilt."""

    obj: pikepdf.Object
    role: str
    mark: dict
    page: Page | None
    kids: list = field(default_factory=list)

    @property
    def key(self) -> tuple | None:
        """The HTML element (or pseudo-element) it stands for; None when unknown."""
        return None if self.mark.get("n") is None else (self.mark["n"], self.mark.get("tag"))

    @property
    def tag(self) -> str:
        return self.mark.get("tag") or ""

    def nodes(self):
        """This node and every node under it, depth first, in reading order."""
        yield self
        for kid in self.kids:
            if isinstance(kid, Node):
                yield from kid.nodes()

    def contents(self):
        for node in self.nodes():
            yield from (kid for kid in node.kids if isinstance(kid, Content))


def fix(data: bytes) -> bytes:
    """The PDF with its structure tree rebuilt (see the module's docstring)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        tree = pdf.Root.get("/StructTreeRoot")
        if tree is None:
            return data
        document = _load(tree.K[0] if isinstance(tree.K, Array) else tree.K, None)
        artifacts: set[tuple[tuple[int, int], int]] = set()
        notes = _take_notes(document)
        _join(document, artifacts, renamed := {})
        for node in (document, *notes):
            _artifacts(node, artifacts)  # first: a leader is an anonymous box of its pseudo-element
            _fold(node)
            _links(node)
        _place_notes(pdf, document, notes)
        _contents(pdf, document)
        _cells(document, renamed)
        _write(pdf, tree, document, artifacts)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
        return out.getvalue()


def _load(obj: pikepdf.Object, page: Page | None) -> Node:
    if "/Pg" in obj:
        page = obj.Pg.objgen
    raw = obj.get(MARK_KEY)
    node = Node(obj, str(obj.S)[1:], json.loads(str(raw)) if raw is not None else {}, page)
    k = obj.get("/K")
    for item in (k if isinstance(k, Array) else [] if k is None else [k]):
        if isinstance(item, int):
            node.kids.append(Content(page, item))
        elif "/S" in item:
            node.kids.append(_load(item, page))
        elif item.get("/Type") == "/OBJR":
            node.kids.append(Annotation(item))
        else:  # a marked-content reference
            node.kids.append(Content(item.Pg.objgen if "/Pg" in item else page, int(item.MCID)))
    return node


def _take_notes(document: Node) -> list[Node]:
    """Every page's footnotes, in order, out of the areas at the pages' feet."""
    notes = []
    for kid in list(document.kids):
        if isinstance(kid, Node) and kid.mark.get("footnote-area"):
            document.kids.remove(kid)
            notes += [note for note in kid.kids if isinstance(note, Node)]
    return notes


def _join(node: Node, artifacts: set, renamed: dict) -> None:
    """Join the page fragments of each element; a header row group seen before (a
    table's header repeated on a later page) becomes an artifact."""
    kids, groups = [], {}
    for kid in node.kids:
        if isinstance(kid, Node) and kid.role in ("THead", "TFoot") and kid.key in groups:
            _mark_artifacts(kid, artifacts)
            first = {cell.key: cell for cell in groups[kid.key].nodes() if cell.role == "TH"}
            for cell in kid.nodes():
                if cell.role == "TH" and cell.key in first and "/ID" in cell.obj:
                    renamed[bytes(cell.obj.ID)] = first[cell.key].obj.ID
            continue
        if isinstance(kid, Node) and kid.role in ("THead", "TFoot"):
            groups[kid.key] = kid
        previous = kids[-1] if kids else None
        if isinstance(kid, Node) and isinstance(previous, Node) and kid.key and kid.key == previous.key:
            previous.kids += kid.kids
        else:
            kids.append(kid)
    node.kids = kids
    for kid in kids:
        if isinstance(kid, Node):
            _join(kid, artifacts, renamed)


def _fold(node: Node) -> None:
    """Fold anonymous boxes (the element's own again, or nameless) into their element,
    and WeasyPrint's one-span-per-line wrappers into what holds them."""
    kids = []
    for kid in node.kids:
        if isinstance(kid, Node):
            _fold(kid)
            same = kid.key and kid.key == node.key and kid.role in (node.role, "NonStruct")
            if not kid.kids and kid.role in ("Span", "NonStruct"):
                continue  # an empty inline box, such as a footnote call the template writes itself
            own_text = kid.tag.endswith(("::first-line", "::first-letter"))
            if same or own_text or (kid.role == "Span" and not kid.mark):
                kids += kid.kids
                continue
            if kid.role == "NonStruct" and kid.tag in INLINE:
                kid.role = "Span"
        kids.append(kid)
    node.kids = kids


def _mark_artifacts(node: Node, artifacts: set) -> None:
    artifacts.update((content.page, content.mcid) for content in node.contents())


def _decorative(node: Node) -> bool:
    """Generated content that says nothing: a leader, or text without a letter or digit."""
    generated = "::" in node.tag and not node.tag.endswith(("::footnote-call", "::footnote-marker"))
    return node.mark.get("leader", False) or (generated and not any(c.isalnum() for c in node.mark.get("text", "")))


def _artifacts(node: Node, artifacts: set) -> None:
    """Leaders and ornaments out of the tree and into the artifacts; a link annotation
    they held stays with the element around them."""
    kids = []
    for kid in node.kids:
        if isinstance(kid, Node) and _decorative(kid):
            _mark_artifacts(kid, artifacts)
            kids += [item for held in kid.nodes() for item in held.kids if isinstance(item, Annotation)]
            continue
        if isinstance(kid, Node):
            _artifacts(kid, artifacts)
        kids.append(kid)
    node.kids = kids


def _links(node: Node) -> None:
    """One Link element per link, holding every annotation made for it (a link's
    pseudo-elements and inline blocks get their own), each described by the link's words."""
    for kid in node.kids:
        if not isinstance(kid, Node):
            continue
        if kid.role != "Link":
            _links(kid)
            continue
        _flatten_link(kid)
        words = kid.mark.get("aria-label") or " ".join(kid.mark.get("text", "").split())
        for item in kid.kids:
            if isinstance(item, Annotation) and words:
                item.objr.Obj.Contents = String(words)


def _flatten_link(link: Node) -> None:
    kids = []
    for kid in link.kids:
        if isinstance(kid, Node):
            _flatten_link(kid)
            if kid.role == "Link":
                kids += kid.kids
                continue
            kids += [item for item in kid.kids if isinstance(item, Annotation)]
            kid.kids = [item for item in kid.kids if not isinstance(item, Annotation)]
            if not kid.kids:
                continue
        kids.append(kid)
    link.kids = kids


def _parents(document: Node) -> dict[int, Node]:
    return {id(kid): node for node in document.nodes() for kid in node.kids if isinstance(kid, Node)}


def _new(pdf: pikepdf.Pdf, role: str, kids: list, page: Page | None) -> Node:
    obj = pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name("/" + role)))
    return Node(obj, role, {}, page, kids)


def _place_notes(pdf: pikepdf.Pdf, document: Node, notes: list[Node]) -> None:
    """Each note a Note after the paragraph that calls it; each call a Reference."""
    links = {n.mark.get("href"): n for n in document.nodes() if n.role == "Link"}
    calls = {n.key[0]: n for n in document.nodes() if n.tag.endswith("::footnote-call") and n.key}
    parents = _parents(document)
    placed: dict[int, int] = {}  # id(block) -> notes already placed after it
    for note in notes:
        note.role = "Note"
        for marker in note.nodes():
            if marker.tag.endswith("::footnote-marker"):
                marker.role = "Lbl"
        if note.mark.get("id"):
            note.obj.ID = String(note.mark["id"])
        call = links.get(f"#{note.mark.get('id')}") or calls.get(note.key[0] if note.key else None)
        if call is None:
            document.kids.append(note)
            continue
        holder = parents[id(call)]
        if call.role == "Link":
            reference = _new(pdf, "Reference", [call], call.page)
            holder.kids[holder.kids.index(call)] = reference
            parents[id(call)], parents[id(reference)] = reference, holder
        else:
            call.role = "Reference"
        block = holder
        while block.role not in AFTER | INSIDE:
            block = parents[id(block)]
        if block.role in AFTER:
            outer = parents[id(block)]
            at = outer.kids.index(block) + 1 + placed.get(id(block), 0)
            outer.kids.insert(at, note)
            placed[id(block)] = placed.get(id(block), 0) + 1
            parents[id(note)] = outer
        else:
            block.kids.append(note)
            parents[id(note)] = block


def _contents(pdf: pikepdf.Pdf, document: Node) -> None:
    """A navigation element's lists become a TOC of TOCI items, each entry's link a Reference."""
    for nav in [n for n in document.nodes() if n.tag == "nav"]:
        nav.role = "Sect"
        for node in list(nav.nodes()):
            if node.role == "L":
                node.role = "TOC"
            elif node.role == "LI":
                node.role = "TOCI"
                node.kids = [item for kid in node.kids
                             for item in (kid.kids if isinstance(kid, Node) and kid.role == "LBody" else [kid])]
                node.kids = [_new(pdf, "Reference", [kid], kid.page) if isinstance(kid, Node) and kid.role == "Link"
                             else kid for kid in node.kids]


def _cells(document: Node, renamed: dict) -> None:
    """Header cells get their scope; data cells name the first header row's cells."""
    parents = _parents(document)
    for cell in document.nodes():
        if cell.role not in ("TH", "TD"):
            continue
        attributes = cell.obj.get("/A")
        if cell.role == "TH":
            scope = SCOPES.get(cell.mark.get("scope", ""))
            if scope is None:
                group = parents[id(parents[id(cell)])]
                scope = "/Column" if group.role == "THead" else "/Row"
            if attributes is None:
                attributes = cell.obj.A = Dictionary(O=Name.Table)
            attributes.Scope = Name(scope)
        elif cell.role == "TD" and attributes is not None and "/Headers" in attributes:
            attributes.Headers = Array([renamed.get(bytes(h), h) for h in attributes.Headers])


def _write(pdf: pikepdf.Pdf, tree: pikepdf.Object, document: Node, artifacts: set) -> None:
    """Write the nodes back, rebuild the parent and ID trees, and mark as artifacts
    all marked content no element holds any more."""
    owners: dict[tuple[int, int], dict[int, pikepdf.Object]] = {}  # page -> MCID -> element
    annotations: list[tuple[pikepdf.Object, pikepdf.Object]] = []
    ids: dict[bytes, pikepdf.Object] = {}
    pages = {page.obj.objgen: page.obj for page in pdf.pages}

    def write(node: Node, parent: pikepdf.Object) -> None:
        node.obj.S = Name("/" + node.role)
        node.obj.P = parent
        if MARK_KEY in node.obj:
            del node.obj[MARK_KEY]
        first = next((kid.page for kid in node.kids if isinstance(kid, Content)), None)
        page = node.page if node.page is not None else first
        if page is not None:
            node.obj.Pg = pages[page]
        items = []
        for kid in node.kids:
            if isinstance(kid, Node):
                write(kid, node.obj)
                items.append(kid.obj)
            elif isinstance(kid, Annotation):
                items.append(kid.objr)
                annotations.append((kid.objr.Obj, node.obj))
            else:
                owners.setdefault(kid.page, {})[kid.mcid] = node.obj
                items.append(kid.mcid if kid.page == page else Dictionary(Type=Name.MCR, Pg=pages[kid.page], MCID=kid.mcid))
        node.obj.K = Array(items)
        if "/ID" in node.obj:
            ids[bytes(node.obj.ID)] = node.obj

    write(document, tree)
    layout: dict[tuple[int, int], set[int]] = {}
    for where, mcid in artifacts:
        layout.setdefault(where, set()).add(mcid)
    nums: dict[int, pikepdf.Object] = {}
    for page in pdf.pages:
        key = page.obj.get("/StructParents")
        if key is None:
            continue
        held = owners.get(page.obj.objgen, {})
        mcids = _rewrite_content(page, held, layout.get(page.obj.objgen, set()))
        nums[int(key)] = Array([held.get(n) for n in range(mcids)])
    for annotation, owner in annotations:
        nums[int(annotation.StructParent)] = owner
    tree.ParentTree = pdf.make_indirect(Dictionary(Nums=Array([x for k in sorted(nums) for x in (k, nums[k])])))
    tree.ParentTreeNextKey = max(nums, default=-1) + 1
    if ids:
        tree.IDTree = pdf.make_indirect(Dictionary(Names=Array([x for k in sorted(ids) for x in (String(k), ids[k])])))


def _rewrite_content(page: pikepdf.Page, kept: Collection[int], layout: set[int]) -> int:
    """Make every marked-content sequence of the page that no element holds an
    artifact (of layout if it was taken out of the tree, else of pagination: the
    running heads and folios WeasyPrint never put in); return the number of MCIDs."""
    streams = page.obj.Contents if isinstance(page.obj.Contents, Array) else [page.obj.Contents]
    data = b"".join(stream.read_bytes() for stream in streams)
    count = 0

    def artifact(match: re.Match) -> bytes:
        nonlocal count
        mcid = int(match[2])
        count = max(count, mcid + 1)
        if mcid in kept:
            return match[0]
        return LAYOUT if mcid in layout else PAGINATION

    rewritten = MARKED_CONTENT.sub(artifact, data)
    if rewritten != data:
        page.obj.Contents = page.obj.Contents if not isinstance(page.obj.Contents, Array) else streams[0]
        page.obj.Contents.write(rewritten)
    return count
