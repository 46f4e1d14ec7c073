"""Schema: the checks on each field, and the reading of any record from its declaration.

`models` declares each record's fields once (key, converter, required or not); `read`
applies such a declaration to one YAML or JSON mapping, reports every unknown key, missing
field and wrong type with its position, and builds the typed record. Converters raise
`FieldError` with a message and a fix; a converter that reads nested records reports their
problems itself and raises `Reported`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from . import csl
from .models import (GRADE_MEANINGS, RESULTS, TRIM_SIZES, Account, ChapterSpec, Citation, CslDate,
                     Name, PartialDate, Where)
from .language import BadTag, checked_tag
from .problems import Problem

# Characters XML 1.0 forbids or that no reader can show: they would break the EPUB.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# EDTF (level 0 and the parts of level 1 sources use): a date, a season (21-24), a range, with
# `~` for approximate, `?` for uncertain, `%` for both.
EDTF_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([~?%]?)$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
# A record with more fields than this gets the nearest known key as its hint, not a list.
LISTED_KEYS = 16


class FieldError(Exception):
    def __init__(self, message: str, hint: str, at: tuple[int, int] | None = None, code: str = "S004"):
        super().__init__(message)
        self.message, self.hint, self.at, self.code = message, hint, at, code


class Reported(Exception):
    """A nested record's problems have been reported already; the field is unusable."""


@dataclass(frozen=True)
class Spec:
    """How one key of a record is read: the converter, whether it is required, the field."""

    convert: Callable[[Any, "Context"], Any]
    required: bool = False
    name: str = ""


@dataclass
class Context:
    """Where the field being read sits, so nested converters can point inside it, and where
    their problems go."""

    shown: str
    line: int
    col: int
    problems: list[Problem] = dataclasses.field(default_factory=list)

    def where(self) -> Where:
        return Where(self.shown, self.line, self.col)

    def at(self, line: int, col: int) -> "Context":
        return Context(self.shown, line, col, self.problems)


@lru_cache(maxsize=None)
def specs_of(record: type) -> dict[str, Spec]:
    """A record's declaration as key -> Spec. A field declared `csl` takes every CSL variable
    the record does not declare itself, each read as its kind in the CSL schema."""
    specs = {}
    for f in dataclasses.fields(record):
        check = f.metadata.get("check")
        if check == "csl":
            variables = {v: v for v in csl.VARIABLES} | csl.ALIASES
            specs.update((key, Spec(csl_variable(variable), False, f"{f.name}.{variable}"))
                         for key, variable in sorted(variables.items()) if key not in specs)
        elif check is not None:
            key = f.metadata.get("key") or f.name.replace("_", "-")
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            specs[key] = Spec(CONVERTERS[check], required, f.name)
    return specs


def read(record: type, node: Any, ctx: Context, what: str, problems: list[Problem]) -> Any:
    """The typed record `node` declares, or None when it is not usable (problems reported)."""
    specs = specs_of(record)
    values = read_record(node, specs, ctx, what, problems)
    if values is None:
        return None
    fields: dict[str, Any] = {}
    for key, value in values.items():
        name, _, variable = specs[key].name.partition(".")
        if variable:
            fields.setdefault(name, {})[variable] = value
        else:
            fields[name] = value
    if any(f.name == "where" for f in dataclasses.fields(record)):
        fields["where"] = ctx.where()
    return record(**fields)


