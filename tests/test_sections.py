"""The book laid out part by part: it prints as the single document does, an edit lays out
only what it touched, in a watch or in a new process (from the layouts kept on disk), and a
build from either cache is byte for byte a fresh build; a damaged or stale store is never
trusted; with WeasyPrint's public API alone, the book is the same."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from builder import freshness
from builder import weasyprint_internals as internals
from builder.build import LAYOUTS, Artifacts, Project, produce
from builder.problems import ManuscriptError
from builder.sections import LayoutCache, anchor_pages

from .conftest import FIXTURES, PROJECT


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_parts_print_as_the_single_document_does(fixture_build: Artifacts) -> None:
    # The single HTML, as the bare `weasyprint` command would render it: same pages, same
    # folios and running heads, same contents numbers (there from target-counter()).
    single = page_texts(HTML(string=fixture_build.html, base_url=str(FIXTURES / "minimal") + "/").write_pdf())
    built = page_texts(fixture_build.layout.pdf)
    # and then the blank leaves that make the book up to whole signatures (see `sections`)
    assert built[:len(single)] == single
    assert set(built[len(single):]) <= {""} and len(built) % 4 == 0 and len(built) - len(single) < 4


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


# The layouts kept on disk: what a new process (`builder build` after an edit) starts from.

def stored_build(project: Project) -> tuple[Artifacts, LayoutCache]:
    """A build as a new process makes it: nothing in memory, the output folder's store on disk;
    checked to be byte for byte what a fresh build gives."""
    cache = LayoutCache(project.output / LAYOUTS)
    kept = produce(project, cache=cache)
    assert kept.files == produce(project).files
    return kept, cache


def test_a_new_process_lays_out_only_the_edited_part_and_the_front(project: Project) -> None:
    stored_build(project)
    edit(project.manuscript / "facts.yaml", "place: Testville", "place: Testburg")
    again, cache = stored_build(project)
    assert (cache.laid_out, cache.part_count) == (2, 7)  # the front matter is laid out by every process
    assert "born in Testburg" in " ".join(page_texts(again.layout.pdf))
    _, cache = stored_build(project)
    assert cache.laid_out == 1


def test_a_library_upgrade_lays_everything_out_again(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    stored_build(project)
    installed = freshness.versions()
    monkeypatch.setattr(freshness, "versions", lambda: {**installed, "weasyprint": "71.0"})
    _, cache = stored_build(project)
    assert cache.laid_out == cache.part_count == 7


def test_a_damaged_part_in_the_store_is_laid_out_again(project: Project) -> None:
    stored_build(project)
    [damaged, *_] = sorted((project.output / LAYOUTS).glob("*.pages"))
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    _, cache = stored_build(project)
    assert cache.laid_out == 2


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong-count"])
def test_a_damaged_store_index_is_never_trusted(project: Project, damage: str) -> None:
    stored_build(project)
    index = project.output / LAYOUTS / "index.json"
    if damage == "garbage":
        index.write_bytes(b"\x00not json")
    elif damage == "truncated":
        index.write_bytes(index.read_bytes()[:100])
    else:  # well formed, its checksum made to match, and wrong: a part said one page longer
        stored = json.loads(index.read_text())
        entry = next(iter(stored["parts"].values()))
        entry["count"] += 1
        stored["sha"] = hashlib.sha256(json.dumps([stored["parts"], stored["fronts"], stored["numbers"]],
                                                  sort_keys=True).encode()).hexdigest()
        index.write_text(json.dumps(stored))
    stored_build(project)


def test_the_store_is_written_whole_or_not_at_all(project: Project) -> None:
    stored_build(project)
    folder = project.output / LAYOUTS
    assert (folder / "index.json").is_file() and len(list(folder.glob("*.pages"))) == 6
    assert not [path for path in folder.iterdir() if path.name.endswith(".part")]


# The public API alone: what the builder does on a WeasyPrint whose internals it does not know.

PUBLIC_BUILD = """
import json, sys
from pathlib import Path
from builder.build import Project, produce
from builder import weasyprint_internals
lines = []
built = produce(Project(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])), report=lines.append)
for path, data in built.files.items():
    Path(sys.argv[3], path.name).write_bytes(data)
print(json.dumps({"problem": weasyprint_internals.PROBLEM, "lines": lines, "pages": built.layout.page_count,
                  "anchors": built.layout.anchor_pages}))
"""


def built_with_the_public_api(manuscript: Path, out: Path) -> dict:
    out.mkdir()
    done = subprocess.run([sys.executable, "-c", PUBLIC_BUILD, str(manuscript), str(PROJECT / "styles"), str(out)],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, internals.FORCED_OFF: "1"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("name", ["fixture_build", "real_build"])
def test_the_public_api_alone_makes_the_same_book(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    fast: Artifacts = request.getfixturevalue(name)
    manuscript = FIXTURES / "minimal" if name == "fixture_build" else PROJECT / "manuscript"
    public = built_with_the_public_api(manuscript, tmp_path / "out")
    assert public["problem"] == f"{internals.FORCED_OFF} is set"
    said = [line for line in public["lines"] if "public API" in line]
    assert len(said) == 1 and "slower, the same book" in said[0]
    assert (public["pages"], public["anchors"]) == (fast.layout.page_count, fast.layout.anchor_pages)
    files = {path.name: data for path, data in fast.files.items()}
    pdf = (tmp_path / "out" / next(n for n in files if n.endswith(".pdf"))).read_bytes()
    assert page_texts(pdf) == page_texts(fast.layout.pdf)  # folios, contents numbers, notes
    # The EPUB takes only where the pages fall from the layout: byte for byte the same.
    epub = next(n for n in files if n.endswith(".epub"))
    assert (tmp_path / "out" / epub).read_bytes() == files[epub]


def test_internals_that_fail_while_used_give_way_to_the_public_api(project: Project,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = produce(project)
    monkeypatch.setattr(internals, "PROBLEM", None)  # put back after the test: the fallback sets it

    def changed(*arguments):
        raise internals.InternalsChanged("page_maker is not as expected")

    monkeypatch.setattr(internals, "renumber", changed)
    lines: list[str] = []
    public = produce(project, report=lines.append)
    assert [line for line in lines if "public API" in line] == [
        "laying the book out with WeasyPrint's public API only (page_maker is not as expected): slower, the same book"]
    assert public.layout.anchor_pages == fresh.layout.anchor_pages
    assert page_texts(public.layout.pdf) == page_texts(fresh.layout.pdf)
