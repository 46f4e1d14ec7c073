"""Citations: sources formatted in Chicago notes-and-bibliography style (17th edition).

Owns the wording of a full note, a short note, "Ibid.", a citation of one source at several
places, "cited in" for a publication seen only through another document, and a bibliography
entry, for every CSL item type; and the words and quotation marks of each language a
manuscript may be written in. English titles are set in headline style; titles in languages
that use sentence case keep their case. Everything returns escaped `Markup`: no field of a
source ever reaches the page unescaped.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Mapping

from babel.dates import format_date, format_skeleton
from markupsafe import Markup, escape

from .language import babel_locale
from .models import CslDate, Name, PartialDate, Source

# --- a language's citation words -------------------------------------------------


@dataclass(frozen=True)
class Words:
    """The words and marks Chicago's forms need, in one language."""

    quotes: tuple[str, str]
    inner: tuple[str, str]
    punctuation_inside: bool  # American usage: commas and periods inside closing quotes
    ibid: str
    cited_in: str
    accessed: str
    aired: str  # "aired {date}, on {network}"
    sv: str
    no: str
    vol: str
    edition: Callable[[int], str]
    ed: str
    eds: str
    edited_by: str
    trans: str
    translated_by: str
    directed_by: str
    interview_by: str
    in_: str
    and_: str
    et_al: str
    nd: str
    circa: str
    blog: str
    seasons: tuple[str, str, str, str]


def _english_edition(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix} ed."


WORDS = {
    "en": Words(quotes=("“", "”"), inner=("‘", "’"), punctuation_inside=True, ibid="Ibid.",
                cited_in="cited in", accessed="accessed {}", aired="aired {}, on {}", sv="s.v.",
                no="no.", vol="vol.", edition=_english_edition, ed="ed.", eds="eds.",
                edited_by="edited by", trans="trans.", translated_by="translated by",
                directed_by="directed by", interview_by="interview by", in_="in", and_="and",
                et_al="et al.", nd="n.d.", circa="ca.", blog="blog",
                seasons=("Spring", "Summer", "Autumn", "Winter")),
    "fr": Words(quotes=("«\u202f", "\u202f»"), inner=("“", "”"), punctuation_inside=False,
                ibid="Ibid.", cited_in="cité dans", accessed="consulté le {}",
                aired="diffusé le {} sur {}", sv="s.v.", no="nᵒ", vol="vol.",
                edition=lambda n: f"{n}{'ʳᵉ' if n == 1 else 'ᵉ'} éd.", ed="éd.", eds="éd.",
                edited_by="sous la direction de", trans="trad.", translated_by="traduit par",
                directed_by="réalisé par", interview_by="entretien réalisé par", in_="dans",
                and_="et", et_al="et al.", nd="s.d.", circa="vers", blog="blog",
                seasons=("printemps", "été", "automne", "hiver")),
    "de": Words(quotes=("„", "“"), inner=("‚", "‘"), punctuation_inside=False, ibid="Ebd.",
                cited_in="zitiert in", accessed="zugegriffen am {}", aired="gesendet am {} auf {}",
                sv="s.v.", no="Nr.", vol="Bd.", edition=lambda n: f"{n}. Aufl.", ed="Hrsg.",
                eds="Hrsg.", edited_by="herausgegeben von", trans="übers.",
                translated_by="übersetzt von", directed_by="Regie", interview_by="Interview von",
                in_="in", and_="und", et_al="u. a.", nd="o. J.", circa="ca.", blog="Blog",
                seasons=("Frühjahr", "Sommer", "Herbst", "Winter")),
}


def words_for(language: str) -> Words:
    """The citation words of `language` (a tag like en-US); English for any other language."""
    return WORDS.get(language.replace("_", "-").split("-")[0].lower(), WORDS["en"])


# --- title case ------------------------------------------------------------------

# Chicago 8.159: articles, coordinating conjunctions, prepositions, "to" and "as" stay
# lowercase inside a title. Particles that mostly serve phrasal verbs ("Chow Down", "Set
# Up") are left out, since they are capitalized when used adverbially.
LOWERCASE_WORDS = frozenset("""
a an the and but for or nor as to v vs v. vs. via per
about above across after against amid among at before behind below beneath beside
between beyond despite during except from in inside into like near of on onto opposite
outside since than till toward towards under underneath unlike until upon with within without
""".split())
SUBTITLE_BREAKS = (":", "|", "—", "?", "!")
OPENING = "“‘\"'«„‚([\ue030\ue032\ue034\ue036\ue038"
CLOSING = "”’\"'»“‘)].,;:!?\ue031\ue033\ue035\ue037\ue039"


