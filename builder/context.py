"""Context: everything the templates may use, built once from a checked manuscript.

Owns the numbering of notes (afresh in each chapter), the shortening of
repeated citations ("Ibid.", short notes), the sorted filmography and awards,
the numbered bibliography, and the edition's date. Templates see facts only
through `cite()` and `fact()`, so a fact used in the text brings its sources.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Mapping

from markupsafe import Markup, escape

from .citations import DateFormatter, Formatter, merge_locators
from .models import Award, Citable, Citation, Conflict, FilmEntry, Manuscript, PartialDate, Source
from .problems import ManuscriptError
from .words import Words, WordsError


class CitationError(Exception):
    """A template asked for a record it may not use; the renderer adds the template's place."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class Note:
    number: int
    html: Markup
    record_ids: tuple[str, ...]


@dataclass
class NoteBook:
    """The notes of one chapter, in the order the prose calls them."""

    chapter_id: str
    formatter: Formatter
    records: Mapping[str, Citable]
    briefs: Mapping[str, tuple[Conflict, ...]]
    notes: list[Note] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)
    _previous: tuple[Citation, ...] = ()

    def add(self, ids: tuple[str, ...]) -> Note:
        citations = self._citations(ids)
        note = Note(len(self.notes) + 1, self._text(ids, citations), ids)
        self.notes.append(note)
        self._previous = citations
        return note

    def _citations(self, ids: tuple[str, ...]) -> tuple[Citation, ...]:
        """The sources of the facts cited, each once, in the order first named, with all the
        places the facts cite in it as one locator (a citation of one source at several places)."""
        if not ids:
            raise CitationError("cite() was called without a fact id", "write cite('some-fact-id')")
        places: dict[str, list[Citation]] = {}
        for record_id in ids:
            record = self.records.get(record_id)
            if record is None:
                raise CitationError(f"cite() names unknown fact {record_id!r}",
                                    "use an id from facts.yaml, filmography.yaml or awards.yaml")
            if record.excluded:
                raise CitationError(f"fact {record_id!r} is kept out of the text: {record.excluded}",
                                    "remove it from the template, or cite a better-supported fact")
            for citation in record.sources:
                places.setdefault(citation.source, []).append(citation)
        return tuple(Citation(source=source, locator=merge_locators([c.locator for c in cited]),
                              where=cited[0].where) for source, cited in places.items())

    def _repeats_previous(self, citations: tuple[Citation, ...]) -> bool:
        """Chicago's "Ibid.": one source, the same as the one note just before."""
        if len(citations) != 1 or len(self._previous) != 1:
            return False
        now, before = citations[0], self._previous[0]
        # Without a locator of its own, "Ibid." would wrongly inherit the previous one.
        return now.source == before.source and (now.locator == before.locator or bool(now.locator))

    def _text(self, ids: tuple[str, ...], citations: tuple[Citation, ...]) -> Markup:
        sources, formatter = self.formatter.sources, self.formatter
        if self._repeats_previous(citations):
            locator = citations[0].locator
            body = formatter.note([formatter.ibid(None if locator == self._previous[0].locator else locator)])
        else:
            pieces = []
            for citation in citations:
                source = sources[citation.source]
                if source.id in self._seen:
                    pieces.append(formatter.short(source, citation.locator))
                else:
                    # The first citation of a source in a chapter is always the full one.
                    self._seen.add(source.id)
                    origin_seen = source.cited_in in self._seen
                    pieces.append(formatter.full(source, citation.locator, origin_seen))
                    if source.cited_in:
                        self._seen.add(source.cited_in)
            body = formatter.note(pieces)
        briefs = [c.brief for record_id in ids for c in self.briefs.get(record_id, ()) if c.brief]
        if briefs:
            body = Markup(" ").join([body, *(escape(b) for b in dict.fromkeys(briefs))])
        return body


@dataclass(frozen=True)
class BibliographyEntry:
    number: int
    source: Source
    html: Markup


@dataclass(frozen=True)
class RenderContext:
    """What every template of every format receives; `notebook()` starts a chapter's notes."""

    manuscript: Manuscript
    formatter: Formatter
    build_date: dt.datetime
    filmography: tuple[FilmEntry, ...]
    awards: tuple[Award, ...]
    award_counts: Mapping[str, int]
    bibliography: tuple[BibliographyEntry, ...]
    source_numbers: Mapping[str, int]
    conflicts: tuple[Conflict, ...]
    briefs: Mapping[str, tuple[Conflict, ...]]
    words: Words

    @property
    def profile(self):
        return self.manuscript.profile

    def notebook(self, chapter_id: str) -> NoteBook:
        return NoteBook(chapter_id, self.formatter, self.manuscript.citable(), self.briefs)

    def fact(self, record_id: str) -> Citable:
        record = self.manuscript.citable().get(record_id)
        if record is None:
            raise CitationError(f"fact({record_id!r}) names an unknown fact",
                                "use an id from facts.yaml, filmography.yaml or awards.yaml")
        if record.excluded:
            raise CitationError(f"fact {record_id!r} is kept out of the text: {record.excluded}",
                                "remove it from the template, or use a better-supported fact")
        return record

    def source_refs(self, record: Citable) -> list[int]:
        """Bibliography numbers of a record's sources, for the tables' source column."""
        return sorted({self.source_numbers[c.source] for c in record.sources})

    def format_date(self, date: PartialDate | dt.date | None) -> str:
        if date is None:
            return ""
        if isinstance(date, dt.date):
            date = PartialDate(date.year, date.month, date.day)
        return self.formatter.format_date(date)


def build_date(m: Manuscript, environ: Mapping[str, str] = os.environ) -> dt.datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), otherwise the edition's date."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    d = m.profile.date
    return dt.datetime(d.year, d.month or 1, d.day or 1, tzinfo=dt.timezone.utc)


def _film_order(entry: FilmEntry) -> tuple:
    return (entry.year is None, entry.year or 0, entry.until or entry.year or 0, entry.title.lower())


def build_context(m: Manuscript, environ: Mapping[str, str] = os.environ) -> RenderContext:
    formatter = Formatter(m.sources, DateFormatter(m.profile.language))
    entries = {s.id: formatter.bibliography_entry(s) for s in m.sources.values()}
    ordered = sorted(m.sources.values(), key=lambda s: formatter.sort_key(s, entries[s.id]))
    bibliography = tuple(BibliographyEntry(i, s, entries[s.id]) for i, s in enumerate(ordered, start=1))
    briefs: dict[str, list[Conflict]] = {}
    for conflict in m.conflicts:
        for record_id in conflict.affects:
            briefs.setdefault(record_id, []).append(conflict)
    awards = tuple(sorted((a for a in m.awards if not a.excluded),
                          key=lambda a: (a.year, a.body.lower(), ("won", "honour", "nominated").index(a.result))))
    return RenderContext(
        manuscript=m,
        formatter=formatter,
        build_date=build_date(m, environ),
        filmography=tuple(sorted((e for e in m.filmography if not e.excluded), key=_film_order)),
        awards=awards,
        award_counts=Counter(a.result for a in awards),
        bibliography=bibliography,
        source_numbers={e.source.id: e.number for e in bibliography},
        conflicts=m.conflicts,
        briefs={k: tuple(v) for k, v in briefs.items()},
        words=words_of(m),
    )


def words_of(m: Manuscript) -> Words:
    """The book's words: the builder's catalogue for its language and the manuscript's own."""
    try:
        return Words.load(m.profile.language, m.root)
    except WordsError as error:
        raise ManuscriptError(error.problems) from None

