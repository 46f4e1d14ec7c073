"""YAML and JSON files: read one manuscript file into nodes that remember their place.

ruamel.yaml's round-trip loader is used because it refuses duplicate keys,
reads YAML 1.2 (so `no` stays a string) and keeps the line and column of every
node, which is what lets every later message name `file:line:col`. A JSON file
(CSL-JSON sources, as Zotero exports them) is checked by Python's JSON parser,
then read by the same loader, since JSON is YAML 1.2, to keep those places.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from .confine import Refused, confined
from .problems import Problem


# Documents parsed ahead, in a fork (see `parsed_ahead`), by their text.
_ahead: dict[str, Any] = {}


@lru_cache(maxsize=16)
def _parsed(text: str) -> Any:
    """The document in `text`. Kept for the next build of the same text: in `builder watch` an
    edit changes one file, and parsing the others again was a fifth of a rebuild. Nothing
    downstream changes a parsed document, so sharing one is safe."""
    if text in _ahead:
        return _ahead.pop(text)
    return YAML(typ="rt", pure=True).load(text)


def parsed_ahead(folder: Path) -> dict[str, Any]:
    """Every YAML file of the folder that parses, by its text. A build runs this in a fork
    while it loads WeasyPrint, which takes longer: see `remember`. A file that cannot be
    read or parsed is left out; the build reads it again and reports it."""
    documents = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            text = confined(path, [folder]).read_bytes().decode("utf-8")
            documents[text] = _parsed(text)
        except Exception:  # noqa: BLE001 -- told by the build's own reading
            continue
    return documents


def remember(documents: dict[str, Any]) -> None:
    """Use these documents, parsed ahead, when their text is read next."""
    _ahead.clear()
    _ahead.update(documents)


def read_yaml(path: Path, shown: str, folder: Path) -> tuple[Any, list[Problem]]:
    """Parse `path`, which must lie in `folder`; return the document (None on failure)
    and what went wrong."""
    text, problems = _read_text(path, shown, folder)
    if text is None:
        return None, problems
    return _parse_yaml(text, shown)


def read_json(path: Path, shown: str, folder: Path) -> tuple[Any, list[Problem]]:
    """Parse the JSON file `path` as `read_yaml` parses YAML: the same nodes, with places."""
    text, problems = _read_text(path, shown, folder)
    if text is None:
        return None, problems
    text = text.removeprefix("\ufeff")  # some Windows editors write one; JSON forbids it

    def refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        for key in keys:
            if keys.count(key) > 1:
                raise _Duplicate(key)
        return dict(pairs)

    try:
        plain = json.loads(text, object_pairs_hook=refuse_duplicates)
    except _Duplicate as duplicate:
        # The YAML reader knows where the second key is; JSON's parser does not say.
        _, found = _parse_yaml(text.replace("\t", " "), shown)
        line, col = (found[0].line, found[0].col) if found and found[0].code == "Y005" else (1, 1)
        return None, [Problem(shown, line, col, "Y005", f"duplicate key {duplicate.key!r}",
                              "keep one of the two entries; JSON readers would silently drop one")]
    except json.JSONDecodeError as error:
        return None, [Problem(shown, error.lineno, error.colno, "Y006", f"JSON syntax error: {error.msg}",
                              "check the commas, quotes and brackets at this place")]
    try:
        # A literal tab is only ever whitespace in valid JSON; a space keeps every column.
        placed = _parsed(text.replace("\t", " "))
    except Exception:  # noqa: BLE001 -- a JSON subtlety YAML reads otherwise: keep the plain data
        return plain, []
    return (placed if placed == plain else plain), []


class _Duplicate(Exception):
    def __init__(self, key: str):
        self.key = key


def _read_text(path: Path, shown: str, folder: Path) -> tuple[str | None, list[Problem]]:
    try:
        raw = confined(path, [folder]).read_bytes()
    except Refused as refused:
        return None, [Problem(shown, 1, 1, "Y008", refused.reason,
                              "keep the manuscript's files as plain files inside its folder")]
    except FileNotFoundError:
        return None, [Problem(shown, 1, 1, "Y001", "file is missing",
                              f"create {shown} (see the README's manuscript format)")]
    except OSError as error:
        return None, [Problem(shown, 1, 1, "Y002", f"cannot be read: {error.strerror}",
                              "check the file's permissions")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        col = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return None, [Problem(shown, line, col, "Y003", "is not UTF-8 text",
                              "save the file as UTF-8 in your editor")]
    return text, []


def _parse_yaml(text: str, shown: str) -> tuple[Any, list[Problem]]:
    if "\t" in text:
        # YAML forbids tabs in indentation; ruamel's own message for this is cryptic.
        index = text.index("\t")
        line = text.count("\n", 0, index) + 1
        col = index - (text.rfind("\n", 0, index) + 1) + 1
        if text[text.rfind("\n", 0, index) + 1:index].strip() == "":
            return None, [Problem(shown, line, col, "Y004", "a tab is used for indentation",
                                  "indent with spaces only")]
    try:
        return _parsed(text), []
    except DuplicateKeyError as error:
        mark = error.problem_mark
        key = (error.problem or "").split('"')[1] if '"' in (error.problem or "") else "a key"
        return None, [Problem(shown, mark.line + 1, mark.column + 1, "Y005",
                              f"duplicate key {key!r}",
                              "keep one of the two entries; YAML would silently drop the other")]
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = (error.problem or error.context or "syntax error").strip()
        hint = "check quotes, colons and indentation on this line and the one above"
        opened = _unclosed_quote(text, line)
        if opened:
            # An unclosed quote is only noticed lines later; the opening is what to fix.
            hint = f"the double quote opened at line {opened[0]}, column {opened[1]} is not closed"
        return None, [Problem(shown, line, col, "Y006", f"YAML syntax error: {what}", hint)]
    except Exception as error:  # ruamel raises plain errors for a few malformed inputs
        return None, [Problem(shown, 1, 1, "Y006", f"YAML syntax error: {error}",
                              "check the file's structure")]


def _unclosed_quote(text: str, before_line: int) -> tuple[int, int] | None:
    """The first line before `before_line` with an odd number of double quotes."""
    for number, line in enumerate(text.splitlines()[: before_line - 1], start=1):
        if line.lstrip().startswith("#"):
            continue
        quotes = [i for i, c in enumerate(line) if c == '"' and (i == 0 or line[i - 1] != "\\")]
        if len(quotes) % 2:
            return number, quotes[0] + 1
    return None
