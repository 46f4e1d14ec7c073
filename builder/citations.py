"""Citations: sources formatted in Chicago notes-and-bibliography style.

Owns the wording of a full note, a short note, "Ibid." and a bibliography
entry for any registered source, including "cited in" for a publication seen
only through another document. Everything returns escaped `Markup`; no field
of a source ever reaches the page unescaped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Mapping

from babel.dates import format_date, format_skeleton
from markupsafe import Markup, escape

from .models import Name, PartialDate, Source

ABBREVIATION_SPACE = re.compile(r"\b(nn?|paras?|pp?|s\.v|no|vol|ch)\. ")
ITALIC_TITLE_TYPES = frozenset({"book", "motion_picture", "report", "thesis", "pamphlet", "dataset"})
BOOKISH_TYPES = frozenset({"book", "report", "thesis"})
ITALIC_CONTAINER_TYPES = frozenset({
    "article-newspaper", "article-magazine", "article-journal", "entry-encyclopedia",
    "entry-dictionary", "chapter", "paper-conference", "broadcast"})


def italic(text: str) -> Markup:
    return Markup("<i>{}</i>").format(text)


def quoted(text: str) -> Markup:
    return Markup("“{}”").format(text)


def _person(name: Name, inverted: bool = False) -> str:
    if name.literal:
        return name.literal
    if inverted and name.given:
        return f"{name.family}, {name.given}"
    return " ".join(p for p in (name.given, name.family) if p)


def _authors(names: tuple[Name, ...], inverted_first: bool = False) -> str:
    people = [_person(n, inverted_first and i == 0) for i, n in enumerate(names)]
    if len(people) > 3:
        return f"{people[0]} et al."
    if len(people) <= 2:
        return " and ".join(people)
    return f"{people[0]}, {people[1]}, and {people[2]}"


def _short_authors(names: tuple[Name, ...]) -> str:
    families = [n.literal or n.family or "" for n in names]
    if len(families) > 3:
        return f"{families[0]} et al."
    return " and ".join(families) if len(families) <= 2 else f"{families[0]}, {families[1]}, and {families[2]}"


def short_title(title: str) -> str:
    """Chicago's short title: the main title (before any colon), four words at most."""
    main = re.split(r":\s", title, maxsplit=1)[0]
    words = main.split()
    short = " ".join(words[:4]) if len(words) > 4 else main
    # A cut after "Biography, Life," must not leave its comma to double the note's own.
    return short.rstrip(" ,;:")


def locator_text(locator: str) -> str:
    """A locator with a no-break space after its abbreviation, so "n." never ends a line."""
    return ABBREVIATION_SPACE.sub("\\1.\u00a0", locator)


def _punctuate(parts: list[Markup], end: str = ".") -> Markup:
    """Join with commas and end the note, putting commas and periods inside closing quotes."""
    text = Markup(", ").join(p for p in parts if p)
    text = Markup(re.sub(r"([”’])([,.])", r"\2\1", str(text) + end))
    return Markup(re.sub(r"([?!])([”’]?)[,.]", r"\1\2", str(text)))


