"""Words: every word the builder itself writes into a book, in the book's language.

Owns the catalogues (`catalogues/<language>.yaml`, English, French and German
shipped), a manuscript's own `words.yaml` that overrides any entry or supplies a
whole language the builder does not ship, and the rules an entry must keep: no
unknown key, no unknown `{placeholder}`, and for a counted entry the plural
categories of the language (CLDR's, through Babel: `one`/`other` in English,
`one`/`many`/`other` in French...). Entries are plain text; `{name}` is filled in
escaped unless the value is already markup, so an entry can never inject markup.

    words = catalogue_for(manuscript)        # or Words.load(tag, root) for problems
    words("back.filmography")                 -> "Filmography"
    words("filmography.caption", n=3)         -> "Film, television and radio credits: 3 entries"
    words.list(["2 nominations", "1 honour"]) -> "2 nominations and 1 honour"
"""

from __future__ import annotations

import difflib
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from babel import Locale
from babel.lists import format_list
from markupsafe import Markup, escape

from .language import babel_locale, lookup_order
from .problems import Problem, display_path
from .schema import position
from .typography import typeset_text
from .yamlfile import read_yaml

CATALOGUES = Path(__file__).parent / "catalogues"
REFERENCE = "en"  # the catalogue that defines which entries exist and their placeholders
MANUSCRIPT_FILE = "words.yaml"
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")

Entry = str | Mapping[str, str]  # a text, or texts by plural category


class WordsError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].message if problems else "")
        self.problems = problems


@dataclass(frozen=True)
class Words:
    """The words of one language: `words(key, n=None, **values)`."""

    language: str
    locale: str
    entries: Mapping[str, Entry]
    _plural: Any = field(repr=False, compare=False, default=None)

    def __call__(self, key: str, n: int | None = None, **values: Any) -> Markup:
        """The entry as markup for a template: its values escaped unless already markup."""
        entry = self._form(key, n)
        return Markup(escape(entry)).format(n=n, **values) if (values or n is not None) else Markup(escape(entry))

    def text(self, key: str, n: int | None = None, **values: Any) -> str:
        """The entry as plain text, for metadata and image descriptions, typeset."""
        return typeset_text(self._form(key, n).format(n=n, **values), self.language)

    def _form(self, key: str, n: int | None) -> str:
        entry = self.entries[key]
        if isinstance(entry, Mapping):
            if n is None:
                raise TypeError(f"the entry {key!r} is counted: give it n=")
            return entry.get(self._plural(n), entry["other"])
        return entry

    def list(self, items: list[Any], style: str = "standard") -> Markup:
        """Items joined as the language joins them: "a, b and c", « a, b et c »."""
        escaped = [str(escape(item)) for item in items]
        return Markup(format_list(escaped, style=style, locale=self.locale)) if escaped else Markup("")

    @classmethod
    def load(cls, tag: str, root: Path | None = None) -> "Words":
        """The words for `tag`: the shipped catalogues from the broadest to the most
        specific that exist, then the manuscript's own `words.yaml`. WordsError lists
        every problem in that file and every entry still missing."""
        locale = babel_locale(tag) or REFERENCE
        entries: dict[str, Entry] = {}
        for language in reversed(lookup_order(tag)):
            entries.update(_shipped(language))
        problems: list[Problem] = []
        if root is not None and (root / MANUSCRIPT_FILE).exists():
            entries.update(_manuscript_entries(root, locale, problems))
        reference = _shipped(REFERENCE)
        missing = [key for key in reference if key not in entries]
        if missing:
            shown = display_path(root / MANUSCRIPT_FILE, root.parent) if root else MANUSCRIPT_FILE
            problems.append(Problem(
                shown, 1, 1, "W004",
                f"no words for {tag!r}: {len(missing)} entries are missing, the first {missing[0]!r}",
                f"write every entry in {MANUSCRIPT_FILE} (`builder new` writes one to translate), or use en, fr or de"))
        if problems:
            raise WordsError(problems)
        return cls(tag, locale, entries, Locale.parse(locale).plural_form)


@lru_cache(maxsize=16)
def _shipped(language: str) -> dict[str, Entry]:
    path = CATALOGUES / f"{language}.yaml"
    if not path.is_file():
        return {}
    document, problems = read_yaml(path, path.name, path.parent)
    if problems or not isinstance(document, dict):
        raise RuntimeError(f"the shipped catalogue {path.name} is broken: {problems}")
    return dict(_flattened(document))


