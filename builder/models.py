"""Models: the typed records a manuscript is made of, after validation.

Each record's fields are declared here once: the YAML key a field is read from, the check
that reads it (a converter of `schema`, named by `declared`) and whether it is required
(it has no default). `schema` derives the validation of every record from these
declarations and `load` builds the records with them, so a field cannot be accepted in one
place and forgotten in another.

Every record keeps `where` (file, line, column) so that any later stage can
point the editor at the exact place a problem comes from.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field
from pathlib import Path
from typing import Any, Mapping

LOW_GRADES = frozenset({"C", "D"})
GRADE_MEANINGS = {
    "A": "primary or authoritative",
    "B": "edited or referenced secondary source",
    "C": "low reliability",
    "D": "unreliable",
}
RESULTS = ("won", "nominated", "honour")
# CSL types Chicago cites without a title: an unpublished interview, a letter or conversation.
UNTITLED = frozenset({"interview", "personal_communication"})
TRIM_SIZES = {"6x9": ("6in", "9in"), "a5": ("148mm", "210mm"), "letter": ("8.5in", "11in")}


def declared(check: str, *, key: str | None = None, default: Any = MISSING,
             factory: Any = MISSING) -> Any:
    """A field read from `key` (its name with hyphens, unless given) by the converter `check`;
    required unless it has a default."""
    metadata = {"check": check, "key": key}
    if factory is not MISSING:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


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
class CslDate:
    """A CSL date: a day, month or year, or a range of them, perhaps approximate or in words.
    `season` is 1-4 (spring to winter) or the season's name as the source gives it."""

    start: PartialDate | None = None
    end: PartialDate | None = None
    season: int | str | None = None
    circa: bool = False
    uncertain: bool = False
    literal: str | None = None


@dataclass(frozen=True, kw_only=True)
class Name:
    """A CSL name: a person in parts, or an institution (or anyone) as a `literal`."""

    family: str | None = declared("text", default=None)
    given: str | None = declared("text", default=None)
    dropping_particle: str | None = declared("text", default=None)
    non_dropping_particle: str | None = declared("text", default=None)
    suffix: str | None = declared("text", default=None)
    comma_suffix: bool = declared("flag", default=False)
    static_ordering: bool = declared("flag", default=False)
    parse_names: bool = declared("flag", default=False)
    literal: str | None = declared("text", default=None)


@dataclass(frozen=True, kw_only=True)
class Citation:
    source: str = declared("identifier")
    locator: str | None = declared("text", default=None)
    where: Where


@dataclass(frozen=True, kw_only=True)
class Source:
    """A registered source: the project's own keys, and every CSL variable it gives, by its CSL
    name (names as `Name` tuples, dates as `CslDate`, the rest as text) in `variables`."""

    # The key facts cite it by: its `citation-key` when it has one (Zotero's, which keeps
    # `id` for its own item address), otherwise its `id`; `load` checks it is a usable id.
    id: str = declared("source_id")
    type: str = declared("csl_type")
    title: str | None = declared("text", default=None)  # required but of the UNTITLED types
    grade: str = declared("grade")
    grade_reason: str = declared("text")
    cited_in: str | None = declared("identifier", default=None)
    cited_in_locator: str | None = declared("text", default=None)
    variables: Mapping[str, Any] = declared("csl", factory=dict)
    where: Where

    @property
    def low(self) -> bool:
        return self.grade in LOW_GRADES

    def get(self, variable: str) -> Any:
        return self.variables.get(variable)

    @property
    def authors(self) -> tuple[Name, ...]:
        return self.variables.get("author", ())

    @property
    def language(self) -> str | None:
        return self.variables.get("language")


@dataclass(frozen=True, kw_only=True)
class Fact:
    id: str = declared("identifier")
    topic: str = declared("identifier")
    claim: str = declared("text")
    date: PartialDate | None = declared("partial_date", default=None)
    values: Mapping[str, str | int] = declared("values_map", factory=dict)
    sources: tuple[Citation, ...] = declared("citations")
    excluded: str | None = declared("text", default=None)
    where: Where


@dataclass(frozen=True, kw_only=True)
class FilmEntry:
    id: str = declared("identifier")
    title: str = declared("text")
    kind: str = declared("text")
    year: int | None = declared("year", default=None)
    until: int | None = declared("year", default=None)
    role: str | None = declared("text", default=None)
    note: str | None = declared("text", default=None)
    sources: tuple[Citation, ...] = declared("citations")
    excluded: str | None = declared("text", default=None)
    where: Where


@dataclass(frozen=True, kw_only=True)
class Award:
    id: str = declared("identifier")
    year: int = declared("year")
    body: str = declared("text")
    category: str = declared("text")
    result: str = declared("result")
    work: str | None = declared("text", default=None)
    credit: str | None = declared("text", default=None)
    note: str | None = declared("text", default=None)
    sources: tuple[Citation, ...] = declared("citations")
    excluded: str | None = declared("text", default=None)
    where: Where


Citable = Fact | FilmEntry | Award


@dataclass(frozen=True, kw_only=True)
class Account:
    source: str = declared("identifier")
    says: str = declared("text")
    locator: str | None = declared("text", default=None)
    where: Where


@dataclass(frozen=True, kw_only=True)
class Conflict:
    id: str = declared("identifier")
    topic: str = declared("text")
    accounts: tuple[Account, ...] = declared("accounts")
    resolution: str | None = declared("text", default=None)
    reason: str | None = declared("text", default=None)
    brief: str | None = declared("text", default=None)
    affects: tuple[str, ...] = declared("id_list", default=())
    where: Where

    @property
    def resolved(self) -> bool:
        return bool(self.resolution and self.reason)


@dataclass(frozen=True, kw_only=True)
class ChapterSpec:
    id: str = declared("identifier")
    title: str = declared("text")
    template: str = declared("text")
    running_head: str | None = declared("text", default=None)
    where: Where


@dataclass(frozen=True, kw_only=True)
class Profile:
    slug: str = declared("identifier")
    title: str = declared("text")
    subtitle: str | None = declared("text", default=None)
    subject: str = declared("text")
    author: str = declared("text")
    publisher: str = declared("text")
    language: str = declared("language_tag")
    identifier: str = declared("text")
    # The book's ISBN, when it has one: printed on the copyright page and given in the EPUB's
    # metadata. The identifier above is the EPUB's own, for reading systems, never printed.
    isbn: str | None = declared("isbn", key="ISBN", default=None)
    edition: str = declared("text")
    date: PartialDate = declared("partial_date")
    rights: str = declared("text")
    description: str = declared("text")
    keywords: tuple[str, ...] = declared("text_list", default=())
    trim: str = declared("trim", default="6x9")
    # The pages one folded sheet of the press gives: the book is filled out with blank
    # leaves at its end to a multiple of it (and to an even count whatever it is).
    signature: int = declared("signature", default=4)
    chapters: tuple[ChapterSpec, ...] = declared("chapters")
    where: Where


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