def headline_case(title: str) -> str:
    """Chicago headline style: major words capitalized, minor words lowercase except first,
    last and after a colon; a word already holding a capital after its first letter (LACMA,
    DuVernay, iPhone) is kept as written."""
    words = title.split(" ")
    out = []
    starts = True
    for index, word in enumerate(words):
        last = index == len(words) - 1
        lead = len(word) - len(word.lstrip(OPENING))
        core_end = len(word.rstrip(CLOSING)) or len(word)
        prefix, core, suffix = word[:lead], word[lead:core_end], word[core_end:]
        first = starts or bool(prefix and prefix[-1] in "“‘\"'«„‚")
        out.append(prefix + "-".join(_case_word(part, first or last, i) for i, part in
                                     enumerate(core.split("-"))) + suffix)
        starts = bool(suffix) and suffix.rstrip("”’\"'»“‘)]")[-1:] in SUBTITLE_BREAKS or word in ("|", "—")
    return " ".join(out)


def _case_word(word: str, edge: bool, position: int) -> str:
    if not word or not word[0].isalpha() or "://" in word or "@" in word:
        return word
    if any(c.isupper() for c in word[1:]):
        return word
    lower = word.lower()
    if lower in LOWERCASE_WORDS and not (edge and position == 0):
        return lower
    return word[0].upper() + word[1:]


def is_english(source: Source, manuscript_language: str) -> bool:
    """CSL's rule: an item without a language of its own is in the manuscript's language."""
    return (source.language or manuscript_language).split("-")[0].lower() == "en"


# --- quotation marks and punctuation ----------------------------------------------

# Marks the end of a quotation this module closed, so that a following comma or period can
# be moved inside it (American usage) without touching an apostrophe.
CLOSE = "\ue010"
QUOTATION = re.compile(
    r"“(?P<a>[^”]*)”|«\s?(?P<b>[^»]*?)\s?»|„(?P<c>[^“”]*)[“”]|\"(?P<d>[^\"]*)\""
    r"|(?<![\w’'])[‘'](?P<e>[^‘’']*?)[’'](?![\w])")


def requote(text: str, marks: tuple[str, str]) -> str:
    """Every quotation inside `text`, however it was typed, in the `marks` given."""
    def turn(match: re.Match) -> str:
        inner = next(g for g in match.groups() if g is not None)
        return f"{marks[0]}{inner}{marks[1]}{CLOSE}"
    return QUOTATION.sub(turn, text)


def finish(text: str, words: Words, end: str = ".") -> str:
    """Place commas and periods as the language places them, end the sentence once."""
    text = text.replace("&#39;", "’") + end  # a typed apostrophe, as the typography pass cannot see it
    if words.punctuation_inside:
        text = re.sub(f"{CLOSE}(?=[”’])", "", text)  # a quotation closing inside another
        text = re.sub(f"([”’]+){CLOSE}([.,])", r"\2\1", text)
        text = re.sub("”([.,])", r"\1”", text)
    text = text.replace(CLOSE, "")
    # A title's own ? or ! stands for a period, but a comma the syntax needs stays (CMOS 6.119).
    text = re.sub(r"([?!])([”’»“‘\u202f]*)\.", r"\1\2", text)
    return re.sub(r"\.([”’»“‘\u202f]*)\.$", r".\1", text)  # "et al.." or "ed.."


# --- numbers and locators ---------------------------------------------------------

ABBREVIATION_SPACE = re.compile(r"\b(nn?|paras?|pp?|s\.v|nos?|vols?|chaps?|ch|secs?|figs?|ll?)\. ")
LABELLED = re.compile(r"^(?:(?P<prefix>.*?),\s+)?(?P<label>pp?|paras?|nn?|ll?|chaps?|secs?|figs?|vols?)\.\s+(?P<number>.+)$")
PLURAL = {"p": "pp", "para": "paras", "n": "nn", "l": "ll", "chap": "chaps", "sec": "secs",
          "fig": "figs", "vol": "vols"}
SINGULAR = {plural: single for single, plural in PLURAL.items()}
RANGE = re.compile(r"\b(\d+)\s*[-–]\s*(\d+)\b")


def inclusive(first: str, last: str) -> str:
    """Chicago 9.61: 3–10, 71–72, 100–104, 101–8, 321–28, 498–532, 1087–89, 1496–500."""
    a, b = int(first), int(last)
    if b <= a or a < 100 or a % 100 == 0 or len(first) != len(last):
        return f"{first}–{last}"
    return f"{first}–{_changed_part(first, last, 1 if a % 100 < 10 else 2)}"


def _changed_part(first: str, last: str, at_least: int) -> str:
    keep = 0
    while keep < len(first) - at_least and first[keep] == last[keep]:
        keep += 1
    return last[keep:]


def pages(text: str) -> str:
    return RANGE.sub(lambda m: inclusive(m[1], m[2]), text)


def locator_text(locator: str) -> str:
    """A locator as Chicago prints it: no "p." before page numbers, an en dash (abbreviated as
    Chicago abbreviates) in ranges, a no-break space after an abbreviation."""
    segments = []
    for segment in _segments(merge_locators([locator]) or ""):
        match = LABELLED.match(segment)
        if match and match["label"] in ("p", "pp"):
            segment = ", ".join(x for x in (match["prefix"], match["number"]) if x)
        segments.append(pages(segment))
    return ABBREVIATION_SPACE.sub("\\1.\u00a0", _joined(segments))


