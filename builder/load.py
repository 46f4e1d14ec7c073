"""Load: read a manuscript folder into typed records, reporting every problem.

This stage owns the file layout of a manuscript and the field-by-field
validation of each record. Rules that relate records to each other (unknown
sources, unused sources, conflicts) belong to `check`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from . import schema as s
from .models import (Account, Award, ChapterSpec, Conflict, Fact, FilmEntry, Manuscript,
                     Profile, Source)
from .problems import Problem, display_path
from .yamlfile import read_yaml

PROFILE_FILE = "profile.yaml"
TEMPLATES_DIR = "templates"

SOURCE_FIELDS = {
    "id": s.Spec(s.identifier, True), "type": s.Spec(s.csl_type, True), "title": s.Spec(s.text, True),
    "author": s.Spec(s.names), "editor": s.Spec(s.names), "container-title": s.Spec(s.text),
    "publisher": s.Spec(s.text), "publisher-place": s.Spec(s.text), "issued": s.Spec(s.partial_date),
    "URL": s.Spec(s.url), "accessed": s.Spec(s.partial_date), "page": s.Spec(s.text),
    "ISBN": s.Spec(s.text), "edition": s.Spec(s.text), "volume": s.Spec(s.text), "issue": s.Spec(s.text),
    "archive": s.Spec(s.text), "archive_location": s.Spec(s.text), "note": s.Spec(s.text),
    "grade": s.Spec(s.grade, True), "grade-reason": s.Spec(s.text, True),
    "cited-in": s.Spec(s.identifier), "cited-in-locator": s.Spec(s.text),
    "language": s.Spec(s.language_tag),
}
FACT_FIELDS = {
    "id": s.Spec(s.identifier, True), "topic": s.Spec(s.identifier, True), "claim": s.Spec(s.text, True),
    "date": s.Spec(s.partial_date), "values": s.Spec(s.values_map),
    "sources": s.Spec(s.citations, True), "excluded": s.Spec(s.text),
}
FILM_FIELDS = {
    "id": s.Spec(s.identifier, True), "title": s.Spec(s.text, True), "kind": s.Spec(s.text, True),
    "year": s.Spec(s.year), "until": s.Spec(s.year), "role": s.Spec(s.text), "note": s.Spec(s.text),
    "sources": s.Spec(s.citations, True), "excluded": s.Spec(s.text),
}
AWARD_FIELDS = {
    "id": s.Spec(s.identifier, True), "year": s.Spec(s.year, True), "body": s.Spec(s.text, True),
    "category": s.Spec(s.text, True), "result": s.Spec(s.result, True), "work": s.Spec(s.text),
    "credit": s.Spec(s.text), "note": s.Spec(s.text), "sources": s.Spec(s.citations, True),
    "excluded": s.Spec(s.text),
}
ACCOUNT_FIELDS = {"source": s.Spec(s.identifier, True), "says": s.Spec(s.text, True),
                  "locator": s.Spec(s.text)}
CONFLICT_FIELDS = {
    "id": s.Spec(s.identifier, True), "topic": s.Spec(s.text, True),
    "accounts": s.Spec(lambda v, c: v, True), "resolution": s.Spec(s.text), "reason": s.Spec(s.text),
    "brief": s.Spec(s.text), "affects": s.Spec(s.id_list),
}
CHAPTER_FIELDS = {"id": s.Spec(s.identifier, True), "title": s.Spec(s.text, True),
                  "template": s.Spec(s.text, True), "running-head": s.Spec(s.text)}
PROFILE_FIELDS = {
    "slug": s.Spec(s.identifier, True), "title": s.Spec(s.text, True), "subtitle": s.Spec(s.text),
    "subject": s.Spec(s.text, True), "author": s.Spec(s.text, True), "publisher": s.Spec(s.text, True),
    "language": s.Spec(s.language_tag, True), "identifier": s.Spec(s.text, True), "edition": s.Spec(s.text, True),
    "date": s.Spec(s.partial_date, True), "rights": s.Spec(s.text, True),
    "description": s.Spec(s.text, True), "keywords": s.Spec(s.text_list), "trim": s.Spec(s.trim),
    "chapters": s.Spec(lambda v, c: v, True),
}

# file name -> (top-level key, record spec, what one record is called)
RECORD_FILES = {
    "sources.yaml": ("references", SOURCE_FIELDS, "source"),
    "facts.yaml": ("facts", FACT_FIELDS, "fact"),
    "filmography.yaml": ("filmography", FILM_FIELDS, "filmography entry"),
    "awards.yaml": ("awards", AWARD_FIELDS, "award"),
    "conflicts.yaml": ("conflicts", CONFLICT_FIELDS, "conflict"),
}


def load_manuscript(root: Path) -> tuple[Manuscript | None, list[Problem]]:
    """Read every manuscript file; the manuscript is None if any record was unusable."""
    problems: list[Problem] = []
    if not root.is_dir():
        shown = root.name or str(root)
        return None, [Problem(shown, 1, 1, "M001", "manuscript folder does not exist",
                              "pass the folder that holds profile.yaml, or create it")]
    if not any(root.glob("*.yaml")):
        return None, [Problem(display_path(root, root.parent), 1, 1, "M002", "manuscript folder has no YAML files",
                              "add profile.yaml, sources.yaml, facts.yaml, filmography.yaml, awards.yaml "
                              "and conflicts.yaml (see the README)")]
    project = root.parent
    profile = _load_profile(root / PROFILE_FILE, project, problems)
    records = {name: _load_records(root / name, project, key, spec, what, problems)
               for name, (key, spec, what) in RECORD_FILES.items()}
    sources = [_source(v) for v in records["sources.yaml"]]
    facts = [Fact(id=v["id"], topic=v["topic"], claim=v["claim"], sources=v["sources"],
                  where=v["_where"], date=v.get("date"), values=v.get("values", {}),
                  excluded=v.get("excluded")) for v in records["facts.yaml"]]
    film = [FilmEntry(**_plain(v)) for v in records["filmography.yaml"]]
    awards = [Award(**_plain(v)) for v in records["awards.yaml"]]
    conflicts = [c for c in (_conflict(v, problems) for v in records["conflicts.yaml"]) if c]
    _report_duplicates("source", sources, problems)
    _report_duplicates("record", [*facts, *film, *awards], problems)
    _report_duplicates("conflict", conflicts, problems)
    if problems or profile is None:
        return None, problems
    manuscript = Manuscript(root=root, profile=profile, sources={x.id: x for x in sources},
                            facts={f.id: f for f in facts}, filmography=tuple(film),
                            awards=tuple(awards), conflicts=tuple(conflicts))
    return manuscript, problems


def _load_document(path: Path, project: Path, key: str, problems: list[Problem]) -> Any:
    shown = display_path(path, project)
    document, found = read_yaml(path, shown, path.parent)
    problems.extend(found)
    if document is None:
        if not found:
            problems.append(Problem(shown, 1, 1, "Y007", "file is empty", f"start it with `{key}:`"))
        return None
    if not isinstance(document, dict) or key not in document:
        problems.append(Problem(shown, 1, 1, "S005", f"has no top-level `{key}:`",
                                f"start the file with `{key}:` followed by its entries"))
        return None
    return document


def _load_records(path: Path, project: Path, key: str, spec: dict[str, s.Spec], what: str,
                  problems: list[Problem]) -> list[dict[str, Any]]:
    document = _load_document(path, project, key, problems)
    if document is None:
        return []
    shown = display_path(path, project)
    extra = [k for k in document if k != key]
    for k in extra:
        line, col = s._key_position(document, k) or (1, 1)
        problems.append(Problem(shown, line, col, "S002", f"unknown top-level key {k!r}",
                                f"put every entry under `{key}:`"))
    entries = document[key]
    if entries is None:
        return []
    line, col = s.position(document, key=key) or (1, 1)
    try:
        listed = s.items(entries, s.Context(shown, line, col), what)
    except s.FieldError as error:
        problems.append(Problem(shown, line, col, "S001", f"`{key}` {error.message}", error.hint))
        return []
    out = []
    for node, ctx in listed:
        values = s.read_record(node, spec, ctx, f"this {what}", problems)
        if values is not None:
            values["_where"] = ctx.where()
            values["_node"] = node
            out.append(values)
    return out


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Record fields as dataclass keyword arguments."""
    out = {k.replace("-", "_"): v for k, v in values.items() if not k.startswith("_")}
    out["where"] = values["_where"]
    return out


