"""Accessibility, proven by other people's checkers and by the PDF's own structure.

- Ace by DAISY on each manuscript's EPUB, failing on any violation of any impact.
- The screen edition's structure tree, read with pikepdf (and its marked content with
  pypdf), against the PDF/UA-1 (ISO 14289-1) rules and the Matterhorn Protocol 1.1
  checkpoints each test names; veraPDF, the reference validator, is not installable here.
- qpdf --check and a Ghostscript render of both PDF editions, without a message.

Every test runs on each manuscript in MANUSCRIPTS. A missing tool fails its test:
`tests/setup-and-run` installs them all.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pikepdf
import pytest
from lxml import html as lxml_html
from pypdf import PdfReader

from builder import tagging
from builder import weasyprint_internals as internals
from builder.build import Artifacts, Project, produce
from builder.pdf import EDITIONS

from .conftest import FIXTURES, PROJECT

# Each manuscript the accessibility tests build; the French test manuscript joins this list.
MANUSCRIPTS = [FIXTURES / "minimal", PROJECT / "manuscript", FIXTURES / "french"]
# Builds the session has anyway (conftest): not made twice.
SHARED_BUILDS = {FIXTURES / "minimal": "fixture_build", PROJECT / "manuscript": "real_build",
                 FIXTURES / "french": "french_build"}
TOOLS = PROJECT / "tests" / "node_modules" / ".bin"
SETUP = "run tests/setup-and-run, which installs it"
# ISO 32000-1 14.8.4: the standard structure types (Matterhorn 02-001: no role map needed).
STANDARD = {
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index",
    "NonStruct", "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L", "LI", "Lbl", "LBody",
    "Table", "TR", "TH", "TD", "THead", "TBody", "TFoot", "Span", "Quote", "Note", "Reference",
    "BibEntry", "Code", "Link", "Annot", "Ruby", "RB", "RT", "RP", "Warichu", "WT", "WP",
    "Figure", "Formula", "Form"}
HEADING = re.compile(r"H([1-6])")
# How the templates describe links, by the manuscript's language; in any language a
# description has words, and the number or title of what the link leads to.
LINK_WORDS = {"en": {"note": "Note {n}", "chapter": "Chapter {n}, {title}", "source": r"Bibliography entry \d+"},
              "fr": {"note": "Note {n}", "chapter": "Chapitre {n}, {title}", "source": r"Bibliographie, entrée \d+"}}


def words(build: Artifacts) -> dict[str, str] | None:
    return LINK_WORDS.get(build.context.profile.language.split("-")[0])


def described(description: str, target: str, *must_hold: str) -> bool:
    return (description != target and re.search(r"[^\W\d_]", description) is not None
            and all(part in description for part in must_hold))


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed: {SETUP}"
    return path


def run(command: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


# Reading the PDF


@dataclass(eq=False)
class Elem:
    role: str
    obj: pikepdf.Object
    parent: Elem | None
    kids: list = field(default_factory=list)  # Elem | (page number, MCID) | annotation

    def walk(self):
        yield self
        for kid in self.kids:
            if isinstance(kid, Elem):
                yield from kid.walk()

    def elements(self) -> list[Elem]:
        return [kid for kid in self.kids if isinstance(kid, Elem)]

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class Tagged:
    """The screen edition's PDF: its structure tree and the text of each marked-content sequence."""

    def __init__(self, build: Artifacts, data: bytes | None = None):
        self.build = build
        self.data = build.layout.pdf if data is None else data
        self.pdf = pikepdf.open(io.BytesIO(self.data))
        self.page_numbers = {page.obj.objgen: n for n, page in enumerate(self.pdf.pages, start=1)}
        self.tree = self.pdf.Root.StructTreeRoot
        self.document = self._read(self.tree.K[0] if isinstance(self.tree.K, pikepdf.Array) else self.tree.K, None, None)

    def _read(self, obj: pikepdf.Object, parent: Elem | None, page: int | None) -> Elem:
        page = self.page_numbers[obj.Pg.objgen] if "/Pg" in obj else page
        elem = Elem(str(obj.S)[1:], obj, parent)
        k = obj.get("/K")
        for item in (k if isinstance(k, pikepdf.Array) else [] if k is None else [k]):
            if isinstance(item, int):
                elem.kids.append((page, item))
            elif "/S" in item:
                elem.kids.append(self._read(item, elem, page))
            elif item.get("/Type") == "/OBJR":
                elem.kids.append(item.Obj)
            else:
                where = self.page_numbers[item.Pg.objgen] if "/Pg" in item else page
                elem.kids.append((where, int(item.MCID)))
        return elem

    @cached_property
    def elements(self) -> list[Elem]:
        return list(self.document.walk())

    def of(self, role: str) -> list[Elem]:
        return [e for e in self.elements if e.role == role]

    @cached_property
    def marked(self) -> dict[int, list[tuple[object, str]]]:
        """Per page, each marked-content sequence in content order: (MCID, or the
        artifact's properties, or None for text outside any), and its text."""
        pages = {}
        for number, page in enumerate(PdfReader(io.BytesIO(self.data)).pages, start=1):
            runs: list[list] = []
            stack: list[object] = []

            def before(op, args, cm, tm):
                if op == b"BDC":
                    stack.append(int(args[1]["/MCID"]) if "/MCID" in args[1] else ("Artifact", dict(args[1])))
                    runs.append([stack[-1], ""])
                elif op == b"BMC":
                    stack.append(("Artifact", {}) if args[0] == "/Artifact" else args[0])
                    runs.append([stack[-1], ""])
                elif op == b"EMC":
                    stack.pop()
                    runs.append([stack[-1] if stack else None, ""])

            def text(t, cm, tm, font, size):
                if not runs:
                    runs.append([None, ""])
                runs[-1][1] += t

            page.extract_text(visitor_operand_before=before, visitor_text=text)
            pages[number] = [(kind, t) for kind, t in runs if t.strip()]
        return pages

    @cached_property
    def mcid_text(self) -> dict[tuple[int, int], str]:
        return {(page, kind): t for page, runs in self.marked.items() for kind, t in runs if isinstance(kind, int)}

    def text(self, elem: Elem) -> str:
        """The element's text, in its reading order, spaces folded."""
        def pieces(node: Elem):
            for kid in node.kids:
                if isinstance(kid, Elem):
                    yield from pieces(kid)
                elif isinstance(kid, tuple):
                    yield self.mcid_text.get(kid, "")
        return " ".join("".join(pieces(elem)).split())

    def artifact_text(self, page: int, kind: str | None = None) -> str:
        return " ".join(t for k, t in self.marked[page]
                        if isinstance(k, tuple) and (kind is None or k[1].get("/Type") == f"/{kind}"))

    @cached_property
    def html(self) -> lxml_html.HtmlElement:
        return lxml_html.document_fromstring(self.build.html)

    @cached_property
    def annotations(self) -> list[tuple[int, pikepdf.Object]]:
        return [(n, a) for n, page in enumerate(self.pdf.pages, start=1)
                for a in page.obj.get("/Annots", []) if a.Subtype == "/Link"]