def _segments(locator: str) -> list[str]:
    return [s.strip() for s in locator.split(";") if s.strip()]


def _joined(segments: list[str]) -> str:
    return ("; " if any("," in s for s in segments) else ", ").join(segments)


def merge_locators(locators: list[str | None]) -> str | None:
    """Several places in one source as one locator: "para. 3" and "para. 5" become
    "paras. 3, 5"; a place given twice is given once."""
    found: list[list] = []  # [prefix, label, numbers] or [text, None, None]
    for locator in locators:
        for segment in _segments(locator or ""):
            match = LABELLED.match(segment)
            if not match:
                if [segment, None, None] not in found:
                    found.append([segment, None, None])
                continue
            label = SINGULAR.get(match["label"], match["label"])
            numbers = [n.strip() for n in match["number"].split(",")]
            same = next((f for f in found if f[1] == label and f[0] == match["prefix"]), None)
            if same is None:
                found.append([match["prefix"], label, numbers])
            else:
                same[2].extend(n for n in numbers if n not in same[2])
    if not found:
        return None
    # "“Other activities”" is said again, more precisely, by "“Other activities”, n. 34".
    narrower = {f[0] for f in found if f[1] is not None}
    found = [f for f in found if f[1] is not None or f[0] not in narrower]
    segments = []
    for prefix, label, numbers in found:
        if label is None:
            segments.append(prefix)
            continue
        shown = f"{PLURAL.get(label, label) if len(numbers) > 1 or RANGE.search(numbers[0]) else label}. " \
                f"{', '.join(numbers)}"
        segments.append(f"{prefix}, {shown}" if prefix else shown)
    return "; ".join(segments)


# --- short titles ---------------------------------------------------------------

SHORT_TITLE_WORDS = 4
# Words that open a phrase, so that a title may be cut before them. Not "and" or "or": they
# join the parts of a phrase ("Top Art and Architecture").
PHRASE_STARTS = (LOWERCASE_WORDS - {"a", "an", "the", "and", "but", "or", "nor", "v", "vs", "v.", "vs."}) | {
    "that", "who", "which", "when", "where", "while", "because", "if"}
LEADING_ARTICLE = re.compile(r"^(the|a|an|le|la|les|l’|l'|un|une|der|die|das|ein|eine)\s+", re.I)


def short_title(title: str) -> str:
    """Chicago 14.30's short title: the main title (before a colon outside quotation marks),
    without a leading article, and, if it is longer than five words, cut to at most four, but
    only where a phrase ends (before a preposition, "to", a relative pronoun or an opening
    quotation mark, or else at the first comma after two words): never mid-phrase. A title without such a place stays whole;
    give the source a `title-short` then."""
    main = _main_title(title)
    main = LEADING_ARTICLE.sub("", main, count=1) if len(main.split()) > 1 else main
    words = main.split()
    if len(words) <= SHORT_TITLE_WORDS + 1:
        return main.rstrip(" ,;:")
    for cut in range(SHORT_TITLE_WORDS, 0, -1):
        before, after = words[cut - 1], words[cut]
        if before.endswith(("’s", "'s")):  # "NBC’s …": the phrase goes on
            continue
        if after.lower().strip(OPENING) in PHRASE_STARTS or after[0] in OPENING:
            return " ".join(words[:cut]).rstrip(" ,;:")
    for cut in range(2, SHORT_TITLE_WORDS + 1):
        if words[cut - 1].endswith(","):
            return " ".join(words[:cut]).rstrip(" ,;:")
    return main.rstrip(" ,;:")


def _main_title(title: str) -> str:
    depth = 0
    for index, char in enumerate(title):
        if char in "“«„‘":
            depth += 1
        elif char in "”»" or (char == "’" and depth and (index + 1 == len(title) or not title[index + 1].isalpha())):
            depth = max(0, depth - 1)
        elif char == ":" and depth == 0 and title[index + 1:index + 2] == " ":
            return title[:index]
    return title


# --- CSL rich text in titles ------------------------------------------------------

# The markup CSL allows in a title (and Zotero writes): each tag stands for one private-use
# character while the title is cased, cut and requoted, and becomes markup again at the end;
# anything else in a title is text. A `nocase` span keeps its case, so it protects a word
# such as "appleeats" from headline style.
RICH_TAGS = {"<i>": "\ue030", "</i>": "\ue031", "<b>": "\ue032", "</b>": "\ue033", "<sup>": "\ue034",
             "</sup>": "\ue035", "<sub>": "\ue036", "</sub>": "\ue037",
             '<span style="font-variant:small-caps;">': "\ue038", "</span>": "\ue039"}
