"""Make-up: what a compositor mends on proofs, found on the laid-out pages and mended in the HTML.

CSS cannot say "no word hyphenated across a page turn", "at most two hyphenated
line ends in a row", "no part ending on a page of a few lines" or "no page
short above its notes" in WeasyPrint 70 (it has no hyphenate-limit-lines or
-last, and a note that does not fit takes its line to the next page). So a
part is laid out, its lines are read, and what breaks a rule is mended as a
compositor would: a word that must not break is kept whole; a few paragraphs
are set a shade tighter, so that lines run back onto a page that ended short,
or a shade looser, so that more lines run out onto a last page that held too
few; as a last resort, the last paragraph keeps enough lines for the last page.
Each mend is tried by laying the part out again, and kept only if the part
then breaks fewer rules. Every mend is a change to the part's HTML, so a part's
layout stays a function of its HTML alone (which the cache and the workers
rely on).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator, Sequence

from lxml import html as lxml_html

from .lines import PARAGRAPH, Line, PageLines

# The least a part's last page may hold, in lines of text.
LEAST_LAST_LINES = 5
# Hyphenated line ends allowed in a row.
MOST_HYPHENS_IN_A_ROW = 2
# How much a page may stop short above its notes, in lines.
MOST_SHORT = 1.0
# On a full page, the white between the last line's baseline and the first note: the
# note area's margin and padding and the line's own descent, about two lines in the
# shipped styles (all in ems, so at every trim).
FULL_WHITE = 2.0
# A line inside a paragraph holding less than this share of the longest is a stray:
# a mend that makes one is refused.
STRAY = 0.5
# A step tighter or looser: a fifth of EB Garamond's word space (a quarter em), off or on.
SPACING_STEP = 0.05
# Layouts a part may be given to mend it, after its first.
MAX_TRIES = 4
PARAGRAPH_IN_HTML = re.compile(r'<p id="[^"]+-p\d+"')
WORD = re.compile(r"[\w\u00ad'’]+(?:[-‐][\w'’]+)*")


@dataclass(frozen=True)
class Mends:
    """Changes to a part's HTML: words kept whole (paragraph id, word, occurrence),
    paragraphs' word spaces set tighter or looser by a number of steps (paragraph id -> steps),
    and paragraphs that leave the last page its lines."""

    whole: frozenset[tuple[str, str, int]] = frozenset()
    spacing: tuple[tuple[str, int], ...] = ()
    fuller: tuple[tuple[str, int], ...] = ()  # (paragraph id, lines it leaves the next page)

    def __bool__(self) -> bool:
        return bool(self.whole or self.spacing or self.fuller)

    def spaced(self, owners: frozenset[str], steps: int) -> Mends:
        """These mends, with the word spaces of `owners` set `steps` from normal."""
        spacing = dict(self.spacing) | {owner: steps for owner in owners}
        return replace(self, spacing=tuple(sorted(spacing.items())))


@dataclass(frozen=True)
class Faults:
    """What a part's pages do that a press would send back."""

    broken_words: frozenset[tuple[str, str, int]]  # hyphenated at a page's foot, or a third in a row
    last_page_lines: int | None  # the last page's lines, when fewer than LEAST_LAST_LINES
    short_pages: tuple[tuple[int, float], ...]  # (page index, lines short above the notes)
    strays: int = 0  # lines inside a paragraph left nearly empty

    @property
    def weight(self) -> float:
        """How bad: a broken word, a bare last page or a stray line outweighs a line of white."""
        return (3 * (len(self.broken_words) + self.strays) + (3 if self.last_page_lines else 0)
                + sum(short for _, short in self.short_pages))


@dataclass
class _Paragraph:
    """What the lines tell of one paragraph: its text so far and how full its last line is."""

    text: str = ""
    last_fill: float = 1.0
    lines: int = 0
    last_page: int = 0
    pages: set[int] = field(default_factory=set)


@dataclass
class _Reading:
    """A part's pages read line by line."""

    pages: list[PageLines]
    paragraphs: dict[str, _Paragraph] = field(default_factory=dict)