def _shipped(build: Artifacts) -> bool:
    """Whether the build is of the shipped manuscript, which is long enough to split a
    paragraph and the awards table over pages (the test manuscripts are too short to)."""
    return build.context.manuscript.root.resolve() == (PROJECT / "manuscript").resolve()


def build_of(request: pytest.FixtureRequest, manuscript: Path, tmp_path_factory, **options) -> Artifacts:
    if not options and manuscript in SHARED_BUILDS:
        return request.getfixturevalue(SHARED_BUILDS[manuscript])
    out = tmp_path_factory.mktemp(f"{manuscript.name}-{options.get('edition', 'both')}")
    return produce(Project(manuscript, PROJECT / "styles", out), **options)


@pytest.fixture(scope="session", params=MANUSCRIPTS, ids=lambda path: path.name)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    return build_of(request, request.param, tmp_path_factory)


@pytest.fixture(scope="session")
def tagged(built: Artifacts) -> Tagged:
    return Tagged(built)


def parts_of(build: Artifacts) -> list[tuple[str, str]]:
    """(id, heading text) of each chapter and back-matter part, in order."""
    html = lxml_html.document_fromstring(build.html)
    return [(section.get("id"), " ".join(section.find("h2").text_content().split()))
            for section in html.xpath("//body/section[contains(' chapter appendix back ', concat(' ', @class, ' '))]")]


