"""Render: templates in, markup out, for one target format at a time.

Owns the Jinja environment (sandboxed, strict about undefined names, always
escaping), the template functions the prose may call (`cite`, `fact`, and `t` for the
book's own words), typography by language (through `typography`), and the translation of any template
failure into a `file:line:col` problem. It writes nothing to disk.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound,
                    TemplateSyntaxError)
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from . import markdown
from .citations import short_title
from .confine import Refused, confined
from .context import CitationError, Note, RenderContext
from .models import ChapterSpec
from .problems import ManuscriptError, Problem, display_path
from .typography import mark_passages, typeset, typeset_attribute

# A <p> start tag without an id: autoescaping guarantees no such text inside an attribute.
PARAGRAPH = re.compile(r"<p(?=[\s>])(?![^>]*\bid=)")
LAYOUTS = Path(__file__).parent / "templates"
TARGETS = ("print", "epub")


@dataclass(frozen=True)
class RenderedChapter:
    spec: ChapterSpec
    number: int
    body: Markup
    notes: tuple[Note, ...]


class RefusedTemplate(TemplateError):
    """A template name that leads to a file the build may not read."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"template {name!r} {reason}")


class ConfinedLoader(FileSystemLoader):
    """Reads templates only from plain files inside its folders, symlinks followed first:
    Jinja's own loader already refuses `..` in a name but would follow a link out."""

    def get_source(self, environment, template):
        for folder in self.searchpath:
            candidate = Path(folder, *split_template_path(template))
            if candidate.is_symlink() or candidate.exists():
                try:
                    confined(candidate, [Path(folder)])
                except Refused as refused:
                    raise RefusedTemplate(template, refused.reason) from None
                break
        return super().get_source(environment, template)


