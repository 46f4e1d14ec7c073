"""EPUB: the reading edition, an EPUB 3 made from the same render context as the print edition.

Owns the EPUB's documents and their order (cover, title page, copyright,
contents, chapters, back matter: the print order), its navigation (contents,
landmarks, the print edition's page-list, the EPUB 2 NCX), its metadata with
the accessibility set, the stylesheet and fonts it embeds, and packaging it
reproducibly. ebooklib writes the package document, the NCX and the zip; the
XHTML documents are written exactly as our templates render them (ebooklib's
EpubHtml would re-parse them with an HTML parser and rebuild their heads).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

from ebooklib import epub
from lxml import etree

from .confine import Refused, confined
from .context import RenderContext
from .cover import Cover, make_cover
from .pagebreaks import PageTarget, mark_pages
from .pdf import Layout
from .problems import ManuscriptError, Problem, display_path
from .render import RenderedChapter, Renderer, xhtml_problem
from .typography import typeset_text

STYLESHEET = "styles/epub.css"  # inside the EPUB, as in the project: its url()s hold in both
COVER_IMAGE = "images/cover.png"
FONT_TYPES = {".otf": "font/otf", ".ttf": "font/ttf", ".woff": "font/woff", ".woff2": "font/woff2"}
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+?)["']?\s*\)""")
OPF_ENTRY, NCX_ENTRY = "EPUB/content.opf", "EPUB/toc.ncx"  # where ebooklib writes them
NCX_NS = "http://www.daisy.org/z3986/2005/ncx/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)  # the earliest time a zip entry can hold
WRITER_OPTIONS = {
    "epub3_pages": False,  # ours marks print pages; ebooklib's would list every id'd epub:type, notes too
    "play_order": {"enabled": True, "start_from": 1},  # the NCX requires playOrder
    "raise_exceptions": True,  # otherwise an OS error is a False return value
}
ACCESSIBILITY = (
    ("schema:accessMode", "textual"),
    ("schema:accessMode", "visual"),  # the cover
    ("schema:accessModeSufficient", "textual"),
    *(("schema:accessibilityFeature", feature) for feature in (
        "structuralNavigation", "tableOfContents", "pageNavigation", "pageBreakMarkers",
        "printPageNumbers", "readingOrder", "alternativeText", "displayTransformability", "ARIA")),
    ("schema:accessibilityHazard", "none"),
    ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"),
)


class Part(NamedTuple):
    id: str
    title: str


class TocEntry(NamedTuple):
    kind: str  # "chapter" or "back", as the print contents classes its lines
    number: int | None
    label: str
    href: str


class Landmark(NamedTuple):
    kind: str
    label: str
    href: str


@dataclass(frozen=True)
class Document:
    uid: str
    file_name: str
    section: str | None  # the id of the section it holds, the same as in print
    xhtml: str


def make_epub(ctx: RenderContext, layout: Layout, styles: Path) -> bytes:
    """The EPUB's bytes. `layout` is the print edition's, for the page-list."""
    renderer = Renderer(ctx, "epub")
    cover = make_cover(ctx.profile, styles, ctx.words)
    chapters = renderer.chapters()
    for chapter in chapters:
        _check_well_formed(chapter, ctx)
    parts = [Part(*part) for part in renderer.env.get_template("parts.j2").module.back_matter]
    toc = _toc(chapters, parts)
    documents = _documents(renderer, chapters, parts, toc, cover)

    trees = {d.file_name: etree.fromstring(d.xhtml.encode("utf-8")) for d in documents}
    sections = {d.section for d in documents if d.section}
    pages = mark_pages(trees, layout.anchor_pages, layout.page_count, sections)
    nav = renderer.page("epub/nav.j2", stylesheet=STYLESHEET, toc=toc, landmarks=_landmarks(toc, parts, ctx),
                        pages=pages)

    book = epub.EpubBook()
    _metadata(book, ctx, layout)
    _resources(book, styles, cover)
    for document in documents:
        content = etree.tostring(trees[document.file_name].getroottree(), encoding="utf-8", xml_declaration=True)
        book.spine.append(book.add_item(_Xhtml(document.uid, document.file_name, content)))
    book.add_item(_Xhtml("nav", "nav.xhtml", nav.encode("utf-8"), properties=["nav"]))
    book.add_item(epub.EpubNcx())
    book.toc = [epub.Link(entry.href, _ncx_label(entry), f"toc-{n}") for n, entry in enumerate(toc, start=1)]
    spine = [d.file_name for d in documents]
    return _package(book, ctx.build_date, lambda entries: _finish(entries, ctx.profile.language, spine, pages,
                                                                   ctx.words.text("epub.page-list")))


class _Xhtml(epub.EpubItem):
    """An XHTML document written as given, with its manifest properties."""

    def __init__(self, uid: str, file_name: str, content: bytes, properties: list[str] | None = None):
        super().__init__(uid=uid, file_name=file_name, media_type="application/xhtml+xml", content=content)
        self.properties = properties or []