@dataclass(frozen=True)
class Formatter:
    """Formats sources in one language's dates; holds the registry to resolve 'cited in'."""

    sources: Mapping[str, Source]
    format_date: "DateFormatter"

    def _date(self, date: PartialDate | None) -> str:
        return self.format_date(date) if date else ""

    def _title(self, source: Source, short: bool = False) -> Markup:
        title = short_title(source.title) if short else source.title
        return italic(title) if source.type in ITALIC_TITLE_TYPES else quoted(title)

    def _container(self, source: Source) -> Markup:
        if not source.container:
            return Markup("")
        if source.type in ITALIC_CONTAINER_TYPES:
            return italic(source.container)
        return escape(source.container)

    def full(self, source: Source, locator: str | None = None) -> list[Markup]:
        """The parts of a first, full note (without the final period)."""
        parts: list[Markup] = []
        if source.type == "entry-encyclopedia":
            parts.append(Markup("{}, s.v.\u00a0{}").format(self._container(source), quoted(source.title)))
        else:
            if source.authors:
                parts.append(escape(_authors(source.authors)))
            parts.append(self._title(source))
        if source.type in BOOKISH_TYPES:
            if source.edition:
                parts.append(escape(source.edition))
            imprint = ", ".join(p for p in (source.publisher, str(source.issued.year) if source.issued else "") if p)
            if imprint:
                parts[-1] = Markup("{} ({})").format(parts[-1], imprint)
        else:
            if source.type != "entry-encyclopedia":
                parts.append(self._container(source))
                if source.issue:
                    parts[-1] = Markup("{} no. {}").format(parts[-1], source.issue)
            if source.publisher and source.type in ("webpage", "post", "broadcast", "motion_picture"):
                parts.append(escape(source.publisher))
            parts.append(escape(self._date(source.issued)))
        if not source.issued and source.accessed:
            parts.append(escape(f"accessed {self._date(source.accessed)}"))
        if locator:
            parts.append(escape(locator_text(locator)))
        if source.url:
            parts.append(escape(source.url))
        parts = [p for p in parts if p]
        return self._with_origin(source, parts)

    def short(self, source: Source, locator: str | None = None) -> list[Markup]:
        if source.type == "entry-encyclopedia":
            parts = [Markup("{}, s.v.\u00a0{}").format(self._container(source), quoted(source.title))]
        elif source.authors:
            parts = [escape(_short_authors(source.authors)), self._title(source, short=True)]
        else:
            parts = [self._title(source, short=True)]
        if locator:
            parts.append(escape(locator_text(locator)))
        return parts

    def _with_origin(self, source: Source, parts: list[Markup]) -> list[Markup]:
        origin = self.sources.get(source.cited_in or "")
        if origin is None:
            return parts
        seen_in = Markup(", ").join(self.short(origin, source.cited_in_locator))
        return [*parts, Markup("cited in {}").format(seen_in)]

    def bibliography_entry(self, source: Source) -> Markup:
        """A bibliography entry: author inverted, parts separated by periods."""
        parts: list[Markup] = []
        if source.authors:
            parts.append(escape(_authors(source.authors, inverted_first=True)))
        if source.type == "entry-encyclopedia":
            parts.append(Markup("{}, s.v.\u00a0{}").format(self._container(source), quoted(source.title)))
        else:
            parts.append(self._title(source))
        tail = []
        if source.type in BOOKISH_TYPES:
            tail += [source.edition or "", source.publisher or "", str(source.issued.year) if source.issued else ""]
        else:
            if source.type != "entry-encyclopedia":
                container = self._container(source)
                tail.append(Markup("{} no. {}").format(container, source.issue) if source.issue else container)
            tail.append(escape(source.publisher or "") if source.type in ("webpage", "post", "broadcast") else "")
            tail.append(escape(self._date(source.issued)))
        if not source.issued and source.accessed:
            tail.append(escape(f"accessed {self._date(source.accessed)}"))
        if source.url:
            tail.append(escape(source.url))
        tail_text = Markup(", ").join(escape(t) for t in tail if t)
        sentences = [*parts, tail_text] if tail_text else parts
        origin = self.sources.get(source.cited_in or "")
        if origin is not None:
            sentences.append(Markup("Cited in {}").format(Markup(", ").join(self.short(origin, source.cited_in_locator))))
        text = Markup(". ").join(sentences)
        text = Markup(re.sub(r"([”’])\.", r".\1", str(text) + "."))
        return Markup(re.sub(r"([.?!])([”’]?)\.$", r"\1\2", str(text)))

    def sort_key(self, source: Source) -> tuple[str, str]:
        first = source.authors[0] if source.authors else None
        lead = (first.literal or first.family or "") if first else (source.container or source.title)
        return (_sortable(lead), _sortable(source.title))


def _sortable(text: str) -> str:
    return re.sub(r"^(the|a|an)\s+|[“”\"'‘’]", "", text.lower())


class DateFormatter:
    """Dates in the manuscript's language: a day, a month or a year as the source knows it."""

    def __init__(self, language: str):
        self.locale = language.replace("-", "_")

    def __call__(self, date: PartialDate) -> str:
        if date.day:
            return format_date(dt.date(date.year, date.month, date.day), "long", locale=self.locale)
        if date.month:
            return format_skeleton("yMMMM", dt.date(date.year, date.month, 1), locale=self.locale)
        return str(date.year)


def join_note(pieces: list[list[Markup]]) -> Markup:
    """Several citations in one note, separated by semicolons, ending in a period."""
    return _punctuate([Markup("; ").join(Markup(", ").join(p) for p in pieces)])