def _source(values: dict[str, Any]) -> Source:
    v = _plain(values)
    renames = {"author": "authors", "container_title": "container", "URL": "url",
               "ISBN": "isbn", "grade_reason": "grade_reason"}
    v = {renames.get(k, k): val for k, val in v.items()}
    v.pop("editor", None)
    v.pop("publisher_place", None)
    return Source(**v)


def _conflict(values: dict[str, Any], problems: list[Problem]) -> Conflict | None:
    where = values["_where"]
    node = values["_node"]
    line, col = s.position(node, key="accounts") or (where.line, where.col)
    ctx = s.Context(where.path, line, col)
    accounts = []
    try:
        listed = s.items(values["accounts"], ctx, "account")
    except s.FieldError as error:
        problems.append(Problem(where.path, line, col, "S004", f"'accounts' {error.message}", error.hint))
        return None
    for item, item_ctx in listed:
        fields = s.read_record(item, ACCOUNT_FIELDS, item_ctx, "this account", problems)
        if fields is not None:
            accounts.append(Account(fields["source"], fields["says"], item_ctx.where(), fields.get("locator")))
    if len(listed) < 2:
        problems.append(Problem(where.path, line, col, "C001", "a conflict needs at least two accounts",
                                "add what each disagreeing source says under `accounts:`"))
        return None
    v = _plain(values)
    v["accounts"] = tuple(accounts)
    return Conflict(**v)


