"""Schema: what each kind of manuscript record may hold, and the checks on each field.

A record spec maps field names to converters. `read_record` applies a spec to
one YAML mapping and reports every unknown key, missing field and wrong type
with its position, returning plain Python values for the loader to build
models from. Converters raise `FieldError` with a message and a fix.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Callable

from .language import BadTag, checked_tag
from .models import GRADE_MEANINGS, RESULTS, TRIM_SIZES, Citation, Name, PartialDate, Where
from .problems import Problem

# Characters XML 1.0 forbids or that no reader can show: they would break the EPUB.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
CSL_TYPES = frozenset({
    "article", "article-journal", "article-magazine", "article-newspaper", "book", "broadcast",
    "chapter", "dataset", "document", "entry", "entry-dictionary", "entry-encyclopedia",
    "interview", "motion_picture", "pamphlet", "paper-conference", "personal_communication",
    "post", "post-weblog", "report", "song", "speech", "thesis", "webpage",
})


class FieldError(Exception):
    def __init__(self, message: str, hint: str, at: tuple[int, int] | None = None):
        super().__init__(message)
        self.message, self.hint, self.at = message, hint, at


@dataclass(frozen=True)
class Spec:
    convert: Callable[[Any, "Context"], Any]
    required: bool = False


@dataclass
class Context:
    """Where the field being read sits, so nested converters can point inside it."""

    shown: str
    line: int
    col: int

    def where(self) -> Where:
        return Where(self.shown, self.line, self.col)


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
            line, col = _key_position(node, key) or (line, col)
            known = ", ".join(sorted(specs))
            problems.append(Problem(ctx.shown, line, col, "S002", f"unknown field {key!r} in {what}",
                                    f"remove it or use one of: {known}"))
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
            values[name] = spec.convert(node[name], Context(ctx.shown, line, col))
        except FieldError as error:
            line, col = error.at or (line, col)
            problems.append(Problem(ctx.shown, line, col, "S004",
                                    f"{name!r} in {what}: {error.message}", error.hint))
            ok = False
    return values if ok else None


def _key_position(node: Any, key: Any) -> tuple[int, int] | None:
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
    except ValueError:
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
    if got not in CSL_TYPES:
        raise FieldError(f"{got!r} is not a CSL item type",
                         "use a CSL type such as webpage, article-newspaper, book, entry-encyclopedia")
    return got


def trim(value: Any, ctx: Context) -> str:
    got = text(value, ctx).lower()
    if got not in TRIM_SIZES:
        raise FieldError(f"{got!r} is not a supported trim size", "use 6x9, a5 or letter")
    return got


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
        out.append((item, Context(ctx.shown, line, col)))
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


def names(value: Any, ctx: Context) -> tuple[Name, ...]:
    if isinstance(value, dict):
        value = [value]
    out = []
    for item, item_ctx in items(value, ctx, "author"):
        if isinstance(item, str):
            out.append(Name(literal=item.strip()))
            continue
        if not isinstance(item, dict) or not ({"family", "literal"} & set(item)):
            raise FieldError("an author needs `family` (and `given`) or `literal`",
                             "write `- {family: Hale, given: Mike}`", (item_ctx.line, item_ctx.col))
        unknown = set(item) - {"family", "given", "literal", "suffix", "dropping-particle",
                               "non-dropping-particle"}
        if unknown:
            raise FieldError(f"unknown name part {sorted(unknown)[0]!r}", "use family, given or literal",
                             (item_ctx.line, item_ctx.col))
        out.append(Name(family=_opt(item.get("family")), given=_opt(item.get("given")),
                        literal=_opt(item.get("literal"))))
    return tuple(out)


def _opt(value: Any) -> str | None:
    return str(value).strip() if value is not None and str(value).strip() else None


def values_map(value: Any, ctx: Context) -> dict[str, str | int]:
    if not isinstance(value, dict):
        raise FieldError(f"expected a mapping, got {kind_name(value)}", "write `name: value` lines")
    out: dict[str, str | int] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not re.match(r"^[a-z_][a-z0-9_]*$", key):
            raise FieldError(f"value name {key!r} is not usable in templates",
                             "use lowercase letters, digits and underscores, like `place`",
                             _key_position(value, key))
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            if isinstance(item, list) and all(isinstance(i, (str, int)) for i in item):
                out[key] = tuple(item)  # type: ignore[assignment]
                continue
            raise FieldError(f"value {key!r} must be text, a number or a list of them",
                             "quote it as text", position(value, key=key))
        out[key] = item
    return out


CITATION_FIELDS = {"source": Spec(identifier, required=True), "locator": Spec(text)}


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
        fields = read_record(item, CITATION_FIELDS, item_ctx, "a citation", local)
        if fields is None:
            first = local[0]
            raise FieldError(first.message, first.hint, (first.line, first.col))
        out.append(Citation(fields["source"], fields.get("locator"), item_ctx.where()))
    if not out:
        raise FieldError("lists no source", "cite at least one source with `- source: <id>`")
    return tuple(out)
