"""Typography: the quotation marks, apostrophes and spaces a reader of each language expects.

smartypants (a maintained port of John Gruber's SmartyPants) decides which straight
quote opens and which closes, and makes apostrophes curly, for every language. The
builder's own rules then follow the language of each passage — the book's, or that of
the nearest element with a `lang` attribute, so an English title inside a French
book keeps English marks:

- French: « » with narrow no-break spaces inside, “ ” for a quotation inside a
  quotation; a narrow no-break space before ; ! ? and a no-break space before a colon
  (none where the mark sits inside a word or an address, as in `https://` or `a?b`);
  "1<sup>er</sup>" for the first day of a month (plain "1er" in a document title, which
  holds text only).
- German: „ “, and ‚ ‘ inside them.
- English, and any other language: smartypants' “ ” and ‘ ’.

Only text is touched: tags, attributes and the contents of <style> and <script> pass
through as they are. polytypo does all of this as one library, but took ten times
smartypants' time on the shipped book (0.7 s against 0.06 s), more than the editor's
loop can spare.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Mapping

import smartypants
from babel import Locale
from markupsafe import escape

TOKEN = re.compile(r"(<!--.*?-->|<[^>]*>)", re.S)
TAG = re.compile(r"<(/?)([A-Za-z][\w:-]*)([^>]*?)(/?)>", re.S)
LANG_ATTRIBUTE = re.compile(r"""\s(?:xml:)?lang\s*=\s*["']([^"']*)["']""")
NNBSP, NBSP = "\u202f", "\u00a0"
RAW_TEXT = frozenset({"style", "script"})
# A quotation left open does not run past its paragraph, cell or heading.
BLOCKS = frozenset({"p", "li", "td", "th", "caption", "h1", "h2", "h3", "h4", "h5", "h6", "title",
                    "section", "aside", "div", "nav", "blockquote"})
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
# Quotes and spaces written as references: characters, to the rules that follow.
ESCAPED = {"&#39;": "'", "&#x27;": "'", "&quot;": '"', "&#34;": '"', "&#x22;": '"', "&#160;": NBSP,
           "&#xa0;": NBSP, "&#xA0;": NBSP, "&#8239;": NNBSP, "&#x202f;": NNBSP, "&#x202F;": NNBSP}
ESCAPED_CHARACTERS = re.compile("|".join(ESCAPED))
SPACES = "[ \u00a0\u202f]*"
SUPERSCRIPT = re.compile(r"</?sup>")
ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
HELD = "\ue000"  # stands for an entity while the rules run: its ; is no punctuation


def typeset(markup: str, language: str) -> str:
    """`markup` with the typography of `language`, and of any passage marked in another."""
    return _by_language(smartypants.smartypants(_literal_quotes(markup), smartypants.Attr.q | smartypants.Attr.u),
                        language.lower())


def typeset_text(text: str, language: str) -> str:
    """Plain text (metadata, an image's description) with the same typography."""
    return html.unescape(typeset_attribute(text, language))


def typeset_attribute(text: str, language: str) -> str:
    """Text (or markup, read as its text) typeset and escaped for an attribute value, such
    as the running head a stylesheet takes from `data-running-head`."""
    typeset_markup = SUPERSCRIPT.sub("", typeset(str(escape(text)), language))
    return typeset_markup.replace('"', "&#34;").replace("'", "&#39;")


def mark_passages(markup: str, passages: Mapping[str, str], language: str) -> str:
    """Each known passage in another language (a source's title, as escaped text) wrapped,
    where it stands in text, in a span with its `lang`: hyphenated and typeset as that
    language. A passage already inside an element of its language is left as it is."""
    if not passages:
        return markup
    found = re.compile("|".join(re.escape(p) for p in sorted(passages, key=len, reverse=True)))
    tracker = _Passages(language.lower())
    pieces = TOKEN.split(markup)
    for i, piece in enumerate(pieces):
        if i % 2:
            tracker.enter(piece)
        elif piece and tracker.raw is None and not tracker.in_title:
            here = tracker.language.split("-")[0]
            pieces[i] = found.sub(lambda m: m[0] if passages[m[0]].lower().split("-")[0] == here
                                  else f'<span lang="{passages[m[0]]}">{m[0]}</span>', piece)
    return "".join(pieces)


def _literal_quotes(markup: str) -> str:
    """Escaped quotes and spaces in text as plain characters: autoescaping writes every '
    of a fact as &#39;, which smartypants would leave straight, and an author's &#160;
    before a colon is the space the French rules replace."""
    pieces = TOKEN.split(markup)
    for i in range(0, len(pieces), 2):
        pieces[i] = ESCAPED_CHARACTERS.sub(lambda m: ESCAPED[m[0]], pieces[i])
    return "".join(pieces)


class _Passages:
    """Which language each stretch of text is in, from the `lang` attributes around it."""

    def __init__(self, language: str):
        self.stack: list[tuple[str, str | None]] = [("", language)]  # (element, its lang or None)
        self.raw: str | None = None

    @property
    def in_title(self) -> bool:
        return any(name == "title" for name, _ in self.stack)

    @property
    def language(self) -> str:
        return next(lang for _, lang in reversed(self.stack) if lang)

    def enter(self, tag: str) -> str | None:
        """Follow one tag; the name of the element it opens or closes."""
        match = TAG.match(tag)
        if not match:
            return None
        closing, name, attributes, self_closing = match.groups()
        name = name.lower()
        if closing:
            if self.raw == name:
                self.raw = None
            for depth in range(len(self.stack) - 1, 0, -1):
                if self.stack[depth][0] == name:
                    del self.stack[depth:]
                    break
            return name
        if self_closing or name in VOID:
            return name
        if name in RAW_TEXT:
            self.raw = name
        lang = LANG_ATTRIBUTE.search(attributes)
        self.stack.append((name, lang[1].lower() if lang else None))
        return name


def _by_language(markup: str, language: str) -> str:
    passages = _Passages(language)
    depth = {"fr": 0, "de": 0}  # quotation nesting, across the elements that split a quotation
    pieces = TOKEN.split(markup)
    for i, piece in enumerate(pieces):
        if i % 2:
            if passages.enter(piece) in BLOCKS:
                depth.update(dict.fromkeys(depth, 0))
        elif piece and passages.raw is None:
            primary = passages.language.split("-")[0]
            if primary in ("fr", "de"):
                entities = ENTITY.findall(piece)
                text = ENTITY.sub(HELD, piece)
                text = _french(text, depth, markup=not passages.in_title) if primary == "fr" else _german(text, depth)
                held = iter(entities)
                pieces[i] = re.sub(HELD, lambda m: next(held), text) if entities else text
    return "".join(pieces)


def _quotes(text: str, depth: dict[str, int], family: str, outer: tuple[str, str],
            inner: tuple[str, str]) -> str:
    """Curly quotes as this language nests them: `outer` at the first level, `inner` below.
    A German closing “ typed by the author closes, where smartypants' “ would open."""
    def swap(match: re.Match) -> str:
        mark, before = match[0], text[match.start() - 1] if match.start() else " "
        opening = mark in "«„" or (mark == "“" and not (family == "de" and depth[family] and not before.isspace()))
        if opening:
            depth[family] += 1
            return outer[0] if depth[family] == 1 else inner[0]
        depth[family] = max(depth[family] - 1, 0)
        return outer[1] if depth[family] == 0 else inner[1]
    return re.sub("[“”«»„]" if family == "fr" else "[“”„]", swap, text)


def _french(text: str, depth: dict[str, int], markup: bool) -> str:
    text = _quotes(text, depth, "fr", ("«", "»"), ("“", "”"))
    text = re.sub(f"«{SPACES}", "«" + NNBSP, text)
    text = re.sub(f"{SPACES}»", NNBSP + "»", text)
    # Only a mark that ends a phrase: followed by a space, a closing mark or the end of the text.
    text = re.sub(f"(?<![!?;:]){SPACES}([;!?])(?=[\\s\u00a0\u202f»)\\]!?]|$)", NNBSP + r"\1", text)
    text = re.sub(f"(?<![!?;:]){SPACES}:(?=[\\s\u00a0\u202f]|$)", NBSP + ":", text)
    return _first_of_month(text, markup)


def _german(text: str, depth: dict[str, int]) -> str:
    return _quotes(text, depth, "de", ("„", "“"), ("‚", "‘"))


@lru_cache(maxsize=1)
def _french_months() -> re.Pattern:
    months = "|".join(Locale("fr").months["format"]["wide"].values())
    return re.compile(rf"(?<![\d,.])\b1(?=[ \u00a0]+(?:{months})\b)")


def _first_of_month(text: str, markup: bool) -> str:
    """"1er mars", not "1 mars": the one ordinal French dates keep (Babel writes "1"). Its
    letters are raised: set in old-style figures, a flat "1er" reads as "ier"."""
    return _french_months().sub("1<sup>er</sup>" if markup else "1er", text)
