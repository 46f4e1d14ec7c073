"""The book laid out part by part: it prints as the single document does, an edit lays out
only what it touched, and a build from the cache is byte for byte a fresh build."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from builder.build import Artifacts, Project, produce
from builder.problems import ManuscriptError
from builder.sections import LayoutCache, anchor_pages

from .conftest import FIXTURES, PROJECT


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_parts_print_as_the_single_document_does(fixture_build: Artifacts) -> None:
    # The single HTML, as the bare `weasyprint` command would render it: same pages, same
    # folios and running heads, same contents numbers (there from target-counter()).
    single = HTML(string=fixture_build.html, base_url=str(FIXTURES / "minimal") + "/").write_pdf()
    assert page_texts(fixture_build.layout.pdf) == page_texts(single)


def outline(reader: PdfReader, items=None) -> list:
    """(title, 0-based page) for each outline entry, nested as in the PDF."""
    items = reader.outline if items is None else items
    return [outline(reader, item) if isinstance(item, list) else (item.title, reader.get_destination_page_number(item))
            for item in items]


def links(reader: PdfReader) -> list[tuple[int, str]]:
    """(page, where it goes) for each link: a 0-based page for an internal one, else its URI."""
    found = []
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            if annotation.get("/Subtype") != "/Link":
                continue
            action = annotation.get("/A", {})
            target = annotation.get("/Dest", action.get("/D"))
            if target is None:
                found.append((number, str(action.get("/URI"))))
                continue
            if isinstance(target, str):
                target = reader.named_destinations[target]
                found.append((number, str(reader.get_destination_page_number(target))))
            else:
                found.append((number, str(reader.get_page_number(target[0].get_object()))))
    return found


def test_the_parts_keep_the_single_documents_outline_links_and_anchors(fixture_build: Artifacts) -> None:
    # What the contents, the outline, the links and the EPUB's page-list are made from.
    document = HTML(string=fixture_build.html, base_url=str(FIXTURES / "minimal") + "/").render()
    single, parts = PdfReader(io.BytesIO(document.write_pdf())), PdfReader(io.BytesIO(fixture_build.layout.pdf))
    assert outline(parts) == outline(single) and len(outline(parts)) > 5
    assert links(parts) == links(single) and len(links(parts)) > 5
    assert fixture_build.layout.anchor_pages == {anchor: index + 1 for anchor, index in anchor_pages(document.pages).items()}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    shutil.copytree(FIXTURES / "minimal", tmp_path / "manuscript")
    shutil.copytree(PROJECT / "styles", tmp_path / "styles")
    return Project(tmp_path / "manuscript", tmp_path / "styles", tmp_path / "output")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rebuilt(project: Project, cache: LayoutCache) -> Artifacts:
    """A build from the cache, having checked it is byte for byte what a fresh build gives."""
    kept = produce(project, cache=cache)
    fresh = produce(project)
    assert kept.files == fresh.files
    return kept


def test_an_edit_lays_out_only_its_own_chapter(project: Project) -> None:
    cache = LayoutCache()
    first = produce(project, cache=cache)
    assert cache.laid_out == cache.part_count == 7  # front, 2 chapters, 4 back-matter sections
    edit(project.manuscript / "facts.yaml", "place: Testville", "place: Testburg")
    again = rebuilt(project, cache)
    assert cache.laid_out == 1
    assert "born in Testburg" in " ".join(page_texts(again.layout.pdf))
    assert again.layout.pdf != first.layout.pdf


def test_a_chapter_that_grows_moves_the_parts_after_it(project: Project) -> None:
    cache = LayoutCache()
    before = produce(project, cache=cache).layout.anchor_pages
    chapter = project.manuscript / "templates/chapters/beginnings.html.j2"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "<p>More to say.</p>\n" * 60, encoding="utf-8")
    after = rebuilt(project, cache)
    moved = after.layout.anchor_pages["work"]
    assert moved > before["work"] and moved % 2 == 1  # still on a recto
    contents = page_texts(after.layout.pdf)[after.layout.anchor_pages["contents"] - 1]
    assert f"2 Work and Prizes {moved}" in contents.replace(" .", "").replace(". ", " ")


def test_a_stylesheet_edit_lays_everything_out_afresh(project: Project) -> None:
    cache = LayoutCache()
    produce(project, cache=cache)
    edit(project.styles / "print.css", "html.trim-6x9 { font-size: 11pt; }", "html.trim-6x9 { font-size: 12pt; }")
    rebuilt(project, cache)
    assert cache.laid_out == cache.part_count


def test_a_failed_build_keeps_nothing_for_the_next(project: Project) -> None:
    cache = LayoutCache()
    produce(project, cache=cache)
    css = project.styles / "print.css"
    good = css.read_text(encoding="utf-8")
    css.write_text(good + "\np { colr: red }\n", encoding="utf-8")
    with pytest.raises(ManuscriptError):
        produce(project, cache=cache)
    css.write_text(good, encoding="utf-8")
    rebuilt(project, cache)
    assert cache.laid_out == cache.part_count


def test_a_long_book_reports_its_layout_at_each_tenth(project: Project) -> None:
    profile = project.manuscript / "profile.yaml"
    text = profile.read_text(encoding="utf-8")
    chapters = text[text.index("  - id: beginnings"):]
    copies = "".join(chapters.replace("id: beginnings", f"id: beginnings-{n}").replace("id: work", f"id: work-{n}")
                     for n in range(14))
    profile.write_text(text + copies, encoding="utf-8")  # 30 chapters and 4 back-matter sections
    lines: list[str] = []
    produce(project, formats=("pdf",), report=lines.append)
    progress = [line.split(", ") for line in lines if line.startswith("laying out")]
    assert [parts for parts, _ in progress] == [f"laying out: {n} of 34 parts" for n in range(3, 34, 3)]
    pages = [int(count.split()[0]) for _, count in progress]
    assert pages == sorted(set(pages))
