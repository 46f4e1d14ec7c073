"""Check: the rules that relate records to each other, what `build` would reject short of
laying the book out, and the summary of a clean manuscript.

`load` has already vouched for each record on its own; here we make sure every
citation names a registered source, every source is used, nothing rests only
on low-reliability sources without being kept out of the text, and every
recorded conflict is settled. `check_rendering` then renders every template for
both editions (citations, names, the prose as XHTML at the author's own line),
reads the book's words and parses every stylesheet, so that `builder check`
reports in one run all that `build` would stop at one at a time.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .models import GRADE_MEANINGS, RESULTS, Citation, Manuscript, Where
from .problems import ManuscriptError, Problem, display_path

STYLESHEETS = ("print.css", "print-shop.css", "epub.css")
STYLES_HINT = ("run builder from the project folder (the one holding styles/), "
               "or pass --styles with the folder that holds print.css and epub.css")
CALL = re.compile(r"""\b(cite|fact)\(([^()]*)\)""")
LANG_ATTRIBUTE = re.compile(r"""\b(?:xml:)?lang\s*=\s*(["'])(.*?)\1""")
LITERAL = re.compile(r"""(["'])([^"']*)\1""")
MEDIA = re.compile(r"@media\b[^{;]*\{")
CSS_POSITION = re.compile(r"at (\d+):(\d+)")


def check_manuscript(m: Manuscript) -> list[Problem]:
    """Every cross-record problem in `m`, in file order."""
    problems: list[Problem] = []
    for rule in (_unknown_sources, _unused_sources, _low_only, _conflicts, _ranges, _templates, _lang_attributes):
        problems.extend(rule(m))
    return sorted(problems)


def _at(where: Where, code: str, message: str, hint: str) -> Problem:
    return Problem(where.path, where.line, where.col, code, message, hint)


def _all_citations(m: Manuscript) -> list[Citation]:
    return [c for record in m.citable().values() for c in record.sources]


def _unknown_sources(m: Manuscript) -> list[Problem]:
    known = set(m.sources)
    hint = "register it in sources.yaml or fix the id"
    out = [_at(c.where, "R001", f"cites unknown source {c.source!r}", hint)
           for c in _all_citations(m) if c.source not in known]
    out += [_at(a.where, "R001", f"account names unknown source {a.source!r}", hint)
            for conflict in m.conflicts for a in conflict.accounts if a.source not in known]
    for source in m.sources.values():
        if source.cited_in and source.cited_in not in known:
            out.append(_at(source.where, "R001", f"cited-in names unknown source {source.cited_in!r}", hint))
        elif source.cited_in == source.id:
            out.append(_at(source.where, "R006", "a source cannot be cited in itself",
                           "name the document in which this publication was seen"))
    return out


def _unused_sources(m: Manuscript) -> list[Problem]:
    used = {c.source for c in _all_citations(m)}
    used |= {a.source for conflict in m.conflicts for a in conflict.accounts}
    # A document that is only seen through the publications it cites is still used.
    used |= {s.cited_in for s in m.sources.values() if s.cited_in and s.id in used}
    return [_at(s.where, "R002", f"source {s.id!r} is never cited",
                "cite it from a fact, an entry or a conflict, or remove it")
            for s in m.sources.values() if s.id not in used]


def _low_only(m: Manuscript) -> list[Problem]:
    out = []
    for record in m.citable().values():
        sources = [m.sources.get(c.source) for c in record.sources]
        if record.excluded or not sources or None in sources:
            continue
        if all(s.low for s in sources):
            grades = ", ".join(sorted({s.grade for s in sources}))
            out.append(_at(record.where, "R003",
                           f"{record.id!r} rests only on low-reliability sources (grade {grades})",
                           "cite a better source, or add `excluded:` with the reason to keep it out of the text"))
    return out


def _conflicts(m: Manuscript) -> list[Problem]:
    ids = set(m.citable())
    out = []
    for conflict in m.conflicts:
        if not conflict.resolved:
            missing = "resolution" if not conflict.resolution else "reason"
            out.append(_at(conflict.where, "R004", f"conflict {conflict.id!r} is unresolved (no {missing})",
                           "write `resolution:` and the `reason:` it rests on"))
        for target in conflict.affects:
            if target not in ids:
                out.append(_at(conflict.where, "R005", f"conflict {conflict.id!r} affects unknown id {target!r}",
                               "name a fact, filmography entry or award id"))
    return out


def _ranges(m: Manuscript) -> list[Problem]:
    return [_at(e.where, "R007", f"{e.id!r} ends ({e.until}) before it starts ({e.year})",
                "swap `year` and `until`, or fix the years")
            for e in m.filmography if e.until is not None and (e.year is None or e.until < e.year)]


def _templates(m: Manuscript) -> list[Problem]:
    base = m.root / "templates"
    return [_at(ch.where, "R008", f"chapter template {ch.template!r} does not exist",
                f"create templates/{ch.template} in the manuscript or fix the path")
            for ch in m.profile.chapters if not (base / ch.template).is_file()]


def check_styles(styles: Path) -> list[Problem]:
    """The styles folder is there, and every stylesheet in it parses without a warning."""
    shown = display_path(styles, styles.parent) if styles.exists() else str(styles)
    if not (styles / "print.css").is_file():
        return [Problem(shown, 1, 1, "M003", "styles folder with print.css not found", STYLES_HINT)]
    problems: list[Problem] = []
    for name in STYLESHEETS:
        path = styles / name
        if path.is_file():
            problems.extend(_stylesheet_problems(path, styles, epub=name == "epub.css"))
    return problems


def epub_stylesheet_problems(styles: Path) -> list[Problem]:
    """What WeasyPrint finds wrong in the EPUB's stylesheet, if there is one."""
    path = styles / "epub.css"
    return _stylesheet_problems(path, styles, epub=True) if path.is_file() else []


def _stylesheet_problems(path: Path, styles: Path, epub: bool) -> list[Problem]:
    """WeasyPrint's complaints about one stylesheet. WeasyPrint reads no media query and drops
    a whole @media block unread; reading systems do read them, so the EPUB stylesheet is
    parsed with its @media preludes blanked out (the rules inside keep their places)."""
    from weasyprint import CSS

    from .pdf import CSS_HINT, ConfinedFetcher, RefusedResource

    shown = display_path(path, styles.parent)
    text = path.read_text(encoding="utf-8")
    if epub:
        text = _media_unwrapped(text)
    logged: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: logged.append(record.getMessage().split("\n")[0])  # type: ignore[method-assign]
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        CSS(string=text, base_url=path.resolve().as_uri(), url_fetcher=ConfinedFetcher([styles]))
    except RefusedResource as refused:
        return [Problem(shown, 1, 1, "P002", f"refused to load {refused.url!r}: {refused.reason}",
                        "keep fonts, images and stylesheets inside the project's styles/ folder")]
    finally:
        logger.removeHandler(handler)
    problems = []
    for message in logged:
        where = CSS_POSITION.search(message)
        line, col = (int(where[1]), int(where[2])) if where else (1, 1)
        problems.append(Problem(shown, line, col, "P001", f"WeasyPrint warning: {message}", CSS_HINT))
    return problems


def _media_unwrapped(css: str) -> str:
    """The stylesheet with each `@media … {` and its closing `}` blanked: every rule in
    it then stands where it stood, at the same line and column."""
    chars = list(css)
    for match in MEDIA.finditer(css):
        chars[match.start():match.end()] = " " * (match.end() - match.start())
        depth = 1
        for index in range(match.end(), len(css)):
            depth += {"{": 1, "}": -1}.get(css[index], 0)
            if depth == 0:
                chars[index] = " "
                break
    return "".join(chars)


def check_rendering(m: Manuscript) -> list[Problem]:
    """Every problem rendering the book would meet: the book's words, each chapter for
    each edition, the prose as XHTML, and the print layout with all its parts."""
    from .context import build_context
    from .render import TARGETS, Renderer, xhtml_problem

    try:
        ctx = build_context(m)
    except ManuscriptError as error:
        return error.problems
    problems = _template_calls(m)
    for target in TARGETS:
        renderer = Renderer(ctx, target)
        if target == "print":
            problems += _undefined_names(m, renderer)
        chapters = []
        for number, spec in enumerate(m.profile.chapters, start=1):
            if not (m.root / "templates" / spec.template).is_file():
                continue  # R008 says so already
            try:
                chapter = renderer.chapter(spec, number)
            except ManuscriptError as error:
                problems.extend(error.problems)
                continue
            chapters.append(chapter)
            if target == "epub" and (problem := xhtml_problem(chapter, m.root)):
                problems.append(problem)
        if target == "print" and len(chapters) == len(m.profile.chapters):
            try:
                renderer.page("print/book.html.j2", chapters=tuple(chapters), edition="screen",
                              page_size="a5", stylesheets=[])
            except ManuscriptError as error:
                problems.extend(error.problems)
    # A template's first fault is found twice, by reading it and by rendering it: told once.
    seen: set[tuple[str, int, str]] = set()
    unique = []
    for problem in problems:
        key = (problem.path, problem.line, problem.code)
        if key not in seen:
            seen.add(key)
            unique.append(problem)
    return sorted(unique)


def _undefined_names(m: Manuscript, renderer) -> list[Problem]:
    """Every name a chapter uses that nothing defines, each at its line: rendering stops
    at a template's first."""
    from jinja2 import TemplateSyntaxError, meta, nodes

    known = set(renderer.env.globals) | {"cite", "chapter"}
    problems = []
    for spec in m.profile.chapters:
        path = m.root / "templates" / spec.template
        if not path.is_file():
            continue
        try:
            tree = renderer.env.parse(path.read_text(encoding="utf-8"))
        except TemplateSyntaxError:
            continue  # rendering reports it, at its line
        undefined = meta.find_undeclared_variables(tree) - known
        for node in tree.find_all(nodes.Name):
            if node.name in undefined and node.ctx == "load":
                problems.append(Problem(display_path(path, m.root.parent), node.lineno, 1, "T002",
                                        f"template error: {node.name!r} is undefined",
                                        "check the names used on this line against the README's template reference"))
    return problems


def _template_calls(m: Manuscript) -> list[Problem]:
    """Every cite('…') and fact('…') naming a fact that is unknown or kept out of the text,
    at its line and column: rendering stops at a template's first."""
    from .render import JINJA_TAG

    records = m.citable()
    problems = []
    for spec in m.profile.chapters:
        path = m.root / "templates" / spec.template
        if not path.is_file():
            continue
        shown = display_path(path, m.root.parent)
        source = path.read_text(encoding="utf-8")
        for tag in JINJA_TAG.finditer(source):
            if tag[0].startswith("{#"):
                continue
            for call in CALL.finditer(source, tag.start(), tag.end()):
                for literal in LITERAL.finditer(call[2]):
                    record_id, offset = literal[2], call.start(2) + literal.start()
                    number = source.count("\n", 0, offset) + 1
                    col = offset - (source.rfind("\n", 0, offset) + 1) + 1
                    record = records.get(record_id)
                    if record is None:
                        problems.append(Problem(shown, number, col, "T003", f"{call[1]}() names unknown fact {record_id!r}",
                                                "use an id from facts.yaml, filmography.yaml or awards.yaml"))
                    elif record.excluded:
                        problems.append(Problem(shown, number, col, "T003",
                                                f"fact {record_id!r} is kept out of the text: {record.excluded}",
                                                "remove it from the template, or cite a better-supported fact"))
    return problems


def _lang_attributes(m: Manuscript) -> list[Problem]:
    """A `lang` in the prose must be a BCP 47 tag, or the EPUB is invalid and the passage
    is hyphenated by no language at all."""
    from .language import BadTag, well_formed_tag

    problems = []
    for spec in m.profile.chapters:
        path = m.root / "templates" / spec.template
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
            for found in LANG_ATTRIBUTE.finditer(line):
                try:
                    well_formed_tag(found[2])
                except BadTag as error:
                    problems.append(Problem(display_path(path, m.root.parent), number, found.start(2) + 1, "T006",
                                            f"lang={found[2]!r}: {error.message}", error.hint))
    return problems


@dataclass(frozen=True)
class Summary:
    sources_by_grade: dict[str, int]
    facts: int
    facts_excluded: int
    filmography: int
    awards_by_result: dict[str, int]
    conflicts: int
    conflicts_resolved: int
    chapters: int

    def lines(self) -> list[str]:
        grades = ", ".join(f"{g} {self.sources_by_grade.get(g, 0)}" for g in GRADE_MEANINGS)
        awards = ", ".join(f"{self.awards_by_result.get(r, 0)} {r}" for r in RESULTS)
        return [
            f"sources      {sum(self.sources_by_grade.values()):>4}  by grade: {grades}",
            f"facts        {self.facts:>4}  ({self.facts_excluded} kept out of the text)",
            f"filmography  {self.filmography:>4}  entries",
            f"awards       {sum(self.awards_by_result.values()):>4}  ({awards})",
            f"conflicts    {self.conflicts:>4}  ({self.conflicts_resolved} resolved)",
            f"chapters     {self.chapters:>4}",
        ]


def summarise(m: Manuscript) -> Summary:
    return Summary(
        sources_by_grade=dict(Counter(s.grade for s in m.sources.values())),
        facts=len(m.facts),
        facts_excluded=sum(1 for f in m.facts.values() if f.excluded),
        filmography=len(m.filmography),
        awards_by_result=dict(Counter(a.result for a in m.awards)),
        conflicts=len(m.conflicts),
        conflicts_resolved=sum(1 for c in m.conflicts if c.resolved),
        chapters=len(m.profile.chapters),
    )
