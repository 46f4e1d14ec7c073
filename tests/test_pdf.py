"""The print edition's PDF, read back with pypdf: page geometry, notes at the foot of
their call's page, contents and outline, tables, fonts, metadata, the two editions,
and a build that fails on a stylesheet's typo.

Most tests run on both the fixture manuscript and the shipped one; variants are built
from copies of the fixture."""

from __future__ import annotations

import html
import io
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.subset import Subsetter
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from builder.build import Artifacts, Project, produce
from builder.models import TRIM_SIZES
from builder import weasyprint_internals as internals
from builder.problems import ManuscriptError

from .conftest import FIXTURES, PROJECT

STYLES = PROJECT / "styles"
FONTS = STYLES / "fonts"
BACK_MATTER = {"filmography": "Filmography", "awards": "Awards and Honors",
               "note-on-sources": "A Note on Sources", "bibliography": "Bibliography"}
POINTS = {"in": 72, "mm": 72 / 25.4}


@dataclass
class Printed:
    """A build's PDF and what the templates meant it to hold."""

    build: Artifacts

    @cached_property
    def reader(self) -> PdfReader:
        return PdfReader(io.BytesIO(self.build.layout.pdf))

    @cached_property
    def texts(self) -> list[str]:
        return [page.extract_text() for page in self.reader.pages]

    def text(self, page: int) -> str:
        """The text of a 1-based page."""
        return self.texts[page - 1]

    def page_of(self, anchor: str) -> int:
        return self.build.layout.anchor_pages[anchor]

    @property
    def parts(self) -> list[tuple[str, str]]:
        """(id, label as the contents print it) for chapters, then back matter."""
        chapters = [(c.spec.id, f"{c.number} {c.spec.title}") for c in self.build.chapters]
        return chapters + list(BACK_MATTER.items())


@pytest.fixture(scope="session", params=["fixture_build", "real_build"])
def book(request: pytest.FixtureRequest) -> Printed:
    # A manuscript that does not build fails every test that needs it: never a skip.
    return Printed(request.getfixturevalue(request.param))


def build_pdf(manuscript: Path, styles: Path = STYLES, edition: str = "screen") -> Printed:
    return Printed(produce(Project(manuscript, styles, manuscript.parent / "output"),
                           formats=("pdf",), edition=edition))


def points(length: str) -> float:
    return float(length[:-2]) * POINTS[length[-2:]]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# Pages

def test_every_page_has_the_profiles_trim_size(book: Printed) -> None:
    width, height = map(points, TRIM_SIZES[book.build.context.profile.trim])
    sizes = {(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) for p in book.reader.pages}
    assert sizes == {(round(width, 2), round(height, 2))}


@pytest.fixture(scope="module", params=["a5", "letter"])
def trimmed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Printed:
    """The fixture manuscript with another trim size in its profile."""
    manuscript = tmp_path_factory.mktemp(f"trim-{request.param}") / "manuscript"
    shutil.copytree(FIXTURES / "minimal", manuscript)
    edit(manuscript / "profile.yaml", "trim: 6x9", f"trim: {request.param}")
    return build_pdf(manuscript)


def test_another_trim_in_the_profile_sets_the_page_size(trimmed: Printed) -> None:
    page = trimmed.reader.pages[0]
    width, height = map(points, TRIM_SIZES[trimmed.build.context.profile.trim])
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((width, height), abs=0.01)


def test_notes_keep_to_their_calls_page_at_another_trim(trimmed: Printed) -> None:
    """At letter size a rounding error in WeasyPrint once sent every note to the next page."""
    assert strays(trimmed) == []


def test_chapters_and_back_matter_open_on_a_recto(book: Printed) -> None:
    assert [book.page_of(part) % 2 for part, _ in book.parts] == [1] * len(book.parts)