SMALL_CAPS = "\ue038"
RICH_TAG = re.compile(r'<(?:/?(?:i|b|sup|sub)|span style="font-variant: ?small-caps;?"|/span)>')
NOCASE = re.compile(r'<span class="nocase">(.*?)</span>', re.S)
KEPT = "\ue040"  # then an index into the kept spans, and the closing mark
KEPT_END = "\ue041"
MARKS = "".join(RICH_TAGS.values()) + KEPT + KEPT_END
PAIRS = {"\ue030": "\ue031", "\ue032": "\ue033", "\ue034": "\ue035", "\ue036": "\ue037", "\ue038": "\ue039"}


def rich(text: str) -> tuple[str, list[str]]:
    """The title with its CSL markup as marks, and the text of its nocase spans."""
    kept: list[str] = []

    def keep(match: re.Match) -> str:
        kept.append(match[1])
        return f"{KEPT}{len(kept) - 1}{KEPT_END}"

    text = NOCASE.sub(keep, text)
    return RICH_TAG.sub(lambda m: SMALL_CAPS if m[0].startswith("<span") else RICH_TAGS[m[0]], text), kept


def balanced(text: str) -> str:
    """A cut title's marks closed or dropped, so no tag is left open."""
    out, open_marks = [], []
    for char in text:
        if char in PAIRS:
            open_marks.append(char)
        elif char in PAIRS.values():
            if not open_marks or PAIRS[open_marks[-1]] != char:
                continue
            open_marks.pop()
        out.append(char)
    return "".join(out) + "".join(PAIRS[m] for m in reversed(open_marks))


def unrich(text: str, kept: list[str], italic: bool) -> Markup:
    """Escaped text with the marks made markup again; italic inside an italic title is roman."""
    tags = {v: k for k, v in RICH_TAGS.items()}
    if italic:
        tags.update({"\ue030": '<span style="font-style:normal">', "\ue031": "</span>"})
    out = []
    for piece in re.split(f"({KEPT}\\d+{KEPT_END}|[{''.join(RICH_TAGS.values())}])", text):
        if piece.startswith(KEPT):
            out.append(str(escape(kept[int(piece[1:-1])])))
        elif piece in tags:
            out.append(tags[piece])
        else:
            out.append(str(escape(piece)))
    return Markup("".join(out))


# --- the forms ---------------------------------------------------------------------

# Chicago's title styles, by CSL type: italic (whole publications), roman and unquoted
# (legal and similar documents), quoted (parts of publications, unpublished works).
ITALIC_TITLE = frozenset({"book", "classic", "collection", "dataset", "document", "graphic",
                          "hearing", "legal_case", "map", "motion_picture", "musical_score",
                          "pamphlet", "performance", "periodical", "report", "software", "standard"})
ROMAN_TITLE = frozenset({"bill", "legislation", "patent", "regulation", "treaty", "event"})
BOOKLIKE = ITALIC_TITLE | {"thesis"}
PERIODICAL = frozenset({"article-journal", "article-magazine", "article-newspaper", "review",
                        "review-book", "article"})
ARCHIVAL = frozenset({"manuscript", "personal_communication", "interview"})
ITALIC_CONTAINER = PERIODICAL | {"chapter", "entry", "entry-dictionary", "entry-encyclopedia",
                                 "paper-conference", "broadcast", "interview", "post-weblog",
                                 "song", "speech", "figure"}


