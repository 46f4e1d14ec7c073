"""Build: the whole pipeline, in order, as one readable function.

load and check the manuscript -> build the render context -> render the print
edition and lay it out -> write the PDF while, in a fork, the EPUB is rendered
and packaged (it needs only where the print pages fall: built alone, the EPUB
takes that from the layout, or from the layouts kept on disk, and no PDF is
written) -> write both files.
Everything is produced in memory before anything is written, so a failure at
any stage leaves the last good outputs untouched. The build runs within its
time and memory limits, and a build whose inputs have not changed does nothing.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

# Only what deciding "nothing changed" needs is imported here: a build with nothing to do
# must not pay for loading the YAML reader, Jinja or WeasyPrint. The stages come in
# where they run.
from . import freshness
from .background import Background, BackgroundError
from .limits import NO_LIMITS, Limits, OverTime, enforced
from .output import write_all
from .problems import ManuscriptError, Problem, display_path

if TYPE_CHECKING:
    from . import pdf, sections
    from .context import RenderContext
    from .models import Manuscript
    from .render import RenderedChapter

FORMATS = ("pdf", "epub")
# Under the output folder: the parts' layouts kept between processes (see `sections.Store`).
LAYOUTS = ".cache/layouts"


@dataclass(frozen=True)
class Project:
    """Where a build reads from and writes to."""

    manuscript: Path
    styles: Path
    output: Path

    def stylesheets(self, edition: str) -> list[Path]:
        sheets = [self.styles / "print.css"]
        if edition == "print":
            sheets.append(self.styles / "print-shop.css")
        return sheets


def load_checked(folder: Path) -> Manuscript:
    """The manuscript, or a ManuscriptError listing every problem in it."""
    from .check import check_manuscript
    from .load import load_manuscript

    manuscript, problems = load_manuscript(folder)
    if manuscript is not None:
        problems = check_manuscript(manuscript)
    if problems:
        raise ManuscriptError(problems)
    return manuscript


@contextmanager
def source_date_epoch(when: dt.datetime) -> Iterator[None]:
    """Pin SOURCE_DATE_EPOCH while laying out and writing: should a face be left to
    fontTools to subset, fontTools stamps the current time into it unless this is set,
    and two builds of one input would differ."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(int(when.timestamp()))
    try:
        yield
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


@dataclass(frozen=True)
class Artifacts:
    """Everything one build produced, in memory: the files and what they were made from."""

    context: RenderContext
    chapters: tuple[RenderedChapter, ...]
    html: str
    placement: "pdf.Placement"
    layout: "pdf.Layout | None"  # None when no PDF was asked for
    files: dict[Path, bytes]


class Stages:
    """Announces each stage as it ends, with its time: a long build shows where it is."""

    def __init__(self, report: Callable[[str], None]):
        self.report, self.last = report, time.perf_counter()

    def done(self, what: str) -> None:
        now = time.perf_counter()
        self.report(f"{what} ({now - self.last:.1f} s)")
        self.last = now


