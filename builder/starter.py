"""Starter: `builder new DIR`, a small manuscript that checks and builds as it is written.

Owns the starter's files (a profile, one source, two facts, one credit, one award, one
chapter), each commented so that a new author learns the format from the file in
front of them rather than from a copy of another subject's book. The sample text is
in English, French or German; any other language gets the English sample and a
`words.yaml` holding every entry of the builder's catalogue, to translate.
"""

from __future__ import annotations

import datetime as dt
import uuid
from io import StringIO
from pathlib import Path

from ruamel.yaml import YAML

from .language import BadTag, checked_tag, primary
from .problems import ManuscriptError, Problem
from .words import CATALOGUES, MANUSCRIPT_FILE, starter_catalogue

SAMPLES = {
    "en": {
        "subject": "Alex Example", "subtitle": "A Profile", "author": "Your Name", "publisher": "Your Press",
        "edition": "First edition", "rights": "© the author. All rights reserved.",
        "description": "A profile of Alex Example, built from sourced facts.",
        "chapter": "Beginnings", "source": "Alex Example, screenwriter", "container": "An Encyclopedia of Television",
        "grade_reason": "An edited article with references.", "place": "Springfield",
        "birth": "Born in Springfield on 1 March 1970.", "first": "First credited as a writer in 1995.",
        "credit": "First Series", "kind": "Television series", "role": "Writer",
        "award_body": "A Writers' Guild", "category": "Best New Series",
        "prose": ("<p>Alex Example was born in {{ fact('birth').values.place }} on "
                  "{{ fact('birth').date | date }}.{{ cite('birth') }}\n"
                  "The first credit as a writer came in 1995, for <i>First Series</i>.{{ cite('debut', 'first-credit') }}\n"
                  "The series was nominated for an award the next year.{{ cite('award-1996') }}</p>\n"),
    },
    "fr": {
        "subject": "Camille Exemple", "subtitle": "Un portrait", "author": "Votre nom", "publisher": "Vos éditions",
        "edition": "Première édition", "rights": "© l'auteur. Tous droits réservés.",
        "description": "Un portrait de Camille Exemple, établi à partir de faits sourcés.",
        "chapter": "Les débuts", "source": "Camille Exemple, scénariste",
        "container": "Encyclopédie de la télévision", "grade_reason": "Une notice signée et sourcée.",
        "place": "Lyon", "birth": "Naissance à Lyon le 1er mars 1970.",
        "first": "Premier générique comme scénariste en 1995.",
        "credit": "Première Série", "kind": "Série télévisée", "role": "Scénario",
        "award_body": "Association des auteurs", "category": "Meilleure nouvelle série",
        "prose": ("<p>Camille Exemple voit le jour à {{ fact('birth').values.place }} le "
                  "{{ fact('birth').date | date }}.{{ cite('birth') }}\n"
                  "Le premier générique comme scénariste date de 1995, pour <i>Première Série</i>.{{ cite('debut', 'first-credit') }}\n"
                  "La série est nommée pour un prix l'année suivante.{{ cite('award-1996') }}</p>\n"),
    },
    "de": {
        "subject": "Kim Beispiel", "subtitle": "Ein Porträt", "author": "Ihr Name", "publisher": "Ihr Verlag",
        "edition": "Erste Auflage", "rights": "© die Verfasser. Alle Rechte vorbehalten.",
        "description": "Ein Porträt von Kim Beispiel, aus belegten Tatsachen gebaut.",
        "chapter": "Anfänge", "source": "Kim Beispiel, Drehbuch", "container": "Lexikon des Fernsehens",
        "grade_reason": "Ein redigierter Artikel mit Belegen.", "place": "Köln",
        "birth": "Geboren am 1. März 1970 in Köln.", "first": "Erste Nennung als Drehbuch 1995.",
        "credit": "Erste Serie", "kind": "Fernsehserie", "role": "Drehbuch",
        "award_body": "Verband der Drehbuchautoren", "category": "Beste neue Serie",
        "prose": ("<p>Kim Beispiel kam am {{ fact('birth').date | date }} in "
                  "{{ fact('birth').values.place }} zur Welt.{{ cite('birth') }}\n"
                  "Die erste Nennung im Abspann als Drehbuch folgte 1995, für <i>Erste Serie</i>.{{ cite('debut', 'first-credit') }}\n"
                  "Die Serie wurde im Jahr darauf für einen Preis nominiert.{{ cite('award-1996') }}</p>\n"),
    },
}


