"""Models: the typed records a manuscript is made of, after validation.

Every record keeps `where` (file, line, column) so that any later stage can
point the editor at the exact place a problem comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

LOW_GRADES = frozenset({"C", "D"})
GRADE_MEANINGS = {
    "A": "primary or authoritative",
    "B": "edited or referenced secondary source",
    "C": "low reliability",
    "D": "unreliable",
}
RESULTS = ("won", "nominated", "honour")
TRIM_SIZES = {"6x9": ("6in", "9in"), "a5": ("148mm", "210mm"), "letter": ("8.5in", "11in")}


@dataclass(frozen=True)
class Where:
    path: str
    line: int
    col: int


@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day, as sources give them."""

    year: int
    month: int | None = None
    day: int | None = None


@dataclass(frozen=True)
class Name:
    family: str | None = None
    given: str | None = None
    literal: str | None = None


@dataclass(frozen=True)
class Citation:
    source: str
    locator: str | None
    where: Where


@dataclass(frozen=True)
class Source:
    id: str
    type: str
    title: str
    grade: str
    grade_reason: str
    where: Where
    authors: tuple[Name, ...] = ()
    container: str | None = None
    publisher: str | None = None
    issued: PartialDate | None = None
    url: str | None = None
    accessed: PartialDate | None = None
    page: str | None = None
    isbn: str | None = None
    edition: str | None = None
    volume: str | None = None
    issue: str | None = None
    archive: str | None = None
    archive_location: str | None = None
    note: str | None = None
    cited_in: str | None = None
    cited_in_locator: str | None = None
    language: str | None = None  # a BCP 47 tag, when the source's language is not the book's

    @property
    def low(self) -> bool:
        return self.grade in LOW_GRADES


@dataclass(frozen=True)
class Fact:
    id: str
    topic: str
    claim: str
    sources: tuple[Citation, ...]
    where: Where
    date: PartialDate | None = None
    values: Mapping[str, str | int] = field(default_factory=dict)
    excluded: str | None = None


@dataclass(frozen=True)
class FilmEntry:
    id: str
    title: str
    kind: str
    sources: tuple[Citation, ...]
    where: Where
    year: int | None = None
    until: int | None = None
    role: str | None = None
    note: str | None = None
    excluded: str | None = None


@dataclass(frozen=True)
class Award:
    id: str
    year: int
    body: str
    category: str
    result: str
    sources: tuple[Citation, ...]
    where: Where
    work: str | None = None
    credit: str | None = None
    note: str | None = None
    excluded: str | None = None


Citable = Fact | FilmEntry | Award


@dataclass(frozen=True)
class Account:
    source: str
    says: str
    where: Where
    locator: str | None = None


@dataclass(frozen=True)
class Conflict:
    id: str
    topic: str
    accounts: tuple[Account, ...]
    where: Where
    resolution: str | None = None
    reason: str | None = None
    brief: str | None = None
    affects: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        return bool(self.resolution and self.reason)


@dataclass(frozen=True)
class ChapterSpec:
    id: str
    title: str
    template: str
    where: Where
    running_head: str | None = None


@dataclass(frozen=True)
class Profile:
    slug: str
    title: str
    subject: str
    author: str
    publisher: str
    language: str
    identifier: str
    edition: str
    date: PartialDate
    rights: str
    description: str
    chapters: tuple[ChapterSpec, ...]
    where: Where
    subtitle: str | None = None
    keywords: tuple[str, ...] = ()
    trim: str = "6x9"


@dataclass(frozen=True)
class Manuscript:
    root: Path
    profile: Profile
    sources: Mapping[str, Source]
    facts: Mapping[str, Fact]
    filmography: tuple[FilmEntry, ...]
    awards: tuple[Award, ...]
    conflicts: tuple[Conflict, ...]

    def citable(self) -> dict[str, Citable]:
        """Every record a template may cite, by id."""
        records: dict[str, Citable] = dict(self.facts)
        records.update((e.id, e) for e in self.filmography)
        records.update((a.id, a) for a in self.awards)
        return records
