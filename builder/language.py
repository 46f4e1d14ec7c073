"""Language: the manuscript's language tag, checked as BCP 47, and what follows from it.

Owns the one rule for which tags a manuscript may use (`language:` in the profile,
`language:` on a source) and the translation of a tag into what the other stages
need: a Babel locale for dates and plural rules, the catalogue languages to look
words up in (most specific first), the typography family. langcodes checks the
tag against the IANA subtag registry; Babel (CLDR) must know its language, or no
date or plural could be written in it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import langcodes
from babel import Locale, UnknownLocaleError

# BCP 47's alphabet: subtags of letters and digits joined by hyphens. langcodes on its own
# also takes `fr_FR`, which is a POSIX locale, not a language tag: EPUB readers reject it.
TAG_SHAPE = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")


class BadTag(ValueError):
    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


@lru_cache(maxsize=64)
def well_formed_tag(tag: str) -> str:
    """`tag` itself when it is a well-formed, registered, current BCP 47 tag; otherwise
    BadTag with the tag the author most likely meant. Enough for a passage's `lang`."""
    if not TAG_SHAPE.match(tag) or not langcodes.tag_is_valid(tag):
        suggestion = _suggestion(tag)
        hint = (f"write {suggestion!r}" if suggestion and suggestion != tag
                else "write a BCP 47 tag such as en-GB, fr-FR or de-DE")
        raise BadTag(f"{tag!r} is not a BCP 47 language tag", hint)
    standard = langcodes.standardize_tag(tag)
    if standard.lower() != tag.lower():
        raise BadTag(f"{tag!r} is a deprecated language tag", f"write {standard!r}")
    return tag


@lru_cache(maxsize=64)
def checked_tag(tag: str) -> str:
    """A tag a book or a source may be in: well-formed, and in a language CLDR knows, for
    its dates and plural rules."""
    well_formed_tag(tag)
    if babel_locale(tag) is None:
        raise BadTag(f"no dates or plural rules are known for {tag!r}",
                     "use a language the Unicode CLDR covers, such as en, fr, de, es or it")
    return tag


def _suggestion(tag: str) -> str | None:
    """The tag a slip most likely stands for: `fr_FR` for fr-FR, `français` for fr."""
    candidate = tag.replace("_", "-")
    if TAG_SHAPE.match(candidate) and langcodes.tag_is_valid(candidate):
        return langcodes.standardize_tag(candidate)
    try:
        return langcodes.find(tag).to_tag()
    except LookupError:
        return None


@lru_cache(maxsize=64)
def babel_locale(tag: str) -> str | None:
    """The most specific CLDR locale for a tag (`sr-Latn-RS` → sr_Latn_RS, `de-CH-1996`
    → de_CH), or None when CLDR does not know its language."""
    parsed = langcodes.Language.get(tag)
    for parts in ((parsed.language, parsed.script, parsed.territory), (parsed.language, parsed.script, None),
                  (parsed.language, None, parsed.territory), (parsed.language, None, None)):
        language, script, territory = parts
        if not language:
            return None
        try:
            return str(Locale(language, territory=territory, script=script))
        except (UnknownLocaleError, ValueError):
            continue
    return None


def lookup_order(tag: str) -> list[str]:
    """The catalogue languages to look a word up in, most specific first: `fr-CA`, `fr`."""
    parsed = langcodes.Language.get(tag)
    order = [tag.lower()]
    for broader in ((parsed.language, parsed.script, parsed.territory),
                    (parsed.language, parsed.script, None), (parsed.language, None, parsed.territory),
                    (parsed.language, None, None)):
        name = "-".join(p for p in broader if p).lower()
        if name and name not in order:
            order.append(name)
    return order


def primary(tag: str) -> str:
    """The language subtag alone: `fr` for fr-CA."""
    return (langcodes.Language.get(tag).language or tag).lower()