# The document


def test_the_catalog_declares_a_tagged_ua_document_in_its_language(tagged: Tagged) -> None:
    """Matterhorn 06-002 (PDF/UA identifier), 07-001 (DisplayDocTitle), 11-001 (language),
    01-001 (MarkInfo): PDF/UA-1 7.1, 7.2, 5."""
    root = tagged.pdf.Root
    assert root.MarkInfo.Marked is True
    assert str(root.Lang) == tagged.build.context.profile.language
    assert root.ViewerPreferences.DisplayDocTitle is True
    with tagged.pdf.open_metadata() as xmp:
        assert xmp.get("pdfuaid:part") == "1"
        assert xmp.get("dc:title")


def test_every_element_is_of_a_standard_type_and_no_private_mark_is_left(tagged: Tagged) -> None:
    """Matterhorn 02-001 (no role map needed); the builder's private marks are removed."""
    assert {e.role for e in tagged.elements} <= STANDARD
    assert tagged.document.role == "Document"
    assert all("/PBMark" not in e.obj for e in tagged.elements)


def test_all_text_is_tagged_or_an_artifact(tagged: Tagged) -> None:
    """Matterhorn 01-005: no content is neither tagged nor an artifact (PDF/UA-1 7.1);
    and each MCID the tree names is on its page, once."""
    held = Counter(kid for e in tagged.elements for kid in e.kids if isinstance(kid, tuple))
    assert max(held.values()) == 1
    for page, runs in tagged.marked.items():
        for kind, text in runs:
            assert kind is not None, f"page {page}: {text!r} is neither tagged nor an artifact"
            if isinstance(kind, int):
                assert (page, kind) in held, f"page {page}: {text!r} (MCID {kind}) is in no element"


def test_the_parent_tree_leads_back_to_every_element(tagged: Tagged) -> None:
    """ISO 32000-1 14.7.4.4: each marked-content sequence and each link annotation finds its
    element through the parent tree (what a reader uses to go from the page to the tree)."""
    nums = tagged.tree.ParentTree.Nums
    parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    pages = list(tagged.pdf.pages)
    for e in tagged.elements:
        for kid in e.kids:
            if isinstance(kid, tuple):
                page, mcid = kid
                assert parents[int(pages[page - 1].obj.StructParents)][mcid].objgen == e.obj.objgen
            elif isinstance(kid, pikepdf.Object):
                assert parents[int(kid.StructParent)].objgen == e.obj.objgen


def test_running_heads_and_folios_are_pagination_artifacts(tagged: Tagged) -> None:
    """Matterhorn 18-001 (headers and footers marked as pagination artifacts); nothing of
    them is tagged as the book's text."""
    first = tagged.build.layout.anchor_pages[parts_of(tagged.build)[0][0]]
    for page in range(first, len(tagged.pdf.pages) + 1):
        if not tagged.marked[page]:
            continue  # a blank verso
        folio = tagged.artifact_text(page, "Pagination")
        assert re.search(rf"(^|\s){page}(\s|$)", folio), f"page {page}: no folio artifact"


def test_the_weasyprint_installed_is_the_one_the_tag_marks_were_written_for() -> None:
    assert internals.PROBLEM is None, f"the tag marks need WeasyPrint's internals: {internals.PROBLEM}"