def compose(html: str, lay_out: Callable[[str], object], read: Callable[[object], list[PageLines]]) -> object:
    """The part laid out from `html`, mended until it breaks no rule or the tries run out.
    `lay_out` makes a document from HTML; `read` reads a document's pages as lines.
    A part with no paragraphs of running text (the front matter, the tables) is laid out once."""
    document = lay_out(html)
    if not PARAGRAPH_IN_HTML.search(html):
        return document
    reading = _read(read(document))
    faults = _faults(reading)
    mends, refused = Mends(), set()
    for _ in range(MAX_TRIES):
        if not faults.weight:
            break
        proposal = next((p for p in _proposals(reading, faults, mends) if p not in refused), None)
        if proposal is None:
            break
        tried = lay_out(mended(html, proposal))
        tried_reading = _read(read(tried))
        tried_faults = _faults(tried_reading)
        if tried_faults.weight < faults.weight:
            document, reading, faults, mends = tried, tried_reading, tried_faults, proposal
        else:
            refused.add(proposal)
    return document


def _proposals(reading: _Reading, faults: Faults, mends: Mends) -> Iterator[Mends]:
    """Mends to try next, the likeliest first."""
    if faults.broken_words:
        yield replace(mends, whole=mends.whole | faults.broken_words)
    if faults.last_page_lines:
        short = faults.last_page_lines
        # Run the lines back onto the page before; failing that (its notes may fill it),
        # drive more lines out onto the last page; failing that, keep them for it.
        yield mends.spaced(_by_last_line(reading, 2 * short, shortest=True), -1)
        yield mends.spaced(_by_last_line(reading, 2 * (LEAST_LAST_LINES - short), shortest=False), 1)
        kept = _kept_for_last_page(reading, LEAST_LAST_LINES - short)
        if kept:
            yield replace(mends, fuller=tuple(sorted((dict(mends.fuller) | dict([kept])).items())))
    for index, short in faults.short_pages:
        # The line that left the page took its note along, and the lines before it cannot
        # fill the page. Set looser, the paragraph running over the page's foot (then a few
        # above it too) pushes that line down, so that lines without a note fill the white;
        # set tighter, the paragraphs above lift it until its note fits.
        whole_lines = int(short)
        running_over = frozenset(owner for owner, p in reading.paragraphs.items()
                                 if PARAGRAPH.search(owner) and {index, index + 1} <= p.pages)
        above = _by_last_line(reading, 2 * whole_lines, shortest=False, pages={index})
        yield mends.spaced(running_over, 1)
        yield mends.spaced(running_over | above, 1)


def _kept_for_last_page(reading: _Reading, more: int) -> tuple[str, int] | None:
    """The paragraph that, keeping `more` more of its lines for the next page (its widows),
    gives the last page enough: the one that runs onto that page, or else the one before it."""
    last = len(reading.pages) - 1
    first = reading.pages[last].lines[0].owner
    spanning = reading.paragraphs.get(first)
    if spanning and PARAGRAPH.search(first) and last - 1 in spanning.pages:
        on_last = sum(1 for line in reading.pages[last].lines if line.owner == first)
        return first, on_last + more
    before = [line.owner for line in reading.pages[last - 1].lines if PARAGRAPH.search(line.owner)]
    return (before[-1], more) if before and more >= 2 else None


def _by_last_line(reading: _Reading, count: int, shortest: bool, pages: set[int] | None = None) -> frozenset[str]:
    """Paragraphs likeliest to lose a line when set tighter (the shortest last lines: one
    word on it is what tightening saves first) or to gain one when set looser (the fullest)."""
    candidates = sorted((p.last_fill if shortest else -p.last_fill, owner)
                        for owner, p in reading.paragraphs.items()
                        if PARAGRAPH.search(owner) and p.lines > 1 and (pages is None or p.last_page in pages))
    return frozenset(owner for _, owner in candidates[:count])


def _read(pages: list[PageLines]) -> _Reading:
    while pages and not pages[-1].lines:  # the blank verso before the next recto opening
        pages = pages[:-1]
    reading = _Reading(pages)
    for number, page in enumerate(pages):
        for line in page.lines:
            seen = reading.paragraphs.setdefault(line.owner, _Paragraph())
            seen.lines += 1
            seen.last_fill, seen.last_page = line.fill, number
            seen.pages.add(number)
    return reading


