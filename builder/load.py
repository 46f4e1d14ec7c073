"""Load: read a manuscript folder into typed records, reporting every problem.

This stage owns the file layout of a manuscript (the sources as CSL-YAML or
CSL-JSON) and applies to each record the validation its declaration in `models`
implies. Rules that relate records to each other (unknown
sources, unused sources, conflicts) belong to `check`.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Callable

from . import schema as s
from .models import UNTITLED, Award, Conflict, Fact, FilmEntry, Manuscript, Profile, Source
from .problems import Problem, display_path
from .yamlfile import read_json, read_yaml

PROFILE_FILE = "profile.yaml"
TEMPLATES_DIR = "templates"
# The source registry, in either CSL form: the list under `references:` (or a bare list).
SOURCE_FILES = ("sources.yaml", "sources.json")
SOURCES_KEY = "references"

# file name -> (top-level key, record, what one record is called)
RECORD_FILES = {
    "facts.yaml": ("facts", Fact, "fact"),
    "filmography.yaml": ("filmography", FilmEntry, "filmography entry"),
    "awards.yaml": ("awards", Award, "award"),
    "conflicts.yaml": ("conflicts", Conflict, "conflict"),
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
    sources = _load_sources(root, project, problems)
    records = {name: _load_records(root / name, project, key, record, what, problems)
               for name, (key, record, what) in RECORD_FILES.items()}
    facts = records["facts.yaml"]
    film, awards, conflicts = records["filmography.yaml"], records["awards.yaml"], records["conflicts.yaml"]
    _report_duplicates("source", sources, problems)
    _report_duplicates("record", [*facts, *film, *awards], problems)
    _report_duplicates("conflict", conflicts, problems)
    if problems or profile is None:
        return None, problems
    manuscript = Manuscript(root=root, profile=profile, sources={x.id: x for x in sources},
                            facts={f.id: f for f in facts}, filmography=tuple(film),
                            awards=tuple(awards), conflicts=tuple(conflicts))
    return manuscript, problems


def _load_document(path: Path, project: Path, key: str, problems: list[Problem],
                   bare_list: bool = False) -> Any:
    """The file's document: a mapping with `key` (or, when `bare_list`, a list of records)."""
    shown = display_path(path, project)
    reader = read_json if path.suffix == ".json" else read_yaml
    document, found = reader(path, shown, path.parent)
    problems.extend(found)
    if document is None:
        if not found:
            problems.append(Problem(shown, 1, 1, "Y007", "file is empty", f"start it with `{key}:`"))
        return None
    if bare_list and isinstance(document, list):
        return document
    if not isinstance(document, dict) or key not in document:
        problems.append(Problem(shown, 1, 1, "S005", f"has no top-level `{key}:`",
                                f"start the file with `{key}:` followed by its entries"))
        return None
    return document


def _load_records(path: Path, project: Path, key: str, record: type, what: str,
                  problems: list[Problem], bare_list: bool = False,
                  prepare: Callable[[Any], Any] = lambda node: node) -> list[Any]:
    document = _load_document(path, project, key, problems, bare_list)
    if document is None:
        return []
    shown = display_path(path, project)
    if isinstance(document, list):
        entries, (line, col) = document, (1, 1)
    else:
        for k in (k for k in document if k != key):
            line, col = s.key_position(document, k) or (1, 1)
            problems.append(Problem(shown, line, col, "S002", f"unknown top-level key {k!r}",
                                    f"put every entry under `{key}:`"))
        entries = document[key]
        line, col = s.position(document, key=key) or (1, 1)
    if entries is None:
        return []
    try:
        listed = s.items(entries, s.Context(shown, line, col), what)
    except s.FieldError as error:
        problems.append(Problem(shown, line, col, "S001", f"`{key}` {error.message}", error.hint))
        return []
    found = (s.read(record, prepare(node), ctx, f"this {what}", problems) for node, ctx in listed)
    return [r for r in found if r is not None]


def _load_sources(root: Path, project: Path, problems: list[Problem]) -> list[Source]:
    present = [root / name for name in SOURCE_FILES if (root / name).exists() or (root / name).is_symlink()]
    if len(present) > 1:
        shown = display_path(present[1], project)
        problems.append(Problem(shown, 1, 1, "M006", f"both {SOURCE_FILES[0]} and {SOURCE_FILES[1]} are present",
                                "keep one of them: the builder reads the sources from either"))
        return []
    if not present:
        shown = display_path(root / SOURCE_FILES[0], project)
        problems.append(Problem(shown, 1, 1, "Y001", "file is missing",
                                f"create {shown} (CSL-YAML) or {SOURCE_FILES[1]} beside it (CSL-JSON, "
                                "as Zotero exports it); see the README's manuscript format"))
        return []
    sources = _load_records(present[0], project, SOURCES_KEY, Source, "source", problems, bare_list=True,
                            prepare=_lift_project_keys)
    return [k for k in (_keyed(source, problems) for source in sources) if k is not None]