@dataclass(frozen=True)
class Formatter:
    """Formats sources as Chicago notes and bibliography entries in one manuscript language;
    holds the registry to resolve "cited in"."""

    sources: Mapping[str, Source]
    format_date: "DateFormatter"

    @property
    def words(self) -> Words:
        return words_for(self.format_date.language)

    # the pieces

    @cached_property
    def _uncut(self) -> frozenset[str]:
        """Sources whose cut short title would be another source's short form: theirs stays
        uncut (Chicago's short form must still tell the works apart)."""
        forms: dict[tuple[str, str], list[str]] = {}
        for source in self.sources.values():
            if not source.get("title-short"):
                role = self._lead_role(source)
                who = self.short_names(source.get(role)) if role else ""
                forms.setdefault((who, short_title(rich(source.title or "")[0]).casefold()), []).append(source.id)
        return frozenset(i for ids in forms.values() if len(ids) > 1 for i in ids)

    def title(self, source: Source, short: bool = False) -> Markup:
        if not source.title:
            return Markup("")
        text = source.get("title-short") if short and source.get("title-short") else source.title
        text, kept = rich(text)
        if short and not source.get("title-short") and source.id not in self._uncut:
            text = balanced(short_title(text))
        if is_english(source, self.format_date.language):
            text = headline_case(text)
        text = re.sub(r"(\d)\s+[–-]\s+(\d)", r"\1–\2", text)  # "1983 – 1993" closed up
        if source.type in ITALIC_TITLE or (source.type == "broadcast" and not source.get("container-title")):
            return Markup("<i>{}</i>").format(unrich(requote(text, self.words.quotes), kept, italic=True))
        if source.type in ROMAN_TITLE:
            return unrich(requote(text, self.words.quotes), kept, italic=False)
        q = self.words
        return Markup("{}{}{}{}").format(q.quotes[0], unrich(requote(text, q.inner), kept, italic=False),
                                         q.quotes[1], Markup(CLOSE))

    def container(self, source: Source) -> Markup:
        name = source.get("container-title")
        if not name:
            return Markup("")
        name, kept = rich(name)
        english = is_english(source, self.format_date.language)
        if source.type in PERIODICAL and english:
            name = re.sub(r"^The\s+", "", name)  # Chicago 14.172, 14.193
        if english:
            name = headline_case(name)
        name = requote(name, self.words.quotes)
        if source.type in ITALIC_CONTAINER:
            shown = Markup("<i>{}</i>").format(unrich(name, kept, italic=True))
        else:
            shown = unrich(name, kept, italic=False)
        if source.type == "post-weblog" and "blog" not in name.lower():
            shown = Markup("{} ({})").format(shown, self.words.blog)
        if source.type == "article-newspaper" and source.get("publisher-place"):
            shown = Markup("{} ({})").format(shown, source.get("publisher-place"))
        return shown

    def date(self, date: CslDate | None) -> str:
        if date is None:
            return ""
        if date.literal:
            return date.literal
        shown = self._one_date(date.start, date.season)
        if date.end:
            shown = f"{shown}–{self._one_date(date.end, None)}"
        if date.uncertain:
            shown += "?"
        return f"{self.words.circa} {shown}" if date.circa else shown

    def _one_date(self, date: PartialDate | None, season: int | str | None) -> str:
        if date is None:
            return ""
        if season and not date.month:
            name = self.words.seasons[season - 1] if isinstance(season, int) and 1 <= season <= 4 else str(season)
            return f"{name} {date.year}"
        return self.format_date(date)

    def _year(self, date: CslDate | None) -> str:
        if date is None:
            return ""
        if date.literal or not date.start:
            return date.literal or ""
        year = str(date.start.year) + (f"–{date.end.year}" if date.end and date.end.year != date.start.year else "")
        return f"{self.words.circa} {year}" if date.circa else year

    def _journal_date(self, date: CslDate | None) -> str:
        if date is None or date.literal or not date.start:
            return self.date(date)
        start = date.start
        if date.season and not start.month:
            return self._one_date(start, date.season)
        if start.month:
            return self.format_date(PartialDate(start.year, start.month))
        return self._year(date)

    def names(self, names: tuple[Name, ...], inverted: bool = False, limit: int = 3) -> str:
        """Chicago 14.76: in notes, up to three names, more as "First et al."; in the
        bibliography, up to ten, more as the first seven and "et al."."""
        if len(names) > limit:
            kept = 1 if limit == 3 else 7
            people = [person(n, inverted and i == 0) for i, n in enumerate(names[:kept])]
            return ", ".join(people) + ("," if inverted and kept > 1 else "") + f" {self.words.et_al}"
        people = [person(n, inverted and i == 0) for i, n in enumerate(names)]
        if len(people) == 1:
            return people[0]
        if len(people) == 2:
            comma = "," if inverted and "," in people[0] else ""
            return f"{people[0]}{comma} {self.words.and_} {people[1]}"
        return ", ".join(people[:-1]) + f", {self.words.and_} {people[-1]}"

    def short_names(self, names: tuple[Name, ...]) -> str:
        families = [n.literal or " ".join(p for p in (n.non_dropping_particle, n.family) if p) for n in names]
        if len(families) > 3:
            return f"{families[0]} {self.words.et_al}"
        if len(families) <= 2:
            return f" {self.words.and_} ".join(families)
        return ", ".join(families[:-1]) + f", {self.words.and_} {families[-1]}"

    def _lead(self, source: Source, inverted: bool, limit: int) -> str:
        """Who the entry begins with: the authors, or else the editors marked "ed.", and the
        like; an interview begins with the interviewee, who is the CSL author."""
        for role in ("author", "editor", "translator", "director", "compiler"):
            people = source.get(role)
            if people:
                names = self.names(people, inverted, limit)
                if role == "author":
                    return names
                w = self.words
                label = {"editor": (w.ed, w.eds), "translator": (w.trans, w.trans),
                         "compiler": ("comp.", "comps."), "director": ("dir.", "dirs.")}[role]
                return f"{names}, {label[0] if len(people) == 1 else label[1]}"
        return ""

    def _lead_role(self, source: Source) -> str | None:
        return next((r for r in ("author", "editor", "translator", "director", "compiler") if source.get(r)), None)

    def _contributors(self, source: Source, bibliography: bool) -> list[str]:
        """Editors, translators and directors named after the title ("ed. X" in a note,
        "Edited by X" in the bibliography), unless they lead the entry."""
        lead = self._lead_role(source)
        out = []
        w = self.words
        for role, short, long in (("editor", w.ed, w.edited_by), ("translator", w.trans, w.translated_by),
                                  ("director", w.directed_by, w.directed_by)):
            people = source.get(role)
            if people and role != lead:
                label = long if bibliography else short
                text = f"{label} {self.names(people)}"
                out.append(text[0].upper() + text[1:] if bibliography else text)
        return out

    def _edition(self, source: Source) -> str:
        edition = source.get("edition")
        if not edition:
            return ""
        return self.words.edition(int(edition)) if edition.isdigit() else edition

    def _imprint(self, source: Source) -> str:
        place_publisher = ": ".join(p for p in (source.get("publisher-place"), source.get("publisher")) if p)
        genre = source.get("genre") if source.type == "thesis" else None
        year = self._year(source.get("issued")) or self.words.nd
        return ", ".join(p for p in (genre, place_publisher, year) if p)

    def _link(self, source: Source) -> str:
        doi = source.get("DOI")
        if doi:
            return doi if doi.startswith("http") else f"https://doi.org/{doi}"
        return source.get("URL") or ""

    def _when(self, source: Source) -> str:
        """The date of a periodical article, a web page or a post; the access date only when
        there is no date of publication (Chicago 14.12)."""
        issued = source.get("issued")
        if issued:
            return self.date(issued)
        accessed = source.get("accessed")
        return self.words.accessed.format(self.date(accessed)) if accessed else ""

    def _accessed_sentence(self, source: Source) -> str:
        """In the bibliography, an access date (given only for an undated source) is a sentence."""
        if source.get("issued") or not source.get("accessed"):
            return ""
        text = self.words.accessed.format(self.date(source.get("accessed")))
        return text[0].upper() + text[1:]

    def _dated(self, source: Source) -> str:
        return self.date(source.get("issued"))

    def _archive(self, source: Source) -> str:
        return ", ".join(source.get(v) for v in ("archive_location", "archive_collection", "archive",
                                                 "archive-place") if source.get(v))

    def _series(self, source: Source) -> str:
        title = source.get("collection-title")
        if not title:
            return ""
        number = source.get("collection-number")
        return f"{title} {number}" if number else title

    def _locator_or_page(self, source: Source, locator: str | None) -> str:
        if locator:
            return locator_text(locator)
        page = source.get("page")
        return pages(page) if page and source.type not in BOOKLIKE else ""

    def _page_in_note(self, source: Source, locator: str | None) -> str:
        """A book's `page` is the page its reference cites: a note without a locator prints it."""
        if locator:
            return locator_text(locator)
        page = source.get("page")
        return pages(page) if page else ""

    # notes

    def full(self, source: Source, locator: str | None = None, origin_seen: bool = True) -> Markup:
        """A first, full note for `source`, without its final period. A publication seen only
        in another document adds "cited in" that document: in full unless `origin_seen`."""
        body = self._full_body(source, locator)
        origin = self.sources.get(source.cited_in or "")
        if origin is None:
            return body
        seen_in = (self.short(origin, source.cited_in_locator) if origin_seen
                   else self._full_body(origin, source.cited_in_locator))
        return Markup("{}, {} {}").format(body, self.words.cited_in, seen_in)

    def _full_body(self, source: Source, locator: str | None) -> Markup:
        t, w = source.type, self.words
        lead = escape(self._lead(source, False, 3))
        title = self.title(source)
        contributors = [escape(c) for c in self._contributors(source, False)]
        if t in BOOKLIKE:
            head = _comma(lead, title, *contributors, escape(self._edition(source)),
                          escape(f"{w.vol} {source.get('volume')}" if source.get("volume") else ""),
                          escape(self._series(source)))
            return _comma(Markup("{} ({})").format(head, self._imprint(source)),
                          escape(self._page_in_note(source, locator)), escape(self._link(source)))
        if t == "article-journal" or (t in ("review", "review-book") and source.get("volume")):
            return _comma(lead, title, *contributors, self._journal(source),
                          escape(self._link(source)), colon=escape(self._locator_or_page(source, locator)))
        if t in ("chapter", "paper-conference") or (t.startswith("entry") and source.authors):
            return _comma(lead, title, self._in_book(source, False),
                          escape(self._locator_or_page(source, locator)), escape(self._link(source)))
        if t.startswith("entry"):
            return _comma(self._reference_work(source), escape(self._locator_or_page(source, locator)),
                          escape(self._when(source) if source.get("URL") else ""), escape(self._link(source)))
        if t == "broadcast":
            return _comma(lead, title, self.container(source), escape(source.get("number") or ""),
                          *contributors, escape(source.get("medium") or ""), escape(self._aired(source)),
                          escape(self._locator_or_page(source, locator)), escape(self._link(source)))
        if t == "interview":
            interviewer = source.get("interviewer")
            by = escape(f"{w.interview_by} {self.names(interviewer)}") if interviewer else Markup("")
            return _comma(lead, title, by, self.container(source),
                          escape(source.get("medium") or ""), escape(self._when(source)),
                          escape(self._locator_or_page(source, locator)), escape(self._archive(source)),
                          escape(self._link(source)))
        if t in ("speech", "event") or (t == "paper-conference" and not source.get("container-title")):
            occasion = _comma(*(escape(source.get(v) or "") for v in ("genre", "event-title", "event-place")),
                              escape(self.date(source.get("issued"))))
            return _comma(lead, Markup("{} ({})").format(title, occasion) if occasion else title,
                          escape(self._locator_or_page(source, locator)), escape(self._link(source)))
        if t in ARCHIVAL:
            return _comma(lead, title, escape(source.get("genre") or ""), escape(self.date(source.get("issued"))),
                          escape(self._locator_or_page(source, locator)), escape(self._archive(source)),
                          escape(self._link(source)))
        # periodical articles, web pages, posts and everything else
        return _comma(lead, title, *contributors, self.container(source), escape(self._owner(source)),
                      escape(source.get("medium") or ""), escape(self._when(source)),
                      escape(self._locator_or_page(source, locator)), escape(self._link(source)))

    def _owner(self, source: Source) -> str:
        """A web page's owner or a broadcaster, where the publisher is not the periodical."""
        if source.type in PERIODICAL:
            return ""
        publisher = source.get("publisher")
        return publisher if publisher and publisher != source.get("container-title") else ""

    def _aired(self, source: Source) -> str:
        date, network = self.date(source.get("issued")), source.get("publisher")
        if date and network:
            return self.words.aired.format(date, network)
        return date or network or ""

    def _journal(self, source: Source) -> Markup:
        journal = self.container(source)
        volume, issue = source.get("volume"), source.get("issue")
        if volume:
            journal = Markup("{} {}").format(journal, volume)
        if issue:
            journal = Markup("{}{} {}\u00a0{}").format(journal, "," if journal else "", self.words.no, issue)
        when = self._journal_date(source.get("issued"))
        if when:
            journal = Markup("{} ({})").format(journal, when)
        return journal

    def _in_book(self, source: Source, bibliography: bool) -> Markup:
        w = self.words
        book = self.container(source)
        editors = source.get("editor")
        parts = [Markup("{} {}").format(w.in_.capitalize() if bibliography else w.in_, book),
                 escape(self._edition(source))]
        if editors:
            parts.append(escape(f"{w.edited_by if bibliography else w.ed} {self.names(editors)}"))
        if bibliography:
            parts.append(escape(pages(source.get("page") or "")))
            return _comma(*parts)
        return Markup("{} ({})").format(_comma(*parts), self._imprint(source))

    def _reference_work(self, source: Source) -> Markup:
        head = _comma(self.container(source), escape(self._edition(source)))
        return Markup("{}, {}\u00a0{}").format(head, self.words.sv, self.title(source)) if head else self.title(source)

    def short(self, source: Source, locator: str | None = None) -> Markup:
        """A short note: the author's family name, a short title, the locator."""
        place = escape(self._page_in_note(source, locator) if source.type in BOOKLIKE
                       else self._locator_or_page(source, locator))
        if source.type.startswith("entry") and not source.authors:
            return _comma(self._reference_work(source), place)
        role = self._lead_role(source)
        who = escape(self.short_names(source.get(role))) if role else Markup("")
        title = self.title(source, short=True)
        if source.type == "interview" and not source.title:
            title = escape("interview")
        return _comma(who, title, place)

    def ibid(self, locator: str | None) -> Markup:
        return _comma(escape(self.words.ibid), escape(locator_text(locator) if locator else ""))

    # the bibliography

    def bibliography_entry(self, source: Source) -> Markup:
        """Chicago's bibliography entry: the first author inverted, the parts in sentences."""
        t, w = source.type, self.words
        lead = escape(self._lead(source, True, 10))
        title = self.title(source)
        contributors = [escape(c) for c in self._contributors(source, True)]
        link = escape(self._link(source))
        archive = escape(self._archive(source))
        if t in BOOKLIKE:
            imprint = self._imprint(source)
            sentences = [lead, title, *contributors, escape(self._edition(source)),
                         escape(f"{w.vol.capitalize()} {source.get('volume')}" if source.get("volume") else ""),
                         escape(self._series(source)), escape(imprint), archive, link]
        elif t == "article-journal" or (t in ("review", "review-book") and source.get("volume")):
            journal = self._journal(source)
            page = pages(source.get("page") or "")
            sentences = [lead, title, *contributors,
                         Markup("{}: {}").format(journal, page) if page else journal, archive, link]
        elif t in ("speech", "event") or (t == "paper-conference" and not source.get("container-title")):
            occasion = _comma(*(escape(source.get(v) or "") for v in ("genre", "event-title", "event-place")),
                              escape(self.date(source.get("issued"))))
            sentences = [lead, title, _capital(occasion), archive, link]
        elif t in ("chapter", "paper-conference") or (t.startswith("entry") and source.authors):
            sentences = [lead, title, self._in_book(source, True), escape(self._imprint(source)), archive, link]
        elif t.startswith("entry"):
            head = _comma(self.container(source), escape(self._edition(source)))
            sentences = [head, title, escape(self._dated(source) if source.get("URL") else ""),
                         escape(self._accessed_sentence(source) if source.get("URL") else ""), archive, link]
        elif t == "broadcast":
            aired = self._aired(source)
            sentences = [lead, title, _comma(self.container(source), escape(source.get("number") or "")),
                         *contributors, escape(source.get("medium") or ""),
                         escape(aired[0].upper() + aired[1:] if aired else ""), archive, link]
        elif t == "interview":
            interviewer = source.get("interviewer")
            by = escape(f"{w.interview_by.capitalize()} {self.names(interviewer)}") if interviewer else Markup("")
            sentences = [lead, title, by, _capital(_comma(self.container(source), escape(source.get("medium") or ""),
                                                          escape(self._dated(source)))),
                         escape(self._accessed_sentence(source)), archive, link]
        elif t in ARCHIVAL:
            sentences = [lead, title, _capital(escape(source.get("genre") or "")),
                         escape(self.date(source.get("issued"))), archive, link]
        else:
            container = self.container(source)
            when = escape(self._dated(source))
            tail = _comma(container, escape(self._owner(source)), escape(source.get("medium") or ""), when,
                          escape(pages(source.get("page") or "")) if t in ("article-magazine",) else Markup(""))
            if not source.authors and t in PERIODICAL and container:
                # Chicago 14.207: an unsigned article is listed under its periodical.
                lead = container
                tail = _comma(escape(self._owner(source)), when)
            sentences = [lead, title, *contributors, tail, escape(self._accessed_sentence(source)), archive, link]
        origin = self.sources.get(source.cited_in or "")
        if origin is not None:
            cited = w.cited_in[0].upper() + w.cited_in[1:]
            sentences.append(Markup("{} {}").format(cited, self.short(origin, source.cited_in_locator)))
        text = Markup(". ").join(s for s in sentences if s)
        text = re.sub(r"\.\. ", ". ", str(text))  # "et al.. " and "ed.. "
        return Markup(finish(text, w))

    def sort_key(self, source: Source, entry: Markup | None = None) -> tuple[str, str]:
        """Alphabetical by what the entry (given, or made here) begins with, as it is printed
        (Chicago 14.66): letter by letter, accents and a leading article or quotation mark set aside."""
        entry = self.bibliography_entry(source) if entry is None else entry
        text = html.unescape(re.sub(r"<[^>]+>", "", str(entry)))
        return (_sortable(text), source.id)

    def note(self, pieces: list[Markup]) -> Markup:
        """Several citations in one note, separated by semicolons, ending in a period."""
        return Markup(finish(str(Markup("; ").join(pieces)), self.words))