def _without_marks(data: bytes) -> bytes:
    """The PDF as WeasyPrint tags it without the adapter's marks."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and f"/{internals.MARK}" in obj:
                del obj[f"/{internals.MARK}"]
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def test_without_marks_the_fixed_tree_is_still_sound(printing, fixture_build: Artifacts) -> None:
    """The public path: a PDF WeasyPrint tagged alone (no marks) still comes out with every
    text tagged or an artifact and a parent tree that leads back to each element."""
    unmarked = Tagged(fixture_build, tagging.fix(_without_marks(printing.document.write_pdf(**EDITIONS["screen"]))))
    test_all_text_is_tagged_or_an_artifact(unmarked)
    test_the_parent_tree_leads_back_to_every_element(unmarked)
    assert {e.role for e in unmarked.elements} <= STANDARD


# Headings and sections


def test_one_heading_element_per_part_title_with_levels_in_order(tagged: Tagged) -> None:
    """Matterhorn 14-002 (the first heading is H1), 14-003 (no level skipped): PDF/UA-1 7.4.2;
    a chapter's number and title are one heading, not a heading in a heading."""
    headings = [e for e in tagged.elements if HEADING.fullmatch(e.role)]
    levels = [int(e.role[1]) for e in headings]
    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    assert not [e for e in headings if any(HEADING.fullmatch(a.role) for a in e.ancestors())]
    second = [tagged.text(e) for e in headings if e.role == "H2"]
    assert second[1:] == [title for _, title in parts_of(tagged.build)]
    chapter = tagged.build.chapters[0]
    assert second[1] == f"{chapter.number} {chapter.spec.title}"


def test_each_html_element_is_one_structure_element_whatever_the_pages_it_crosses(tagged: Tagged) -> None:
    """WeasyPrint tags each page of an element apart: a paragraph over two pages was two P,
    each part two Sect. The tree has as many as the HTML (PDF/UA-1 7.1: tags reflect the
    document's logical structure)."""
    body = tagged.html.find("body")
    count = Counter(e.role for e in tagged.elements)
    html = lambda path: len(body.xpath(path))  # noqa: E731
    assert count["P"] == html(".//p")
    assert count["Sect"] == html(".//section") + html(".//nav")
    assert (count["H1"], count["H2"], count["H3"]) == (html(".//h1"), html(".//h2"), html(".//h3"))
    assert (count["Table"], count["TR"], count["TD"]) == (html(".//table"), html(".//tr"), html(".//td"))
    assert count["TH"] == html(".//th")
    assert count["LI"] + count["TOCI"] == html(".//li")
    split = [e for e in tagged.of("P") if len({k[0] for n in e.walk() for k in n.kids if isinstance(k, tuple)}) > 1]
    assert split or not _shipped(tagged.build), "the shipped book has paragraphs over two pages"


# Notes


def notes_of(build: Artifacts) -> dict[str, int]:
    return {f"note-{c.spec.id}-{n.number}": n.number for c in build.chapters for n in c.notes}


def test_every_footnote_is_a_note_with_a_unique_id(tagged: Tagged) -> None:
    """Matterhorn 19-003 (a Note has an ID), 19-004 (IDs unique): PDF/UA-1 7.9."""
    ids = [bytes(e.obj.ID).decode() for e in tagged.of("Note")]
    assert sorted(ids) == sorted(notes_of(tagged.build))
    id_tree = pikepdf.NameTree(tagged.tree.IDTree)
    for note in tagged.of("Note"):
        assert id_tree[bytes(note.obj.ID).decode()].objgen == note.obj.objgen