def running_head_lines(book: Printed, page: int) -> set[str]:
    """The lines of a page that are a running head with its folio."""
    profile = book.build.context.profile
    heads = {f"{page} {profile.title}"} | {
        f"{c.spec.running_head or c.spec.title} {page}" for c in book.build.chapters} | {
        f"{title} {page}" for title in BACK_MATTER.values()}
    return heads & set(book.text(page).splitlines())


def test_running_heads_on_text_pages_and_none_on_openings(book: Printed) -> None:
    openings = {book.page_of(part) for part, _ in book.parts}
    first, last = min(openings), len(book.reader.pages)
    for page in range(first, last + 1):
        blank = not book.text(page).strip()
        assert bool(running_head_lines(book, page)) == (page not in openings and not blank), page


def test_a_verso_carries_the_title_and_a_recto_its_part(book: Printed) -> None:
    title = book.build.context.profile.title
    starts = sorted((book.page_of(part), label) for part, label in book.parts)
    for page in range(starts[0][0], len(book.reader.pages) + 1):
        for head in running_head_lines(book, page):
            assert head.startswith(f"{page} {title}") if page % 2 == 0 else head.endswith(f" {page}")


def test_text_is_hyphenated_in_the_manuscripts_language(minimal: Path) -> None:
    words = "Documentary filmmakers, screenwriters and television programmers considered "
    (minimal / "templates/chapters/work.html.j2").write_text(f"<p>{words * 12}</p>\n", encoding="utf-8")
    printed = build_pdf(minimal)
    text = printed.text(printed.page_of("work"))
    assert re.search(r"[a-z]\u2010\n[a-z]", text), "a word broken at a line's end with a hyphen"


# Notes

def note_pairs(book: Printed):
    for chapter in book.build.chapters:
        for note in chapter.notes:
            yield chapter, note, f"call-{chapter.spec.id}-{note.number}", f"note-{chapter.spec.id}-{note.number}"


def strays(printed: Printed) -> list[tuple[str, int, int]]:
    """(note id, call's page, note's page) for every note not on its call's page."""
    return [(note_id, printed.page_of(call), printed.page_of(note_id))
            for _, _, call, note_id in note_pairs(printed) if printed.page_of(call) != printed.page_of(note_id)]


def test_every_note_lands_on_the_page_of_its_call(book: Printed) -> None:
    assert strays(book) == []