def produce(project: Project, formats: tuple[str, ...] = FORMATS, edition: str = "screen",
            report: Callable[[str], None] = lambda line: None,
            cache: "sections.LayoutCache | None" = None) -> Artifacts:
    """Run every stage up to, not including, writing files. A `cache` kept from the last
    build (by `builder watch`, or on disk) spares laying out again the parts no edit
    touched; without one, everything is laid out afresh."""
    stages = Stages(report)
    _load_weasyprint_while_parsing(project.manuscript)
    from . import epub, pdf
    from .context import build_context
    from .models import TRIM_SIZES
    from .render import Renderer

    manuscript = load_checked(project.manuscript)
    if "epub" in formats:
        _epub_stylesheet_checked(project.styles)
    ctx = build_context(manuscript)
    slug = manuscript.profile.slug
    stages.done(f"checked {len(manuscript.citable())} facts and entries from {len(manuscript.sources)} sources")

    printed = Renderer(ctx, "print")
    chapters = printed.chapters()
    width, height = TRIM_SIZES[manuscript.profile.trim]
    html = printed.page("print/book.html.j2", chapters=chapters, edition=edition,
                        page_size=f"{width} {height}",
                        stylesheets=[p.resolve().as_uri() for p in project.stylesheets(edition)])
    stages.done(f"rendered {len(chapters)} chapters with {sum(len(c.notes) for c in chapters)} notes")
    shown_sheet = display_path(project.stylesheets(edition)[0], project.styles.parent)
    with source_date_epoch(ctx.build_date):
        book = pdf.lay_out(html, base=project.manuscript.resolve(),
                           roots=[project.manuscript, project.styles], edition=edition,
                           shown={"stylesheet": shown_sheet, "html": "templates"}, cache=cache,
                           progress=report, pages="pdf" in formats)
        placed = book.placement
        stages.done(f"laid out {placed.page_count} pages ({placed.parts_laid_out} of {placed.part_count} parts anew)")
        files: dict[Path, bytes] = {}
        if "pdf" not in formats:
            layout = None
            files[project.output / f"{slug}.epub"] = epub.make_epub(ctx, placed, project.styles)
            stages.done("packaged the EPUB")
        elif "epub" in formats:
            # The EPUB needs only where the pages fell: it is packaged while the PDF is written.
            with Background(lambda: epub.make_epub(ctx, placed, project.styles)) as packaging:
                layout = pdf.write(book)
                files[project.output / f"{slug}.epub"] = packaging.result()
            stages.done("wrote the PDF and packaged the EPUB")
        else:
            layout = pdf.write(book)
            stages.done("wrote the PDF")
    if "pdf" in formats:
        files = {project.output / f"{slug}.pdf": layout.pdf, **files}
    return Artifacts(ctx, chapters, html, placed, layout, files)


def _epub_stylesheet_checked(styles: Path) -> None:
    """The EPUB's stylesheet goes into the book as it is, and no layout reads it: a typo in it
    would ship silently, so it is parsed here as `check` parses it."""
    from .check import epub_stylesheet_problems

    problems = epub_stylesheet_problems(styles)
    if problems:
        raise ManuscriptError(problems)


def _load_weasyprint_while_parsing(folder: Path) -> None:
    """Loading WeasyPrint takes a process over half a second, as long as parsing the
    manuscript's YAML: on two cores a fork parses while this process loads."""
    if "weasyprint" in sys.modules:
        return
    from . import yamlfile

    with Background(lambda: yamlfile.parsed_ahead(folder)) as parsing:
        importlib.import_module("weasyprint")
        try:
            yamlfile.remember(parsing.result())
        except BackgroundError:
            pass  # the build parses the files itself


@dataclass(frozen=True)
class Outcome:
    written: list[Path]
    up_to_date: bool


def build(project: Project, formats: tuple[str, ...] = FORMATS, edition: str = "screen",
          report: Callable[[str], None] = lambda line: None, limits: Limits = NO_LIMITS,
          cache: "sections.LayoutCache | None" = None) -> Outcome:
    """Build the requested formats and write them, unless the last build already did."""
    stamp = freshness.fingerprint(project.manuscript, project.styles, (*formats, edition))
    if freshness.is_current(project.output, stamp):
        return Outcome([], up_to_date=True)
    if cache is None:
        from .sections import LayoutCache

        cache = LayoutCache(project.output / LAYOUTS)
    try:
        with enforced(limits):
            files = produce(project, formats, edition, report, cache).files
    except (OverTime, MemoryError) as error:
        raise ManuscriptError([_over_limit(error, project, limits)]) from None
    write_all(files, {path: display_path(path, project.output.parent) for path in files})
    freshness.record(project.output, stamp, files)
    return Outcome(list(files), up_to_date=False)


def _over_limit(error: BaseException, project: Project, limits: Limits) -> Problem:
    """Where a runaway build was stopped: the template line it was rendering, if any."""
    from .render import template_frame

    path, line = template_frame(error) or (project.manuscript, 1)
    shown = display_path(path, project.manuscript.resolve().parent)
    if isinstance(error, OverTime):
        return Problem(shown, line, 1, "L001", f"the build was stopped after {limits.seconds:g} s",
                       limits.time_hint())
    return Problem(shown, line, 1, "L002", f"the build was stopped at its {limits.megabytes} MB memory limit",
                   limits.memory_hint())