def _flattened(node: Mapping, prefix: str = "") -> list[tuple[str, Entry]]:
    """`{back: {filmography: …}}` as `back.filmography`; a mapping of plural categories
    is one counted entry, not a level."""
    out: list[tuple[str, Entry]] = []
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and not set(value) <= set(PLURAL_CATEGORIES):
            out.extend(_flattened(value, f"{name}."))
        elif isinstance(value, Mapping):
            out.append((name, {str(k): str(v) for k, v in value.items()}))
        else:
            out.append((name, str(value)))
    return out


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def starter_catalogue() -> dict[str, Entry]:
    """The reference entries, for an author who translates the builder into a new language."""
    return dict(_shipped(REFERENCE))


def _manuscript_entries(root: Path, locale: str, problems: list[Problem]) -> dict[str, Entry]:
    path = root / MANUSCRIPT_FILE
    shown = display_path(path, root.parent)
    document, found = read_yaml(path, shown, root)
    problems.extend(found)
    if found or document is None:
        return {}
    if not isinstance(document, dict) or set(document) != {"words"} or not isinstance(document["words"], dict):
        problems.append(Problem(shown, 1, 1, "W001", "has no top-level `words:` mapping",
                                "start the file with `words:` and put the entries under it"))
        return {}
    reference = _shipped(REFERENCE)
    categories = set(Locale.parse(locale).plural_form.tags) | {"other"}
    entries: dict[str, Entry] = {}

    def visit(node: Mapping, prefix: str) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            line, col = position(node, key=key) or (1, 1)
            if name not in reference and isinstance(value, Mapping):
                visit(value, f"{name}.")
                continue
            if name not in reference:
                close = difflib.get_close_matches(name, reference, n=1)
                problems.append(Problem(shown, line, col, "W002", f"unknown words entry {name!r}",
                                        f"use {close[0]!r}" if close else "see the builder's catalogues for the entries"))
                continue
            checked = _checked_entry(name, value, reference[name], categories, shown, line, col, problems)
            if checked is not None:
                entries[name] = checked

    visit(document["words"], "")
    return entries


def _checked_entry(name: str, value: Any, reference: Entry, categories: set[str], shown: str,
                   line: int, col: int, problems: list[Problem]) -> Entry | None:
    counted = isinstance(reference, Mapping)
    allowed = set().union(*(placeholders(t) for t in (reference.values() if counted else [reference])))
    if counted:
        if not isinstance(value, Mapping) or "other" not in value:
            forms = ", ".join(c for c in PLURAL_CATEGORIES if c in categories)
            problems.append(Problem(shown, line, col, "W003", f"{name!r} is counted: it needs a form for each plural category",
                                    f"write `{name.rsplit('.', 1)[-1]}:` with {forms} under it"))
            return None
        texts = {str(k): v for k, v in value.items()}
        wrong = sorted(set(texts) - categories)
        if wrong:
            line, col = position(value, key=wrong[0]) or (line, col)
            problems.append(Problem(shown, line, col, "W003", f"{name!r}: {wrong[0]!r} is not a plural category of this language",
                                    f"use {', '.join(c for c in PLURAL_CATEGORIES if c in categories)}"))
            return None
    else:
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            problems.append(Problem(shown, line, col, "W003", f"{name!r} must be text",
                                    "write the words as plain text"))
            return None
        texts = {"": value}
    for text in texts.values():
        if not isinstance(text, (str, int, float)) or isinstance(text, bool):
            problems.append(Problem(shown, line, col, "W003", f"{name!r} must be text", "write the words as plain text"))
            return None
        try:
            unknown = sorted(placeholders(str(text)) - allowed)
        except ValueError as error:
            problems.append(Problem(shown, line, col, "W003", f"{name!r}: {error}",
                                    "write braces as {{ and }}, and placeholders as {name}"))
            return None
        if unknown:
            known = ", ".join(f"{{{p}}}" for p in sorted(allowed)) or "none"
            problems.append(Problem(shown, line, col, "W003", f"{name!r} has an unknown placeholder {{{unknown[0]}}}",
                                    f"placeholders of this entry: {known}"))
            return None
    return {k: str(v) for k, v in texts.items()} if counted else str(texts[""])