def plain(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", markup)).split())


def test_each_note_is_printed_with_its_own_number_on_its_page(book: Printed) -> None:
    """The numbers start afresh in each chapter, as the citations do."""
    missing = []
    for _, note, _, note_id in note_pairs(book):
        text = " ".join(book.text(book.page_of(note_id)).split())
        if f"{note.number}. {plain(note.html)[:24]}" not in text:
            missing.append(note_id)
    assert missing == []


def test_the_pdf_holds_one_note_per_citation(book: Printed) -> None:
    laid_out = {a for a in book.build.layout.anchor_pages if re.fullmatch(r"note-.+-\d+", a)}
    assert laid_out == {note_id for *_, note_id in note_pairs(book)}
    assert len(laid_out) == sum(len(c.notes) for c in book.build.chapters)


IDS = ["birth", "first-job", "prize-report", "film-series", "film-first", "prize-2001", "prize-2002"]
FILLER = "The record of these years is thin, and the sources do not always agree on the order of events. "


def test_dense_notes_stay_on_their_calls_page(minimal: Path) -> None:
    """Forty calls in four lines, between paragraphs long enough to fill pages: WeasyPrint
    alone moves the last notes to the next page to fit a paragraph's first lines."""
    calls = " ".join(f"Fact{{{{ cite('{IDS[i % len(IDS)]}') }}}}" for i in range(40))
    paragraph = f"<p>{FILLER * 6}</p>\n"
    (minimal / "templates/chapters/work.html.j2").write_text(
        paragraph * 2 + f"<p>{calls}</p>\n" + paragraph * 8, encoding="utf-8")
    printed = build_pdf(minimal)
    assert sum(len(c.notes) for c in printed.build.chapters) == 42
    assert strays(printed) == []


# Contents and outline

def contents_entries(book: Printed) -> list[tuple[str, int]]:
    """(label, page number) as printed on the contents page, leaders dropped."""
    entries = []
    for line in book.text(book.page_of("contents")).splitlines():
        entry = re.fullmatch(r"(.+?)\s*(?:\.\s*)+(\d+)", line.strip())
        if entry:
            entries.append((" ".join(entry[1].split()), int(entry[2])))
    return entries


def test_contents_give_the_page_each_part_begins_on(book: Printed) -> None:
    assert contents_entries(book) == [(label, book.page_of(part)) for part, label in book.parts]


def test_outline_mirrors_the_contents(book: Printed) -> None:
    outline = book.reader.outline
    assert all(not isinstance(item, list) for item in outline), "the outline is flat"
    assert [(item.title, book.reader.get_destination_page_number(item) + 1) for item in outline] == \
        contents_entries(book)


# Tables

def table_fragments(book: Printed) -> list[tuple[int, int, int]]:
    """(page, header rows, body rows) for each page's piece of a table, from the PDF's tags."""
    fragments = []

    def walk(node) -> None:
        node = node.get_object()
        if not hasattr(node, "get"):
            return
        if node.get("/S") == "/Table":
            rows = {part.get_object()["/S"]: count_rows(part) for part in kids(node)
                    if part.get_object().get("/S") in ("/THead", "/TBody")}
            fragments.append((book.reader.get_page_number(node["/Pg"]) + 1,
                              rows.get("/THead", 0), rows.get("/TBody", 0)))
            return
        for kid in kids(node):
            walk(kid)

    walk(book.reader.trailer["/Root"]["/StructTreeRoot"])
    return fragments


def kids(node) -> list:
    k = node.get_object().get("/K")
    return [] if k is None else k if isinstance(k, list) else [k]


def count_rows(part) -> int:
    return sum(1 for kid in kids(part) if kid.get_object().get("/S") == "/TR")


def rows_between(book: Printed, start: str, end: str) -> list[tuple[int, int, int]]:
    first, last = book.page_of(start), book.page_of(end)
    return [f for f in table_fragments(book) if first <= f[0] < last]


def test_tables_have_one_row_per_entry_and_no_row_is_split(book: Printed) -> None:
    """A row split across pages would be tagged twice, once in each page's piece."""
    ctx = book.build.context
    assert sum(f[2] for f in rows_between(book, "filmography", "awards")) == len(ctx.filmography)
    assert sum(f[2] for f in rows_between(book, "awards", "note-on-sources")) == len(ctx.awards)


def test_table_header_repeats_on_every_page_the_table_crosses(book: Printed) -> None:
    fragments = rows_between(book, "filmography", "note-on-sources")
    assert [header for _, header, _ in fragments] == [1] * len(fragments)
    assert len({page for page, _, _ in fragments}) == len(fragments)


def test_awards_page_counts_wins_nominations_and_honours(book: Printed) -> None:
    """Only the counts that are not zero: "0 awards won" would be a strange thing to print."""
    counts = book.build.context.award_counts
    text = " ".join(book.text(book.page_of("awards")).split())
    named = {"won": ("award won", "awards won"), "nominated": ("nomination", "nominations"),
             "honour": ("honor", "honors")}
    stated = [f"{counts[r]} {named[r][counts[r] != 1]}" for r in named if counts.get(r)]
    listed = stated[0] if len(stated) == 1 else ", ".join(stated[:-1]) + f"{',' if len(stated) > 2 else ''} and {stated[-1]}"
    assert f"Awards, nominations and honors: {listed}" in text
    assert (" 0 " not in text.split("Sources")[0]) and ("Wins are shaded" in text) == bool(counts.get("won"))


# Fonts

def embedded_fonts(book: Printed) -> dict[str, bytes]:
    """BaseFont name -> the embedded font program, for every font any page uses."""
    fonts = {}
    for page in book.reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts", [font])[0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            program = next((descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor), None)
            fonts[str(font["/BaseFont"])] = program.get_object().get_data() if program else b""
    return fonts


def test_every_font_is_embedded_subset_eb_garamond(book: Printed) -> None:
    fonts = embedded_fonts(book)
    assert {re.sub(r"^/[A-Z]{6}\+", "", name) for name in fonts} == {"EB-Garamond-Press", "EB-Garamond-Press-Italic"}
    assert all(program for program in fonts.values()), "every font program is embedded"


def used_glyphs(program: bytes, original: Path) -> set[str]:
    """Names (from the original font) of the glyphs a subset still draws: WeasyPrint
    keeps glyph ids when it subsets, whichever subsetter it uses."""
    subset, names = TTFont(io.BytesIO(program)), TTFont(original).getGlyphOrder()
    glyphs, used = subset.getGlyphSet(), set()
    for gid, name in enumerate(subset.getGlyphOrder()):
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        if pen.bounds and gid < len(names):
            used.add(names[gid])
    return used


def program_of(book: Printed, suffix: str) -> bytes:
    return next(data for name, data in embedded_fonts(book).items() if name.endswith(suffix))


def test_italic_is_the_fonts_own_italic(book: Printed) -> None:
    italic = TTFont(io.BytesIO(program_of(book, "-Italic")))
    assert italic["name"].getDebugName(4) == "EB Garamond 12 Italic"


def test_small_caps_and_note_calls_are_the_fonts_own_glyphs(book: Printed) -> None:
    used = used_glyphs(program_of(book, "Press"), FONTS / "EBGaramond12-Regular.otf")
    assert any(name.endswith(".sc") for name in used), "small capitals from smcp, not shrunken capitals"
    assert any(name.endswith(".sups") for name in used), "note calls from sups, not raised digits"


def test_fonts_are_subset_by_harfbuzz_keeping_glyph_ids(minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fonttools_subset(*args):
        raise AssertionError("fontTools was asked to subset a font HarfBuzz can subset")

    monkeypatch.setattr(Subsetter, "subset", fonttools_subset)
    printed = build_pdf(minimal)
    regular = program_of(printed, "Press")
    assert len(regular) < (FONTS / "EBGaramond12-Regular.otf").stat().st_size / 5
    assert {"T", "e", "s", "v", "i", "l"} <= used_glyphs(regular, FONTS / "EBGaramond12-Regular.otf")


def test_a_face_harfbuzz_cannot_read_is_left_to_fonttools() -> None:
    handed_on = []
    face = SimpleNamespace(file_content=b"not a font" * 10, index=0, missing={})
    internals.subset_with_harfbuzz(face, {1: "a", 2: "b"}, False, lambda font, to_unicode, hinting: handed_on.append(font))
    assert handed_on == [face] and face.file_content == b"not a font" * 10


# Metadata and editions

def test_metadata_comes_from_the_profile(book: Printed) -> None:
    profile, info = book.build.context.profile, book.reader.metadata
    subtitle = f": {profile.subtitle}" if profile.subtitle else ""
    assert (info.title, info.author, info.subject) == (f"{profile.title}{subtitle}", profile.author,
                                                       " ".join(profile.description.split()))
    assert info["/Keywords"] == ", ".join(profile.keywords)
    assert book.reader.trailer["/Root"]["/Lang"] == profile.language


def xmp(printed: Printed) -> dict[str, str]:
    """The XMP metadata's simple properties, written as attributes or as elements."""
    packet = ET.fromstring(printed.reader.trailer["/Root"]["/Metadata"].get_object().get_data())
    values = {}
    for description in packet.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description"):
        values.update(description.attrib)
        values.update({child.tag: child.text for child in description if child.text and child.text.strip()})
    return values


def test_screen_edition_is_tagged_pdf_ua(book: Printed) -> None:
    root = book.reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True and "/StructTreeRoot" in root  # noqa: E712 (a PDF boolean)
    assert xmp(book)["{http://www.aiim.org/pdfua/ns/id/}part"] == "1"


@pytest.fixture(scope="module")
def print_edition(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    manuscript = tmp_path_factory.mktemp("print-edition") / "manuscript"
    shutil.copytree(FIXTURES / "minimal", manuscript)
    return build_pdf(manuscript, edition="print")


def test_print_edition_is_pdf_x4_with_an_output_intent(print_edition: Printed) -> None:
    root = print_edition.reader.trailer["/Root"]
    assert xmp(print_edition)["{http://www.npes.org/pdfx/ns/id/}GTS_PDFXVersion"] == "PDF/X-4"
    assert [intent["/S"] for intent in root["/OutputIntents"]] == ["/GTS_PDFX"]


def test_print_edition_bleeds_around_the_trim_size(print_edition: Printed) -> None:
    width, height = map(points, TRIM_SIZES["6x9"])
    for page in print_edition.reader.pages:
        trim, bleed, media = page.trimbox, page.bleedbox, page.mediabox
        assert (float(trim.width), float(trim.height)) == pytest.approx((width, height), abs=0.01)
        assert float(trim.left - bleed.left) >= 9 and float(bleed.right - trim.right) >= 9  # 0.125 in
        assert float(trim.bottom - bleed.bottom) >= 9 and float(bleed.top - trim.top) >= 9
        assert media.left < bleed.left and media.top > bleed.top, "crop marks lie outside the bleed"


# Failing builds

def test_a_css_typo_fails_the_build_naming_the_stylesheet_line_and_column(minimal: Path) -> None:
    styles = shutil.copytree(STYLES, minimal.parent / "styles", dirs_exist_ok=True)
    edit(styles / "print.css", "float: footnote;", "float: footnot;")
    lines = (styles / "print.css").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if "float: footnot;" in text)
    col = lines[line - 1].index("float: footnot;") + 1
    with pytest.raises(ManuscriptError) as failure:
        build_pdf(minimal, styles)
    assert [str(p) for p in failure.value.problems] == [
        f"styles/print.css:{line}:{col}: P001 WeasyPrint warning: Ignored `float: footnot` at {line}:{col}, "
        "invalid value. (hint: fix the property or value named here; WeasyPrint drops what it cannot read)"]


def test_a_typo_in_the_print_shop_sheet_names_that_sheet(minimal: Path) -> None:
    styles = shutil.copytree(STYLES, minimal.parent / "styles", dirs_exist_ok=True)
    edit(styles / "print-shop.css", "marks: crop;", "marks: crops;")
    with pytest.raises(ManuscriptError) as failure:
        build_pdf(minimal, styles, edition="print")
    assert [p.path for p in failure.value.problems] == ["styles/print-shop.css"]


def test_a_bad_style_in_the_prose_fails_the_build(minimal: Path) -> None:
    edit(minimal / "templates/chapters/work.html.j2", "<p>", '<p style="colour: red">')
    with pytest.raises(ManuscriptError) as failure:
        build_pdf(minimal)
    assert [(p.path, p.code) for p in failure.value.problems] == [("templates", "P001")]
    assert "colour" in failure.value.problems[0].message


def test_a_link_to_nowhere_in_the_prose_fails_the_build(minimal: Path) -> None:
    edit(minimal / "templates/chapters/work.html.j2", "It won", '<a href="#nowhere">It</a> won')
    with pytest.raises(ManuscriptError) as failure:
        build_pdf(minimal)
    assert [str(p) for p in failure.value.problems] == [
        "manuscript/templates/chapters/work.html.j2:1:72: P001 WeasyPrint error: No anchor #nowhere for "
        "internal URI reference (hint: WeasyPrint could not use this markup; fix the template that writes it)"]