def test_each_note_call_is_a_reference_holding_a_link_to_its_note(tagged: Tagged) -> None:
    """PDF/UA-1 7.9 (references to notes), Matterhorn 28-011 (link annotations in Link)."""
    numbers = notes_of(tagged.build)
    calls = {}
    for reference in tagged.of("Reference"):
        (link,) = reference.elements()
        assert link.role == "Link"
        targets = {str(a.Dest) for a in link.kids if isinstance(a, pikepdf.Object)}
        assert len(targets) == 1
        calls.setdefault(targets.pop(), []).append(link)
    for note_id, number in numbers.items():
        (link,) = calls[note_id]
        annotations = [a for a in link.kids if isinstance(a, pikepdf.Object)]
        descriptions = {str(a.Contents) for a in annotations}
        assert len(descriptions) == 1 and described(descriptions.pop(), note_id, str(number))
        if words(tagged.build):
            assert {str(a.Contents) for a in annotations} == {words(tagged.build)["note"].format(n=number)}
        assert tagged.text(link) == str(number)


def test_each_note_follows_the_paragraph_that_calls_it(tagged: Tagged) -> None:
    """PDF/UA-1 7.9 and ISO 32000-1 14.8.4.4: a note in the reading order right after the
    paragraph holding its call (after that paragraph's earlier notes), not where the page
    put it; its label is its number."""
    calls = {}
    for reference in tagged.of("Reference"):
        for a in reference.elements()[0].kids:
            if isinstance(a, pikepdf.Object):
                calls[str(a.Dest)] = reference
    assert len(tagged.of("Note")) == len(notes_of(tagged.build)) > 0
    for note in tagged.of("Note"):
        note_id = bytes(note.obj.ID).decode()
        siblings = note.parent.elements()
        at = siblings.index(note)
        before = next(e for e in reversed(siblings[:at]) if e.role != "Note")
        assert before in calls[note_id].ancestors(), f"{note_id} is not after its call's paragraph"
        assert not [a for a in note.ancestors() if a.role == "P"]
        label = note.elements()[0]
        assert (label.role, tagged.text(label)) == ("Lbl", f"{notes_of(tagged.build)[note_id]}.")


FACTS = ["birth", "first-job", "prize-report", "film-series", "film-first", "prize-2001", "prize-2002"]
FILLER = "The record of these years is thin, and the sources do not always agree on the order of events. "


def test_dense_notes_are_read_after_their_paragraph(minimal: Path, tmp_path: Path) -> None:
    """Forty calls in four lines between paragraphs that fill pages: wherever the page
    foot puts the notes, each is read after the paragraph that calls it."""
    calls = " ".join(f"Fact{{{{ cite('{FACTS[i % len(FACTS)]}') }}}}" for i in range(40))
    paragraph = f"<p>{FILLER * 6}</p>\n"
    (minimal / "templates/chapters/work.html.j2").write_text(
        paragraph * 2 + f"<p>{calls}</p>\n" + paragraph * 8, encoding="utf-8")
    dense = Tagged(produce(Project(minimal, PROJECT / "styles", tmp_path / "out"), formats=("pdf",)))
    assert len(dense.of("Note")) == 42
    test_each_note_follows_the_paragraph_that_calls_it(dense)
    test_each_note_call_is_a_reference_holding_a_link_to_its_note(dense)
    test_all_text_is_tagged_or_an_artifact(dense)
    test_each_html_element_is_one_structure_element_whatever_the_pages_it_crosses(dense)


# Tables


def test_each_table_is_tagged_once_with_its_header_row_once(tagged: Tagged) -> None:
    """WeasyPrint made one Table per page and tagged the header again on each (PDF/UA-1 7.5,
    Matterhorn 09-004: table structure as ISO 32000-1 Table 337 has it)."""
    tables = tagged.of("Table")
    assert len(tables) == len(tagged.html.xpath("//table"))
    for table, html in zip(tables, tagged.html.xpath("//table")):
        assert [e.role for e in table.elements()] == ["Caption", "THead", "TBody"]
        head, body = table.elements()[1:]
        assert len(head.elements()) == 1
        assert len(body.elements()) == len(html.xpath("./tbody/tr"))
        assert [tagged.text(th) for th in head.elements()[0].elements()] == [
            " ".join(th.text_content().split()) for th in html.xpath("./thead/tr/th")]
        for row in body.elements():  # a row is never split over two pages
            assert len({k[0] for e in row.walk() for k in e.kids if isinstance(k, tuple)}) == 1