def position(node: Any, key: Any = None, index: int | None = None) -> tuple[int, int] | None:
    """1-based (line, col) of a mapping value, a sequence item, or the node itself."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is not None:
            line, col = lc.value(key)
        elif index is not None:
            line, col = lc.item(index)
        else:
            line, col = lc.line, lc.col
    except (KeyError, IndexError, TypeError):
        line, col = lc.line, lc.col
    return line + 1, col + 1


def read_record(node: Any, specs: dict[str, Spec], ctx: Context, what: str,
                problems: list[Problem]) -> dict[str, Any] | None:
    """Validate one mapping against `specs`; None when it is not usable."""
    if not isinstance(node, dict):
        problems.append(Problem(ctx.shown, ctx.line, ctx.col, "S001",
                                f"{what} must be a mapping of fields, not {kind_name(node)}",
                                "write it as `key: value` lines under a `- ` item"))
        return None
    values: dict[str, Any] = {}
    ok = True
    for key in node:
        if key not in specs:
            line, col = position(node, key=key) or (ctx.line, ctx.col)
            line, col = key_position(node, key) or (line, col)
            problems.append(Problem(ctx.shown, line, col, "S002", f"unknown field {key!r} in {what}",
                                    unknown_hint(key, specs)))
            ok = False
    for name, spec in specs.items():
        if name not in node or node[name] is None:
            if spec.required:
                problems.append(Problem(ctx.shown, ctx.line, ctx.col, "S003",
                                        f"{what} has no {name!r}", f"add `{name}:` to it"))
                ok = False
            continue
        line, col = position(node, key=name) or (ctx.line, ctx.col)
        try:
            values[name] = spec.convert(node[name], Context(ctx.shown, line, col, problems))
        except Reported:
            ok = False
        except FieldError as error:
            line, col = error.at or (line, col)
            message = f"{name!r} in {what}: {error.message}" if error.code == "S004" else error.message
            problems.append(Problem(ctx.shown, line, col, error.code, message, error.hint))
            ok = False
    return values if ok else None


def unknown_hint(key: Any, known: Any) -> str:
    names = sorted(str(k) for k in known)
    if len(names) <= LISTED_KEYS:
        return f"remove it or use one of: {', '.join(names)}"
    near = difflib.get_close_matches(str(key), names, n=1)
    if near:
        return f"did you mean {near[0]!r}? Otherwise remove it (see the README for the keys a record takes)"
    return "remove it, or use a key the README lists for this record"


def key_position(node: Any, key: Any) -> tuple[int, int] | None:
    try:
        line, col = node.lc.key(key)
    except (AttributeError, KeyError, TypeError):
        return None
    return line + 1, col + 1


def kind_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"{type(value).__name__}"


# --- converters -------------------------------------------------------------

def text(value: Any, ctx: Context) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FieldError(f"expected text, got {kind_name(value)}", "write it as plain text")
    result = str(value).strip()
    if not result:
        raise FieldError("is empty", "write the text, or remove the field")
    control = CONTROL.search(result)
    if control:
        raise FieldError(f"contains the invisible control character U+{ord(control[0]):04X}",
                         "delete it (it often comes with text pasted from the web)")
    return result


def identifier(value: Any, ctx: Context) -> str:
    result = text(value, ctx)
    if not ID_PATTERN.match(result):
        raise FieldError(f"{result!r} is not a valid id",
                         "use lowercase letters, digits and single hyphens, like `emmy-1997`")
    return result


def year(value: Any, ctx: Context) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"expected a year as a number, got {value!r}", "write the year in digits, like 1997")
    if not 1000 <= value <= 2999:
        raise FieldError(f"{value} is not a plausible year", "write a four-digit year")
    return value


def partial_date(value: Any, ctx: Context) -> PartialDate:
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, int) and not isinstance(value, bool):
        return PartialDate(year(value, ctx))
    if isinstance(value, dict) and "date-parts" in value:  # CSL-JSON style
        parts = value["date-parts"]
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            numbers = [int(p) for p in parts[0][:3] if isinstance(p, int) or str(p).isdigit()]
            if numbers:
                return _checked_date(*numbers)
    if isinstance(value, str):
        match = DATE_PATTERN.match(value.strip())
        if match:
            return _checked_date(*(int(g) for g in match.groups() if g))
    raise FieldError(f"{value!r} is not a date", 'write "YYYY", "YYYY-MM" or "YYYY-MM-DD"')


def _checked_date(y: int, m: int | None = None, d: int | None = None) -> PartialDate:
    try:
        dt.date(y, m or 1, d or 1)
    except (ValueError, OverflowError):
        raise FieldError("is not a real calendar date", "check the month and day") from None
    return PartialDate(y, m, d)


def url(value: Any, ctx: Context) -> str:
    result = text(value, ctx)
    if not re.match(r"^https?://[^\s<>\"']+$", result):
        raise FieldError(f"{result!r} is not an http(s) address",
                         "give a web address starting with https:// or http://, or remove it")
    return result


def grade(value: Any, ctx: Context) -> str:
    result = text(value, ctx).upper()
    if result not in GRADE_MEANINGS:
        raise FieldError(f"{value!r} is not a grade",
                         "use A (authoritative), B (edited secondary), C (low) or D (unreliable)")
    return result


def result(value: Any, ctx: Context) -> str:
    got = text(value, ctx).lower()
    if got not in RESULTS:
        raise FieldError(f"{value!r} is not a result", "use won, nominated or honour")
    return got


def csl_type(value: Any, ctx: Context) -> str:
    got = text(value, ctx)
    if got not in csl.ITEM_TYPES:
        near = difflib.get_close_matches(got, sorted(csl.ITEM_TYPES), n=1)
        raise FieldError(f"{got!r} is not a CSL item type",
                         f"did you mean {near[0]!r}?" if near else
                         "use a CSL 1.0.2 type such as book, article-newspaper, webpage, manuscript")
    return got


def trim(value: Any, ctx: Context) -> str:
    got = text(value, ctx).lower()
    if got not in TRIM_SIZES:
        raise FieldError(f"{got!r} is not a supported trim size", "use 6x9, a5 or letter")
    return got


def isbn(value: Any, ctx: Context) -> str:
    """An ISBN-10 or ISBN-13 whose check digit holds, written the usual way (hyphenated)."""
    from stdnum import isbn as isbns
    from stdnum.exceptions import ValidationError

    got = text(value, ctx)
    try:
        return isbns.format(isbns.validate(got))
    except ValidationError as error:
        raise FieldError(f"{got!r} is not an ISBN: {error.message[0].lower()}{error.message[1:].rstrip('.')}",
                         "copy the ISBN from the agency's record; its last digit checks the others") from None


def signature(value: Any, ctx: Context) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 64:
        raise FieldError(f"{value!r} is not a number of pages a signature folds to",
                         "write a whole number from 1 to 64: 4, 8, 16 or 32 as the printer folds its sheets")
    return value


def language_tag(value: Any, ctx: Context) -> str:
    try:
        return checked_tag(text(value, ctx))
    except BadTag as error:
        raise FieldError(error.message, error.hint) from None


def items(value: Any, ctx: Context, name: str) -> list[tuple[Any, Context]]:
    """The items of a list, each with the context of its own position."""
    if not isinstance(value, list):
        raise FieldError(f"expected a list, got {kind_name(value)}", f"write each {name} on its own `- ` line")
    out = []
    for index, item in enumerate(value):
        line, col = position(value, index=index) or (ctx.line, ctx.col)
        out.append((item, ctx.at(line, col)))
    return out


def text_list(value: Any, ctx: Context) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    result_list = []
    for item, item_ctx in items(value, ctx, "entry"):
        try:
            result_list.append(text(item, item_ctx))
        except FieldError as error:
            raise FieldError(error.message, error.hint, (item_ctx.line, item_ctx.col)) from None
    return tuple(result_list)


def id_list(value: Any, ctx: Context) -> tuple[str, ...]:
    return tuple(identifier(v, ctx) for v in text_list(value, ctx))


def flag(value: Any, ctx: Context) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, str)) and str(value).strip().lower() in ("1", "true", "0", "false", ""):
        return str(value).strip().lower() in ("1", "true")
    raise FieldError(f"expected true or false, got {value!r}", "write true or false")


def names(value: Any, ctx: Context) -> tuple[Name, ...]:
    if isinstance(value, (dict, str)):
        value = [value]
    out = []
    for item, item_ctx in items(value, ctx, "name"):
        if isinstance(item, str):
            out.append(Name(literal=text(item, item_ctx)))
            continue
        at = (item_ctx.line, item_ctx.col)
        if not isinstance(item, dict) or not ({"family", "literal"} & set(item)):
            raise FieldError("a name needs `family` (and `given`) or `literal`",
                             "write `- {family: Hale, given: Mike}`, or `- {literal: Reuters}` for "
                             "an institution", at)
        local: list[Problem] = []
        name = read(Name, item, item_ctx, "a name", local)
        if name is None:
            first = local[0]
            raise FieldError(first.message, first.hint, (first.line, first.col))
        out.append(name)
    return tuple(out)


def values_map(value: Any, ctx: Context) -> dict[str, str | int]:
    if not isinstance(value, dict):
        raise FieldError(f"expected a mapping, got {kind_name(value)}", "write `name: value` lines")
    out: dict[str, str | int] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not re.match(r"^[a-z_][a-z0-9_]*$", key):
            raise FieldError(f"value name {key!r} is not usable in templates",
                             "use lowercase letters, digits and underscores, like `place`",
                             key_position(value, key))
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            if isinstance(item, list) and all(isinstance(i, (str, int)) for i in item):
                out[key] = tuple(item)  # type: ignore[assignment]
                continue
            raise FieldError(f"value {key!r} must be text, a number or a list of them",
                             "quote it as text", position(value, key=key))
        out[key] = item
    return out


def citations(value: Any, ctx: Context) -> tuple[Citation, ...]:
    if isinstance(value, dict):
        value = [value]
    out = []
    for item, item_ctx in items(value, ctx, "source"):
        if isinstance(item, str):
            raise FieldError(f"a citation must be a mapping, got the text {item!r}",
                             f"write `- source: {item}` (add `locator:` if the source has one)",
                             (item_ctx.line, item_ctx.col))
        local: list[Problem] = []
        citation = read(Citation, item, item_ctx, "a citation", local)
        if citation is None:
            first = local[0]
            raise FieldError(first.message, first.hint, (first.line, first.col))
        out.append(citation)
    if not out:
        raise FieldError("lists no source", "cite at least one source with `- source: <id>`")
    return tuple(out)


def accounts(value: Any, ctx: Context) -> tuple[Account, ...]:
    listed = items(value, ctx, "account")
    found = [read(Account, item, item_ctx, "this account", ctx.problems) for item, item_ctx in listed]
    if len(listed) < 2:
        raise FieldError("a conflict needs at least two accounts",
                         "add what each disagreeing source says under `accounts:`", code="C001")
    if None in found:
        raise Reported()
    return tuple(found)


def chapters(value: Any, ctx: Context) -> tuple[ChapterSpec, ...]:
    listed = items(value, ctx, "chapter")
    if not listed:
        raise FieldError("the profile lists no chapters", "add at least one chapter under `chapters:`",
                         code="S003")
    found = [read(ChapterSpec, item, item_ctx, "this chapter", ctx.problems) for item, item_ctx in listed]
    if None in found:
        raise Reported()
    return tuple(found)


# --- CSL item data ---------------------------------------------------------------

def csl_date(value: Any, ctx: Context) -> CslDate:
    """A CSL date as `date-parts` (CSL-JSON), an EDTF string, a bare year or a YAML date."""
    if isinstance(value, dt.date) or (isinstance(value, int) and not isinstance(value, bool)):
        return CslDate(start=partial_date(value, ctx))
    if isinstance(value, str):
        return _edtf(value.strip())
    if not isinstance(value, dict):
        raise FieldError(f"{value!r} is not a date", _DATE_HINT)
    unknown = sorted(set(map(str, value)) - csl.DATE_PARTS)
    if unknown:
        raise FieldError(f"unknown date part {unknown[0]!r}", "use date-parts, season, circa, literal or raw",
                         key_position(value, unknown[0]))
    circa = bool(value.get("circa")) and str(value.get("circa")).lower() not in ("0", "false")
    season = value.get("season")
    if isinstance(season, str) and season.strip().isdigit():
        season = int(season)
    if "date-parts" in value:
        parts = value["date-parts"]
        if not (isinstance(parts, list) and 1 <= len(parts) <= 2
                and all(isinstance(p, list) and 1 <= len(p) <= 3 for p in parts)):
            raise FieldError(f"date-parts {parts!r} is not one or two lists of year, month, day",
                             "write `date-parts: [[2010, 5, 25]]`")
        dates = [_checked_date(*(_number(n) for n in p)) for p in parts]
        return CslDate(start=dates[0], end=dates[1] if len(dates) == 2 else None,
                       season=season, circa=circa)
    if value.get("raw") is not None:
        raw = text(value["raw"], ctx)
        try:
            return _edtf(raw)
        except FieldError:
            return CslDate(literal=raw, circa=circa)
    if value.get("literal") is not None:
        return CslDate(literal=text(value["literal"], ctx), season=season, circa=circa)
    raise FieldError("a date needs date-parts, raw or literal", _DATE_HINT)


_DATE_HINT = 'write "YYYY", "YYYY-MM" or "YYYY-MM-DD" (EDTF), or `date-parts: [[YYYY, M, D]]`'
_SEASONS = {21: 1, 22: 2, 23: 3, 24: 4}


def _number(part: Any) -> int:
    if isinstance(part, int) and not isinstance(part, bool):
        return part
    if isinstance(part, str) and part.strip().isdigit():
        return int(part)
    raise FieldError(f"date part {part!r} is not a number", "write year, month and day in digits")


def _edtf(value: str) -> CslDate:
    ends = value.split("/")
    if len(ends) > 2:
        raise FieldError(f"{value!r} is not a date", _DATE_HINT)
    dates, season, circa, uncertain = [], None, False, False
    for end in ends:
        if end in ("", ".."):
            dates.append(None)
            continue
        match = EDTF_DATE.match(end)
        if not match:
            raise FieldError(f"{value!r} is not a date", _DATE_HINT)
        y, m, d, qualifier = match.groups()
        circa = circa or qualifier in ("~", "%")
        uncertain = uncertain or qualifier in ("?", "%")
        if m and int(m) in _SEASONS and not d:
            season = _SEASONS[int(m)]
            dates.append(_checked_date(int(y)))
        else:
            dates.append(_checked_date(int(y), int(m) if m else None, int(d) if d else None))
    if dates[0] is None:
        raise FieldError(f"{value!r} has no start", "give the first date of the range")
    return CslDate(start=dates[0], end=dates[1] if len(dates) == 2 else None, season=season,
                   circa=circa, uncertain=uncertain)


def language(value: Any, ctx: Context) -> str:
    """A source's language: a BCP 47 tag (`en`, `fr-CA`), or a language's English name as
    Zotero users type it ("English")."""
    got = text(value, ctx)
    if LANGUAGE_TAG.match(got) and got.split("-")[0].lower() in _language_names().values():
        return got
    return _language_names().get(got.lower()) or language_tag(got, ctx)


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    from babel import Locale

    return {name.lower(): code for code, name in Locale("en").languages.items()} | {
        code.lower(): code for code in Locale("en").languages}


def csl_variable(name: str) -> Callable[[Any, Context], Any]:
    """The converter for one CSL variable, chosen by its kind in the CSL schema."""
    if name in csl.NAME_VARIABLES:
        return names
    if name in csl.DATE_VARIABLES:
        return csl_date
    if name == "URL":
        return url
    if name == "language":
        return language
    if name in csl.LIST_VARIABLES:
        return text_list
    if name in csl.OBJECT_VARIABLES:
        return _mapping
    return text


def _mapping(value: Any, ctx: Context) -> dict:
    if not isinstance(value, dict):
        raise FieldError(f"expected a mapping, got {kind_name(value)}", "write `key: value` pairs")
    return dict(value)


CONVERTERS: dict[str, Callable[[Any, Context], Any]] = {
    "text": text, "identifier": identifier, "year": year, "partial_date": partial_date,
    "url": url, "grade": grade, "result": result, "csl_type": csl_type, "trim": trim,
    "text_list": text_list, "id_list": id_list, "names": names, "values_map": values_map,
    "citations": citations, "accounts": accounts, "chapters": chapters, "flag": flag,
    "source_id": text, "language_tag": language_tag, "signature": signature, "isbn": isbn,
}