def person(name: Name, inverted: bool = False) -> str:
    if name.literal:
        return name.literal
    family = " ".join(p for p in (name.non_dropping_particle, name.family) if p)
    given = " ".join(p for p in (name.given, name.dropping_particle) if p)
    if inverted and given:
        text = f"{family}, {given}"
        return f"{text}, {name.suffix}" if name.suffix else text
    text = " ".join(p for p in (name.given, name.dropping_particle, family) if p)
    if name.suffix:
        text += f"{',' if name.comma_suffix else ''} {name.suffix}"
    return text


def _comma(*parts: Markup, colon: Markup | None = None) -> Markup:
    """Parts joined by commas, empty ones left out; `colon` (a journal's page) after a colon
    that follows the part before the link."""
    kept = [p for p in parts if p]
    if colon:
        link = kept.pop() if len(parts) > 1 and parts[-1] and kept and kept[-1] == parts[-1] else None
        kept[-1] = Markup("{}: {}").format(kept[-1], colon) if colon[:1].isdigit() or colon[:1] in "ivxlc" \
            else Markup("{}, {}").format(kept[-1], colon)
        if link:
            kept.append(link)
    return Markup(", ").join(kept)


def _capital(text: Markup) -> Markup:
    """A bibliography sentence that begins with a word of the style's ("audio recording")."""
    return Markup(text[:1].upper()) + text[1:] if text[:1].islower() else text


def _sortable(text: str) -> str:
    text = text.lstrip("“‘\"'«„‚ \u202f")
    text = LEADING_ARTICLE.sub("", text, count=1)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if c.isalnum() or c == " ").split())


class DateFormatter:
    """Dates in the manuscript's language: a day, a month or a year as the source knows it."""

    def __init__(self, language: str):
        self.language = language  # the BCP 47 tag; Babel's nearest locale for the dates
        self.locale = babel_locale(language) or "en"

    def __call__(self, date: PartialDate) -> str:
        if date.day:
            return format_date(dt.date(date.year, date.month, date.day), "long", locale=self.locale)
        if date.month:
            return format_skeleton("yMMMM", dt.date(date.year, date.month, 1), locale=self.locale)
        return str(date.year)