class CompiledTemplates(BytecodeCache):
    """Compiled templates in memory, each under its source's checksum (Jinja recompiles one
    whose source changed). The print and EPUB renderers, and every rebuild in `builder watch`,
    then compile a template once instead of once per renderer: a third of an EPUB's time."""

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.codes:
            bucket.bytecode_from_string(self.codes[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


COMPILED = CompiledTemplates()


@lru_cache(maxsize=512)
def typeset_cached(html: str, language: str) -> str:
    """A rebuild after an edit feeds the typography mostly the same chapters."""
    return typeset(html, language)


class Renderer:
    """Renders a manuscript's templates and the book layouts for one target."""

    def __init__(self, ctx: RenderContext, target: str):
        self.ctx, self.target = ctx, target
        self.root = ctx.manuscript.root
        self.template_dir = self.root / "templates"
        self.env = ImmutableSandboxedEnvironment(
            loader=ConfinedLoader([str(self.template_dir), str(LAYOUTS)]),
            autoescape=True,  # explicit: name-based autoescape misses `*.xhtml.j2` files
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=COMPILED,
        )
        self.env.filters.update(date=ctx.format_date, years=self.years, typo=self.typography,
                                typo_attribute=lambda text: Markup(typeset_attribute(text, ctx.profile.language)))
        self.env.globals.update(ctx=ctx, profile=ctx.profile, fact=ctx.fact, target=target, t=ctx.words)
        self.foreign_titles = foreign_titles(ctx)

    def typography(self, html: str) -> Markup:
        """Quotes, apostrophes and spaces as the book's language (and each passage's) wants
        them; a source's title in another language marked as such first."""
        language = self.ctx.profile.language
        return Markup(typeset_cached(mark_passages(str(html), self.foreign_titles, language), language))

    def years(self, entry: Any) -> str:
        """A year or a range of years, with an en dash; the language's "n.d." when undated."""
        start, end = getattr(entry, "year", None), getattr(entry, "until", None)
        if start is None:
            return str(self.ctx.words("filmography.undated"))
        return f"{start}–{end}" if end and end != start else str(start)

    def chapters(self) -> tuple[RenderedChapter, ...]:
        return tuple(self.chapter(spec, number)
                     for number, spec in enumerate(self.ctx.profile.chapters, start=1))

    def chapter(self, spec: ChapterSpec, number: int) -> RenderedChapter:
        notebook = self.ctx.notebook(spec.id)
        note_markup = self._layout(f"{self.target}/note.j2").module

        def cite(*ids: str) -> Markup:
            return Markup(note_markup.call(notebook.add(ids), spec.id))

        if markdown.is_markdown(spec.template):
            body = markdown.render(self.env, spec.template, self._shown, cite=cite, chapter=spec)
        else:
            body = self._render(spec.template, cite=cite, chapter=spec)
        return RenderedChapter(spec, number, self.typography(number_paragraphs(body, spec.id)),
                               tuple(notebook.notes))

    def page(self, name: str, **values: Any) -> str:
        """A whole document (the print book, an EPUB page) from a layout template."""
        return str(self.typography(self._render(name, **values)))

    def _layout(self, name: str):
        try:
            return self.env.get_template(name)
        except TemplateError as error:
            raise ManuscriptError([self._problem(error, name)]) from None

    def _render(self, name: str, **values: Any) -> str:
        try:
            return self.env.get_template(name).render(**values)
        except (TemplateError, CitationError, ArithmeticError, LookupError, TypeError,
                ValueError, AttributeError) as error:
            raise ManuscriptError([self._problem(error, name)]) from None

    def _problem(self, error: Exception, name: str) -> Problem:
        if isinstance(error, TemplateSyntaxError):
            path = Path(error.filename) if error.filename else self.template_dir / name
            return Problem(self._shown(path), error.lineno or 1, 1, "T001",
                           f"template syntax error: {error.message}",
                           "fix the {{ }} or {% %} tag on this line")
        path, line = self._template_frame(error, name)
        if isinstance(error, TemplateNotFound):
            return Problem(self._shown(path), line, 1, "T004",
                           f"template {error.name!r} is not in the manuscript's templates folder",
                           "include or import only templates that lie inside templates/")
        if isinstance(error, RefusedTemplate):
            return Problem(self._shown(path), line, 1, "T005", error.message,
                           "include or import only plain template files that lie inside templates/")
        if isinstance(error, CitationError):
            return Problem(self._shown(path), line, 1, "T003", error.message, error.hint)
        message = getattr(error, "message", None) or str(error)
        return Problem(self._shown(path), line, 1, "T002", f"template error: {message}",
                       "check the names used on this line against the README's template reference")

    def _template_frame(self, error: Exception, name: str) -> tuple[Path, int]:
        return template_frame(error) or (self.template_dir / name, 1)

    def _shown(self, path: Path) -> str:
        return display_path(path, self.root.parent)


def foreign_titles(ctx: RenderContext) -> dict[str, str]:
    """Escaped title (its short form too, as notes give it, and the container's) ->
    language, for every source whose CSL `language` is not the book's."""
    book = ctx.profile.language.lower().split("-")[0]
    titles: dict[str, str] = {}
    for source in ctx.manuscript.sources.values():
        if source.language and source.language.lower().split("-")[0] != book:
            named = (source.title, source.title and short_title(source.title), source.get("container-title"))
            for title in filter(None, named):
                titles.setdefault(str(escape(title)), source.language)
    return titles


def template_frame(error: BaseException) -> tuple[Path, int] | None:
    """The innermost traceback frame that is a template file: where the editor must look.
    Jinja rewrites the traceback of any exception raised while rendering so that its
    frames carry template lines, not the lines of the Python it compiled them to."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        path = Path(frame.filename)
        if path.suffix == ".j2" and path.exists():
            return path, frame.lineno or 1
    return None


XHTML_WRAPPER = '<div xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
LXML_PLACE = re.compile(r", line \d+, column \d+$")  # lxml's own place, in the wrapped text
XHTML_HINT = "close every element (<br/>, not <br>) and type characters, not named entities such as &nbsp;"


def xhtml_problem(chapter: RenderedChapter, root: Path) -> Problem | None:
    """Why a chapter's prose is not well-formed XHTML, at the author's line and column, or
    None when it is. The EPUB is XHTML; an HTML-tolerant print render never asks it of the
    prose. The rendered text says whether; the template, with its {{ }} and {% %} blanked
    out, says where (a fault that only the rendered text has is placed at its first line)."""
    from lxml import etree

    def fault(text: str) -> etree.XMLSyntaxError | None:
        try:
            etree.fromstring(f"{XHTML_WRAPPER}{text}</div>".encode("utf-8"))
        except etree.XMLSyntaxError as error:
            return error
        return None

    rendered = fault(str(chapter.body))
    if rendered is None:
        return None
    path = root / "templates" / chapter.spec.template
    source = path.read_text(encoding="utf-8")
    located = fault(JINJA_TAG.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), source))
    error, line, col = rendered, 1, 1
    if located is not None:
        error, (line, col) = located, located.position
        col = max(col - len(XHTML_WRAPPER) if line == 1 else col, 1)
    lines = source.split("\n")
    if error.msg.startswith("Entity") and line <= len(lines):
        col = lines[line - 1].rfind("&", 0, col) + 1 or col  # lxml points past the entity's end
    near = lines[line - 1].strip()[:60] if line <= len(lines) else ""
    return Problem(display_path(path, root.parent), line, col, "E001",
                   f"the EPUB needs well-formed XHTML: {LXML_PLACE.sub('', error.msg)} (near {near!r})", XHTML_HINT)


def number_paragraphs(html: str, chapter_id: str) -> str:
    """Give every paragraph an id, the same in both editions: the EPUB's page-list uses
    them to mark where each print page begins."""
    counter = iter(range(1, 1_000_000))
    return PARAGRAPH.sub(lambda m: f'<p id="{chapter_id}-p{next(counter)}"', html)