def _chapter_file(chapter: RenderedChapter) -> str:
    # Numbered, not named after the chapter id: file names stay short and predictable.
    return f"chapter-{chapter.number:02d}.xhtml"


def _toc(chapters: tuple[RenderedChapter, ...], parts: list[Part]) -> list[TocEntry]:
    return ([TocEntry("chapter", c.number, c.spec.title, _chapter_file(c)) for c in chapters]
            + [TocEntry("back", None, part.title, f"{part.id}.xhtml") for part in parts])


def _ncx_label(entry: TocEntry) -> str:
    return f"{entry.number}. {entry.label}" if entry.number else entry.label


def _landmarks(toc: list[TocEntry], parts: list[Part], ctx: RenderContext) -> list[Landmark]:
    t = ctx.words
    return [Landmark("cover", t("front.cover"), "cover.xhtml"),
            Landmark("toc", t("front.contents"), "contents.xhtml"),
            Landmark("bodymatter", t("epub.start-of-text"), toc[0].href),
            Landmark("backmatter", parts[0].title, f"{parts[0].id}.xhtml")]


def _documents(renderer: Renderer, chapters: tuple[RenderedChapter, ...], parts: list[Part],
               toc: list[TocEntry], cover: Cover) -> list[Document]:
    """Every document of the spine, rendered, in the print edition's order."""
    def page(name: str, **values) -> str:
        return renderer.page(f"epub/{name}.j2", stylesheet=STYLESHEET, **values)

    bibliography = next(f"{part.id}.xhtml" for part in parts if part.id == "bibliography")
    return [
        Document("cover", "cover.xhtml", None, page("cover", image=COVER_IMAGE, alt=cover.alt)),
        Document("title-page", "title.xhtml", "title-page", page("title")),
        Document("copyright", "copyright.xhtml", "copyright", page("copyright")),
        Document("contents", "contents.xhtml", "contents", page("contents", toc=toc)),
        *(Document(_chapter_file(c).removesuffix(".xhtml"), _chapter_file(c), c.spec.id, page("chapter", chapter=c))
          for c in chapters),
        *(Document(part.id, f"{part.id}.xhtml", part.id, page(part.id, part=part, bib=bibliography))
          for part in parts),
    ]


def _check_well_formed(chapter: RenderedChapter, ctx: RenderContext) -> None:
    problem = xhtml_problem(chapter, ctx.manuscript.root)
    if problem:
        raise ManuscriptError([problem])


def _metadata(book: epub.EpubBook, ctx: RenderContext, layout: Layout) -> None:
    profile, t = ctx.profile, ctx.words
    title = (t.text("title-with-subtitle", title=profile.title, subtitle=profile.subtitle) if profile.subtitle
             else typeset_text(profile.title, profile.language))
    book.set_identifier(profile.identifier)
    if profile.isbn:
        book.add_metadata("DC", "identifier", f"urn:isbn:{profile.isbn.replace('-', '')}", {"id": "isbn"})
    book.set_title(title)
    book.set_language(profile.language)
    book.add_author(typeset_text(profile.author, profile.language), role="aut")
    for name, value in (("publisher", profile.publisher), ("rights", profile.rights),
                        ("description", profile.description), ("date", ctx.build_date.date().isoformat()),
                        *(("subject", keyword) for keyword in profile.keywords)):
        book.add_metadata("DC", name, typeset_text(value, profile.language))
    source = t.text("epub.print-source", n=layout.page_count, title=title, edition=profile.edition,
                    trim=t.text(f"trim.{profile.trim}"))
    # EPUB Accessibility 1.1's way; its newer a11y:pageBreakSource is unknown to EPUBCheck 5.3 (OPF-027).
    book.add_metadata("DC", "source", source, {"id": "page-source"})
    _meta(book, "source-of", "pagination", refines="#page-source")
    for prop, value in ACCESSIBILITY:
        _meta(book, prop, value)
    _meta(book, "schema:accessibilitySummary", t.text("epub.accessibility-summary"))


def _meta(book: epub.EpubBook, prop: str, value: str, refines: str | None = None) -> None:
    book.add_metadata(None, "meta", value, {"property": prop, **({"refines": refines} if refines else {})})


def _resources(book: epub.EpubBook, styles: Path, cover: Cover) -> None:
    """The stylesheet, the fonts it names and the cover image."""
    css_path = styles / Path(STYLESHEET).name
    css = css_path.read_text(encoding="utf-8")
    book.add_item(epub.EpubItem(uid="style", file_name=STYLESHEET, media_type="text/css", content=css.encode("utf-8")))
    for number, (name, path) in enumerate(_fonts(css, css_path, styles), start=1):
        book.add_item(epub.EpubItem(uid=f"font-{number}", file_name=f"styles/{name}",
                                    media_type=FONT_TYPES[path.suffix.lower()], content=path.read_bytes()))
    book.set_cover(COVER_IMAGE, cover.png, create_page=False)  # our cover page is linear; ebooklib's is not