def _faults(reading: _Reading) -> Faults:
    pages = reading.pages
    broken: set[tuple[str, str, int]] = set()
    texts: dict[str, str] = {}
    short_pages = []
    for number, page in enumerate(pages):
        run = 0
        for index, line in enumerate(page.lines):
            before = texts.get(line.owner, "")
            texts[line.owner] = _joined(before, line.text)
            run = run + 1 if line.hyphenated else 0
            at_page_end = index == len(page.lines) - 1 and number < len(pages) - 1
            if line.hyphenated and (at_page_end or run > MOST_HYPHENS_IN_A_ROW):
                follower = _next_line(pages, number, index)
                word = _broken_word(line.text, follower.text if follower else "")
                if word:
                    broken.add((line.owner, word, _occurrences(_joined(before, _all_but_last(line.text)), word)))
        short = page.white - FULL_WHITE
        if number < len(pages) - 1 and page.lines and short > MOST_SHORT:
            short_pages.append((number, round(short, 1)))
    last = pages[-1].lines if pages else []
    bare = len(pages) > 1 and 0 < len(last) < LEAST_LAST_LINES
    return Faults(frozenset(broken), len(last) if bare else None, tuple(short_pages), _strays(pages))


def _strays(pages: Sequence[PageLines]) -> int:
    """Lines inside a paragraph (another of its lines follows) that hold a word or two."""
    lines = [line for page in pages for line in page.lines]
    return sum(1 for line, after in zip(lines, lines[1:])
               if line.owner and after.owner == line.owner and line.fill < STRAY)


def _next_line(pages: Sequence[PageLines], page: int, index: int) -> Line | None:
    if index + 1 < len(pages[page].lines):
        return pages[page].lines[index + 1]
    return pages[page + 1].lines[0] if page + 1 < len(pages) and pages[page + 1].lines else None


def _broken_word(line: str, follower: str) -> str | None:
    """The word a hyphenated line end breaks, whole: "noth‐" + "ing, and" -> "nothing";
    a compound broken at its own hyphen: "Canadian-" + "American" -> "Canadian-American"."""
    head, tail = WORD.findall(line), WORD.findall(follower)
    if not head or not tail:
        return None
    return head[-1] + tail[0] if line.endswith("‐") else f"{head[-1]}-{tail[0]}"


def _all_but_last(text: str) -> str:
    return text.rsplit(" ", 1)[0] if " " in text else ""


def _joined(text: str, line: str) -> str:
    if text.endswith("‐"):
        return text[:-1] + line
    return f"{text} {line}" if text else line


def _occurrences(text: str, word: str) -> int:
    return len(_word_pattern(word).findall(text))


def _word_pattern(word: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")


# ---- Mending the HTML --------------------------------------------------------------

def mended(html: str, mends: Mends) -> str:
    """The part's HTML with the mends made: words wrapped to stay whole, paragraphs set."""
    if not mends:
        return html
    tree = lxml_html.document_fromstring(html)
    for owner, word, occurrence in sorted(mends.whole):
        for element in tree.xpath("//*[@id=$id]", id=owner):
            _wrap(element, word, occurrence)
    rules = ".unbroken { white-space: nowrap; hyphens: manual; }"
    rules += "".join(f'[id="{owner}"] {{ word-spacing: {steps * SPACING_STEP:g}em; }}'
                     for owner, steps in mends.spacing)
    rules += "".join(f'[id="{owner}"] {{ widows: {widows}; }}' for owner, widows in mends.fuller)
    style = lxml_html.Element("style")
    style.text = rules
    tree.find("head").append(style)
    return lxml_html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")


def _wrap(element, word: str, occurrence: int) -> None:
    """Wrap the `occurrence`-th (from 0) `word` of the element's own text (not its notes')."""
    pattern = _word_pattern(word)
    seen = 0
    for holder, slot in _text_slots(element):
        text = getattr(holder, slot) or ""
        for found in pattern.finditer(text):
            if seen == occurrence:
                span = lxml_html.Element("span", {"class": "unbroken"})
                span.text, span.tail = found[0], text[found.end():]
                setattr(holder, slot, text[:found.start()])
                if slot == "text":
                    holder.insert(0, span)
                else:
                    holder.getparent().insert(holder.getparent().index(holder) + 1, span)
                return
            seen += 1


def _text_slots(element) -> Iterator[tuple[object, str]]:
    """The element's pieces of text in reading order, as (holder, "text" or "tail"),
    leaving out the notes: their text is set at the page's foot."""
    yield element, "text"
    for child in element:
        if isinstance(child.tag, str) and "footnote" not in child.get("class", "").split():
            yield from _text_slots(child)
        yield child, "tail"