def _load_profile(path: Path, project: Path, problems: list[Problem]) -> Profile | None:
    document = _load_document(path, project, "title", problems)
    if document is None:
        return None
    shown = display_path(path, project)
    values = s.read_record(document, PROFILE_FIELDS, s.Context(shown, 1, 1), "the profile", problems)
    if values is None:
        return None
    line, col = s.position(document, key="chapters") or (1, 1)
    chapters = _chapters(values["chapters"], s.Context(shown, line, col), problems)
    if chapters is None:
        return None
    values["_where"] = s.Context(shown, 1, 1).where()
    v = _plain(values)
    v["chapters"] = chapters
    return Profile(**v)


def _chapters(value: Any, ctx: s.Context, problems: list[Problem]) -> tuple[ChapterSpec, ...] | None:
    try:
        listed = s.items(value, ctx, "chapter")
    except s.FieldError as error:
        problems.append(Problem(ctx.shown, ctx.line, ctx.col, "S004", f"'chapters' {error.message}", error.hint))
        return None
    chapters = []
    for node, item_ctx in listed:
        fields = s.read_record(node, CHAPTER_FIELDS, item_ctx, "this chapter", problems)
        if fields is not None:
            chapters.append(ChapterSpec(id=fields["id"], title=fields["title"], template=fields["template"],
                                        where=item_ctx.where(), running_head=fields.get("running-head")))
    if not chapters and not problems:
        problems.append(Problem(ctx.shown, ctx.line, ctx.col, "S003", "the profile lists no chapters",
                                "add at least one chapter under `chapters:`"))
    _report_duplicates("chapter", chapters, problems)
    return tuple(chapters) if len(chapters) == len(listed) else None


def _report_duplicates(what: str, records: list[Any], problems: list[Problem],
                       key: Callable[[Any], str] = lambda r: r.id) -> None:
    first: dict[str, Any] = {}
    for record in records:
        seen = first.setdefault(key(record), record)
        if seen is not record:
            w, o = record.where, seen.where
            problems.append(Problem(w.path, w.line, w.col, "S006", f"duplicate {what} id {key(record)!r}",
                                    f"it is already used at {o.path}:{o.line}; give this one another id"))