def test_header_cells_have_a_scope_and_data_cells_name_their_headers(tagged: Tagged) -> None:
    """Matterhorn 15-003 (a TH has a Scope): PDF/UA-1 7.5; each data cell's Headers name
    header cells of its own table."""
    for table in tagged.of("Table"):
        cells = list(table.walk())
        ids = {bytes(c.obj.ID): c for c in cells if c.role == "TH"}
        for cell in cells:
            if cell.role == "TH":
                in_head = cell.parent.parent.role == "THead"
                assert cell.obj.A.Scope == ("/Column" if in_head else "/Row")
            elif cell.role == "TD":
                headers = [bytes(h) for h in cell.obj.A.Headers]
                assert headers and all(h in ids for h in headers)
                assert {ids[h].parent.parent.role for h in headers} == {"THead", "TBody"}


def test_a_header_row_repeated_on_a_later_page_is_an_artifact(tagged: Tagged) -> None:
    for table in tagged.of("Table"):
        pages = sorted({k[0] for e in table.walk() for k in e.kids if isinstance(k, tuple)})
        head = [tagged.text(th) for th in table.elements()[1].elements()[0].elements()]
        for page in pages[1:]:
            artifacts = tagged.artifact_text(page)
            assert all(label in artifacts for label in head), f"page {page}: header row not an artifact"
    pages_crossed = [len({k[0] for e in t.walk() for k in e.kids if isinstance(k, tuple)}) for t in tagged.of("Table")]
    assert max(pages_crossed) > 1 or not _shipped(tagged.build), "the shipped awards table crosses pages"


# Contents, leaders, ornaments


def test_the_contents_are_a_toc_of_items_each_a_reference_to_its_part(tagged: Tagged) -> None:
    """ISO 32000-1 14.8.4.3.2 (TOC, TOCI); each entry's link says which part it leads to."""
    (toc,) = tagged.of("TOC")
    items = toc.elements()
    parts = parts_of(tagged.build)
    assert [e.role for e in items] == ["TOCI"] * len(parts)
    chapters = {c.spec.id: c for c in tagged.build.chapters}
    for item, (part, title) in zip(items, parts):
        (reference,) = item.elements()
        (link,) = reference.elements()
        annotations = [a for a in link.kids if isinstance(a, pikepdf.Object)]
        assert (reference.role, link.role) == ("Reference", "Link")
        assert {str(a.Dest) for a in annotations} == {part}
        (description,) = {str(a.Contents) for a in annotations}
        chapter = chapters.get(part)
        if chapter is None:
            assert description == title
        else:
            assert described(description, part, str(chapter.number), chapter.spec.title)
            if words(tagged.build):
                assert description == words(tagged.build)["chapter"].format(n=chapter.number, title=chapter.spec.title)
        page = tagged.build.layout.anchor_pages[part]
        assert tagged.text(link) == f"{title} {page}"


def test_leaders_and_ornaments_are_artifacts(tagged: Tagged) -> None:
    """PDF/UA-1 7.1: decoration is an artifact, not text a screen reader reads out."""
    contents = tagged.build.layout.anchor_pages["contents"]
    assert tagged.artifact_text(contents).count(". ") > 10 * len(parts_of(tagged.build))
    for page, runs in tagged.marked.items():
        for kind, text in runs:
            if isinstance(kind, int):
                assert ". . " not in text and "\u2766" not in text, f"page {page}: {text!r} is tagged"
    assert "\u2766" in tagged.artifact_text(tagged.build.layout.anchor_pages["title-page"])


# Links