# The project's own keys, which a Zotero export carries in an item's Extra field (CSL `note`,
# one `key: value` a line) or, in CSL-JSON, in the schema's `custom` object.
PROJECT_KEYS = ("grade", "grade-reason", "cited-in", "cited-in-locator")
EXTRA_LINE = re.compile(r"^\s*(?P<key>[A-Za-z][\w-]*)\s*:\s*(?P<value>.*?)\s*$")


def _lift_project_keys(node: Any) -> Any:
    """The item with the project's keys from `note` lines and `custom` lifted beside its CSL
    variables; each lifted key is reported, if wrong, at the field it came from."""
    if not isinstance(node, dict) or not any(k in node for k in ("note", "custom")):
        return node
    lifted: dict[str, tuple[Any, Any]] = {}
    custom = node.get("custom")
    if isinstance(custom, dict):
        lifted.update((k, (custom[k], "custom")) for k in PROJECT_KEYS if k in custom and k not in node)
    note, kept = node.get("note"), []
    if isinstance(note, str):
        for line in note.splitlines():
            match = EXTRA_LINE.match(line)
            if match and match["key"].lower() in PROJECT_KEYS and match["key"].lower() not in node:
                lifted.setdefault(match["key"].lower(), (match["value"], "note"))
            else:
                kept.append(line)
    if not lifted:
        return node
    return _Lifted(node, lifted, "\n".join(kept).strip() if isinstance(note, str) else note)


class _Lifted(dict):
    """A mapping that answers for its places as its original node does (`lc`), the lifted
    keys at the place of the field they were lifted from."""

    def __init__(self, node: dict, lifted: dict[str, tuple[Any, Any]], note: Any):
        super().__init__(node)
        self.update((key, value) for key, (value, _) in lifted.items())
        if note:
            self["note"] = note
        else:
            self.pop("note", None)
        if isinstance(self.get("custom"), dict):
            rest = {k: v for k, v in self["custom"].items() if k not in lifted}
            if rest:
                self["custom"] = rest
            else:
                self.pop("custom")
        self.lc = _Places(node, {key: origin for key, (_, origin) in lifted.items()})


class _Places:
    def __init__(self, node: Any, origins: dict[str, str]):
        self.node, self.origins = node, origins
        self.line, self.col = (node.lc.line, node.lc.col) if hasattr(node, "lc") else (0, 0)

    def _of(self, key: Any) -> Any:
        return self.origins.get(key, key)

    def value(self, key: Any) -> tuple[int, int]:
        return self.node.lc.value(self._of(key))

    def key(self, key: Any) -> tuple[int, int]:
        return self.node.lc.key(self._of(key))


def _keyed(source: Source, problems: list[Problem]) -> Source | None:
    """The source under the key facts cite it by: its citation key if it has one, else its id;
    None, with the problem told, if it has no usable key or lacks the title its type needs."""
    key = source.get("citation-key") or source.id
    w = source.where
    if source.title is None and source.type not in UNTITLED:
        problems.append(Problem(w.path, w.line, w.col, "S003", "this source has no 'title'",
                                "add `title:` to it (only an interview or a personal communication may "
                                "go without)"))
        return None
    if s.ID_PATTERN.match(key):
        return dataclasses.replace(source, id=key)
    problems.append(Problem(w.path, w.line, w.col, "S004", f"{key!r} is not a usable source id",
                            "give the source an `id` (or a `citation-key`, as Zotero calls it) of "
                            "lowercase letters, digits and single hyphens, like `stevens-2003`"))
    return None


def _load_profile(path: Path, project: Path, problems: list[Problem]) -> Profile | None:
    document = _load_document(path, project, "title", problems)
    if document is None:
        return None
    shown = display_path(path, project)
    profile = s.read(Profile, document, s.Context(shown, 1, 1), "the profile", problems)
    if profile is not None:
        _report_duplicates("chapter", list(profile.chapters), problems)
    return profile


def _report_duplicates(what: str, records: list[Any], problems: list[Problem],
                       key: Callable[[Any], str] = lambda r: r.id) -> None:
    first: dict[str, Any] = {}
    for record in records:
        seen = first.setdefault(key(record), record)
        if seen is not record:
            w, o = record.where, seen.where
            problems.append(Problem(w.path, w.line, w.col, "S006", f"duplicate {what} id {key(record)!r}",
                                    f"it is already used at {o.path}:{o.line}; give this one another id"))