def _fonts(css: str, css_path: Path, styles: Path) -> list[tuple[str, Path]]:
    """(name relative to the stylesheet, file) of every font the stylesheet loads; anything
    else it asks for would be a file from outside the project or the network: refused."""
    root = styles.resolve()
    found: dict[str, Path] = {}
    for match in CSS_URL.finditer(css):
        url = match[1]
        try:
            path = confined(root / url, [root])
        except Refused:
            path = None
        if (re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I) or path is None or not path.is_file()
                or path.suffix.lower() not in FONT_TYPES):
            line = css.count("\n", 0, match.start()) + 1
            raise ManuscriptError([Problem(
                display_path(css_path, styles.parent), line, 1, "E002",
                f"the EPUB stylesheet asks for {url!r}, which is not a font file inside the styles folder",
                "keep fonts (.otf, .ttf, .woff, .woff2) under styles/ and name them by a relative path")])
        found.setdefault(path.relative_to(root).as_posix(), path)
    return sorted(found.items())


def _package(book: epub.EpubBook, when: dt.datetime,
             finish: Callable[[dict[str, bytes]], None]) -> bytes:
    """Write the book in memory, let `finish` complete what ebooklib cannot say, then
    re-zip it so the same inputs give the same bytes."""
    raw = io.BytesIO()
    epub.write_epub(raw, book, {**WRITER_OPTIONS, "mtime": when.astimezone(dt.timezone.utc)})
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    finish(entries)
    return _reproducible_zip(entries, when)


def _finish(entries: dict[str, bytes], language: str, spine: list[str], pages: list[PageTarget],
            pages_label: str) -> None:
    """What ebooklib 0.20 leaves out: the package's language (Ace's `epub-lang`), and in
    the NCX its language, depth, page counts and a page-list, for EPUB 2 reading systems."""
    opf = etree.fromstring(entries[OPF_ENTRY])
    opf.set(XML_LANG, language)
    entries[OPF_ENTRY] = etree.tostring(opf, encoding="utf-8", xml_declaration=True)
    entries[NCX_ENTRY] = _ncx_with_pages(etree.fromstring(entries[NCX_ENTRY]), language, spine, pages, pages_label)


def _ncx_with_pages(ncx: etree._Element, language: str, spine: list[str], pages: list[PageTarget],
                    pages_label: str) -> bytes:
    """The NCX with a pageList of the print pages. playOrder runs through navigation
    points and page targets together, in reading order: a document's own entry first,
    then the pages marked in it."""
    ns = {"n": NCX_NS}
    ncx.set(XML_LANG, language)
    head = {meta.get("name"): meta for meta in ncx.iterfind("n:head/n:meta", ns)}
    head["dtb:depth"].set("content", "1")
    for name in ("dtb:totalPageCount", "dtb:maxPageNumber"):
        head[name].set("content", str(len(pages)))
    points = ncx.findall("n:navMap/n:navPoint", ns)
    by_file: dict[str, list[etree._Element]] = {}
    for point in points:
        by_file.setdefault(point.find("n:content", ns).get("src").split("#")[0], []).append(point)
    page_list = etree.SubElement(ncx, f"{{{NCX_NS}}}pageList")
    label = etree.SubElement(etree.SubElement(page_list, f"{{{NCX_NS}}}navLabel"), f"{{{NCX_NS}}}text")
    label.text = pages_label
    for target in pages:
        page = etree.SubElement(page_list, f"{{{NCX_NS}}}pageTarget",
                                {"id": f"page-target-{target.page}", "type": "normal", "value": str(target.page)})
        text = etree.SubElement(etree.SubElement(page, f"{{{NCX_NS}}}navLabel"), f"{{{NCX_NS}}}text")
        text.text = str(target.page)
        etree.SubElement(page, f"{{{NCX_NS}}}content", {"src": target.href})
        by_file.setdefault(target.href.split("#")[0], []).append(page)
    order = 0
    for name in spine:
        for entry in by_file.get(name, []):
            order += 1
            entry.set("playOrder", str(order))
    return etree.tostring(ncx, encoding="utf-8", xml_declaration=True)


def _reproducible_zip(entries: dict[str, bytes], when: dt.datetime) -> bytes:
    """Fixed entry times and permissions; `mimetype` first and stored, as EPUB requires;
    then META-INF and the rest by name."""
    stamp = max(when.astimezone(dt.timezone.utc), ZIP_EPOCH).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in sorted(entries, key=lambda n: (n != "mimetype", not n.startswith("META-INF/"), n)):
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3  # Unix, whichever system builds it
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(info, entries[name], compresslevel=9)
    return out.getvalue()