def test_every_link_is_in_a_link_element_and_described_in_words(tagged: Tagged) -> None:
    """Matterhorn 28-011 (in a Link), 28-012 (a Contents entry describing it), 28-008 and
    28-009 (pages with annotations have Tabs /S): PDF/UA-1 7.18.1, 7.18.3, 7.18.5."""
    held = {kid.objgen for e in tagged.of("Link") for kid in e.kids if isinstance(kid, pikepdf.Object)}
    language = words(tagged.build)
    forms = re.compile("|".join(re.sub(r"\{\w+\}", ".+", form) for form in language.values())) if language else None
    titles = {title for _, title in parts_of(tagged.build)}
    assert tagged.annotations
    for page, annotation in tagged.annotations:
        assert annotation.objgen in held, f"page {page}: a link outside any Link element"
        description = str(annotation.get("/Contents", ""))
        target = str(annotation.get("/Dest", ""))
        assert described(description, target), f"page {page}: link described as {description!r}"
        if forms:
            assert forms.fullmatch(description) or description in titles, f"page {page}: {description!r}"
        if target.startswith("src-"):
            assert target.removeprefix("src-") in description
        assert tagged.pdf.pages[page - 1].obj.Tabs == "/S"


# Both editions, as files


@pytest.fixture(scope="session", params=[(m, e) for m in MANUSCRIPTS for e in ("screen", "print")],
                ids=lambda p: f"{p[0].name}-{p[1]}")
def pdf_file(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    manuscript, edition = request.param
    if edition == "screen":
        build = build_of(request, manuscript, tmp_path_factory)
    else:
        build = build_of(request, manuscript, tmp_path_factory, formats=("pdf",), edition=edition)
    path = tmp_path_factory.mktemp("pdf") / f"{manuscript.name}-{edition}.pdf"
    path.write_bytes(build.layout.pdf)
    return path


def test_qpdf_finds_nothing_wrong(pdf_file: Path) -> None:
    result = run([tool("qpdf"), "--check", str(pdf_file)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


def test_ghostscript_renders_every_page_without_a_message(pdf_file: Path) -> None:
    result = run([tool("gs"), "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=nullpage", str(pdf_file)])
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


# The EPUB


def test_ace_by_daisy_reports_no_violation(built: Artifacts, tmp_path: Path) -> None:
    """Ace 1.4.6 with -E exits 2 on any violation of any impact; its report lists them."""
    ace = TOOLS / "ace-cli"
    assert ace.exists(), f"Ace by DAISY is not installed: {SETUP}"
    chromium = tool("chromium")
    book = tmp_path / "book.epub"
    book.write_bytes(next(data for path, data in built.files.items() if path.suffix == ".epub"))
    result = subprocess.run([str(ace), "-s", "-f", "-E", "-o", str(tmp_path / "ace"), str(book)],
                            capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
                            env={**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium})
    report = json.loads((tmp_path / "ace" / "report.json").read_text())
    violations = [(test["earl:test"]["earl:impact"], test["earl:test"]["dct:title"], item["earl:testSubject"]["url"])
                  for item in report["assertions"] for test in item["assertions"]]
    assert violations == [] and result.returncode == 0, result.stderr[-2000:]
    assert report["earl:result"]["earl:outcome"] == "pass"
    with zipfile.ZipFile(book) as epub:
        assert epub.testzip() is None


# The one test command


def test_ci_and_the_readme_run_the_one_setup_script() -> None:
    """CI and the README run the same command, which installs what these tests need."""
    script = PROJECT / "tests" / "setup-and-run"
    assert script.stat().st_mode & 0o111
    assert "exec tests/setup-and-run" in (PROJECT / ".ci" / "run").read_text()
    readme = (PROJECT / "README.md").read_text()
    assert "\ntests/setup-and-run\n" in readme
    text = script.read_text()
    for package in ("chromium", "qpdf", "ghostscript", "poppler-utils", "nodejs", "npm"):
        assert package in text
    assert "npm ci --prefix tests" in text and "PUPPETEER_SKIP_DOWNLOAD=1" in text
    assert json.loads((PROJECT / "tests" / "package.json").read_text())["dependencies"] == {"@daisy/ace-cli": "1.4.6"}
    assert run(["bash", "-n", str(script)]).returncode == 0