def write_starter(folder: Path, language: str) -> Path:
    """Write the starter manuscript into `folder` (new, or empty) and return it."""
    try:
        tag = checked_tag(language)
    except BadTag as error:
        raise ManuscriptError([Problem("--language", 1, 1, "M005", error.message, error.hint)]) from None
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ManuscriptError([Problem(str(folder), 1, 1, "M004", "exists and is not an empty folder",
                                       "name a new folder: builder new never writes over files")])
    sample = SAMPLES.get(primary(tag), SAMPLES["en"])
    (folder / "templates" / "chapters").mkdir(parents=True, exist_ok=True)
    files = _files(sample, tag)
    if not (CATALOGUES / f"{primary(tag)}.yaml").is_file():
        files[MANUSCRIPT_FILE] = _words_to_translate(tag)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _files(s: dict[str, str], tag: str) -> dict[str, str]:
    today = dt.date.today().isoformat()
    slug = s["subject"].lower().replace(" ", "-")
    return {
        "profile.yaml": f"""\
# The book: its title page, copyright page and chapters. See the README for every field.
slug: {slug}                  # the output files' name: {slug}.pdf, {slug}.epub
title: {s['subject']}
subtitle: {s['subtitle']}
subject: {s['subject']}       # the person the book is about
author: {s['author']}
publisher: {s['publisher']}
language: {tag}                      # a BCP 47 tag: en-GB, fr-FR, de-DE ...
identifier: urn:uuid:{uuid.uuid4()}
edition: {s['edition']}
date: "{today}"                # the edition's date, printed on the copyright page
rights: "{s['rights']}"
description: {s['description']}
keywords: [{s['subject']}]
trim: a5                          # the page size: 6x9, a5 or letter
chapters:                         # in reading order; each is a template under templates/
  - id: beginnings
    title: {s['chapter']}
    template: chapters/beginnings.html.j2
""",
        "sources.yaml": f"""\
# Every source, as CSL-YAML (a Zotero export can be pasted in), with a reliability grade:
# A authoritative, B edited secondary, C low reliability, D unreliable.
# Add `language: en` (a BCP 47 tag) to a source whose title is in another language than the book.
references:
  - id: encyclopedia
    type: entry-encyclopedia
    title: {s['source']}
    container-title: {s['container']}
    grade: B
    grade-reason: {s['grade_reason']}
""",
        "facts.yaml": f"""\
# One fact per entry, in your own words, with its sources. Templates use them through
# fact('id') and cite('id'), so a fact in the text always brings its note.
facts:
  - id: birth
    topic: early-life
    claim: {s['birth']}
    date: "1970-03-01"
    values:
      place: {s['place']}
    sources:
      - source: encyclopedia
        locator: "§ 1"
  - id: debut
    topic: work
    claim: {s['first']}
    date: 1995
    sources:
      - source: encyclopedia
        locator: "§ 2"
""",
        "filmography.yaml": f"""\
# Credits: `year` (and `until` for a range), `kind`, and `role` when the sources name it.
filmography:
  - id: first-credit
    title: {s['credit']}
    year: 1995
    until: 1998
    kind: {s['kind']}
    role: {s['role']}
    sources:
      - source: encyclopedia
""",
        "awards.yaml": f"""\
# Awards: `result` is won, nominated or honour.
awards:
  - id: award-1996
    year: 1996
    body: {s['award_body']}
    category: {s['category']}
    work: {s['credit']}
    result: nominated
    sources:
      - source: encyclopedia
""",
        "conflicts.yaml": """\
# Where sources disagree: each account, the resolution, and the reason for it.
#  - id: birth-year
#    topic: Year of birth
#    accounts:
#      - {source: encyclopedia, says: "1970"}
#      - {source: another-source, says: "1971"}
#    resolution: "1970."
#    reason: The encyclopedia is referenced; the other source cites nothing.
#    affects: [birth]
conflicts: []
""",
        "templates/chapters/beginnings.html.j2": (
            "{# A chapter: well-formed XHTML paragraphs. fact('id') gives a fact's values, cite('id')\n"
            "   its note. Type characters, not named entities such as &nbsp;. #}\n" + s["prose"]),
    }


def _words_to_translate(tag: str) -> str:
    """Every entry of the builder's English catalogue, for the author to translate."""
    yaml = YAML()
    yaml.width = 100
    nested: dict = {}
    for key, value in starter_catalogue().items():
        *parents, leaf = key.split(".")
        level = nested
        for parent in parents:
            level = level.setdefault(parent, {})
        level[leaf] = dict(value) if isinstance(value, dict) else value
    out = StringIO()
    yaml.dump({"words": nested}, out)
    return (f"# The builder ships no words for {tag!r}: translate every entry below (they are the\n"
            "# English ones). Keep each {placeholder}; a counted entry needs a form for each plural\n"
            "# category of the language (see the CLDR plural rules).\n" + out.getvalue())
