"""Markdown chapters: a chapter written as `templates/chapters/NAME.md`, rendered to the same
markup an HTML chapter template gives.

CommonMark through markdown-it-py, with attributes (`{#id .class}`) and definition lists.
Citations are written as Pandoc, Quarto and MyST write them: `[@fact-id]` or
`[@fact-a; @fact-b]` make exactly the note call `cite('fact-id')` or `cite('fact-a',
'fact-b')` makes. Jinja expressions (`{{ fact('birth').values.place }}`) and comments
(`{# … #}`) are allowed; statements (`{% … %}`) are not, since Markdown's own structure
would cut through them. Every expression and citation is evaluated in reading order (so notes
are numbered as in an HTML chapter) before the Markdown is parsed, and its result is put back
only into the finished HTML: text a fact brings in is never read as Markdown. A problem is
reported at its line and column in the Markdown file.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from jinja2 import Environment, TemplateError, TemplateSyntaxError
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.deflist import deflist_plugin

from .context import CitationError
from .problems import ManuscriptError, Problem

SUFFIX = ".md"
# A chapter's title is the layout's <h2>: a Markdown `#` heading is the level below it.
HEADING_SHIFT = 2
CITATION = re.compile(r"(?<!\\)\[@(?P<body>[^\]\n]*)\]")
CITATION_LIST = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:\s*;\s*@[a-z0-9]+(?:-[a-z0-9]+)*)*$")
JINJA = re.compile(r"\{\{(?P<expression>.*?)\}\}|\{#.*?#\}|\{%(?P<statement>.*?)%\}", re.S)
# Private-use characters stand for the evaluated pieces while markdown-it parses the text.
HOLE = "\ue000{}\ue001"
HOLES = re.compile("\ue000(\\d+)\ue001")
TEXT_BETWEEN_TAGS = re.compile(r"(<[^>]*>)")


def is_markdown(template: str) -> bool:
    return template.endswith(SUFFIX)


def render(env: Environment, template: str, shown: Callable[[Path], str], **values: Any) -> str:
    """The chapter `template` (a name under templates/) as HTML; `values` are the names its
    expressions may use besides the environment's globals (`cite`, `chapter`)."""
    try:
        text, filename, _ = env.loader.get_source(env, template)
    except TemplateError as error:
        raise ManuscriptError([Problem(shown(Path("templates", template)), 1, 1, "T005", str(error),
                                       "keep chapters as plain files inside templates/")]) from None
    where = shown(Path(filename))
    pieces: list[str] = []

    def evaluate(match: re.Match) -> str:
        if match.group(0).startswith("{#"):
            return "\n" * match.group(0).count("\n")  # a comment goes; its lines stay counted
        line, col = _place(text, match.start())
        try:
            pieces.append(_piece(env, match, values))
        except TemplateSyntaxError as error:
            raise ManuscriptError([Problem(where, line, col, "T001", f"template syntax error: {error.message}",
                                           "fix the {{ }} expression here")]) from None
        except CitationError as error:
            raise ManuscriptError([Problem(where, line, col, "T003", error.message, error.hint)]) from None
        except _Refused as refused:
            raise ManuscriptError([Problem(where, line, col, refused.code, refused.message, refused.hint)]) from None
        except (TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as error:
            message = getattr(error, "message", None) or str(error)
            raise ManuscriptError([Problem(where, line, col, "T002", f"template error: {message}",
                                           "check the names used here against the README's template reference")]) \
                from None
        return HOLE.format(len(pieces) - 1)

    _refuse_unclosed(text, where)
    holed = re.sub(f"{JINJA.pattern}|{CITATION.pattern}", evaluate, text, flags=re.S)
    html = _unquote_text(_parser().render(holed))
    filled = HOLES.sub(lambda m: pieces[int(m[1])], html)
    lost = set(range(len(pieces))) - {int(i) for i in HOLES.findall(html)}
    if lost:
        line, col = _place(text, _nth_piece(text, min(lost)))
        raise ManuscriptError([Problem(where, line, col, "T007",
                                       "an expression or citation inside a link address or an attribute is lost",
                                       "put it in the text, or write the chapter as an HTML template")])
    return filled


class _Refused(Exception):
    def __init__(self, code: str, message: str, hint: str):
        self.code, self.message, self.hint = code, message, hint


def _piece(env: Environment, match: re.Match, values: dict[str, Any]) -> str:
    """What one expression, comment or citation stands for, as markup."""
    if match.group(0).startswith("[@"):
        body = match["body"].strip()
        if not CITATION_LIST.match(body):
            raise _Refused("T003", f"{match.group(0)!r} is not a citation of facts",
                           "write [@fact-id] or [@fact-a; @fact-b]; a fact's locator belongs in facts.yaml")
        ids = tuple(part.strip().lstrip("@") for part in body.split(";"))
        return str(values["cite"](*ids))
    if match["statement"] is not None:
        raise _Refused("T008", "a Markdown chapter takes {{ }} expressions, not {% %} statements",
                       "compute the value in an expression, or write the chapter as an HTML template")
    value = env.compile_expression(match["expression"], undefined_to_none=False)(**values)
    return str(value) if isinstance(value, Markup) else str(escape(str(value)))


def _nth_piece(text: str, n: int) -> int:
    found = [m for m in re.finditer(f"{JINJA.pattern}|{CITATION.pattern}", text, flags=re.S)
             if not m.group(0).startswith("{#")]
    return found[n].start()


def _refuse_unclosed(text: str, where: str) -> None:
    """A `{{`, `{%` or `{#` that no closing mark ends, which an HTML chapter would refuse too."""
    spans = [m.span() for m in JINJA.finditer(text)]
    for opener in re.finditer(r"\{[{%#]", text):
        if not any(start <= opener.start() < end for start, end in spans):
            line, col = _place(text, opener.start())
            raise ManuscriptError([Problem(where, line, col, "T001",
                                           f"template syntax error: {opener[0]} is not closed",
                                           "close it with }}, %} or #}, or write {{ '{{' }} for the characters")])


def _place(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def _unquote_text(html: str) -> str:
    """markdown-it writes `"` as `&quot;` in text too; the typography pass turns only real
    quotation marks into curly ones, so text gets them back (attributes keep theirs)."""
    parts = TEXT_BETWEEN_TAGS.split(html)
    return "".join(p if p.startswith("<") else p.replace("&quot;", '"') for p in parts)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = (MarkdownIt("commonmark", {"html": True, "xhtmlOut": True})
          .use(attrs_plugin).use(attrs_block_plugin).use(deflist_plugin))

    def italic(self, tokens, idx, options, env) -> str:
        return "<i>" if tokens[idx].nesting == 1 else "</i>"

    def heading(self, tokens, idx, options, env) -> str:
        token = tokens[idx]
        level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
        token.tag = f"h{level}"
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("em_open", italic)
    md.add_render_rule("em_close", italic)
    md.add_render_rule("heading_open", heading)
    md.add_render_rule("heading_close", heading)
    return md
