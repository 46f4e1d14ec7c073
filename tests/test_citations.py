"""Chicago notes and bibliography (17th ed.): the exact text of every form, for every item type
the manuscripts use. `~` in an expected text stands for a no-break space.

Each case reads its sources as the loader does (CSL variables by their CSL names) and numbers
its notes through a chapter's `NoteBook`, exactly as a template's `cite()` does.
"""

from __future__ import annotations

import pytest

from builder import schema
from builder.citations import DateFormatter, Formatter, headline_case, short_title
from builder.context import NoteBook
from builder.models import Citation, Fact, Source, Where

HERE = Where("test", 1, 1)
ORIGIN = {"type": "entry-encyclopedia", "title": "Balcer, René", "container-title": "Encyclopedia of Television"}

# Each type: its CSL fields, then the places a fact may cite in it (first, second, third, fourth).
SOURCES = {
    "book": ({"type": "book", "title": "Monte Hellman: his life and films",
              "author": [{"family": "Stevens", "given": "Brad"}], "publisher": "McFarland",
              "publisher-place": "Jefferson, NC", "issued": "2003", "ISBN": "0786414340"},
             ("p. 134", "p. 150", "pp. 140-145", "p. 152")),
    "newspaper": ({"type": "article-newspaper", "title": "A ‘Law & Order’ farewell: these were their stories",
                   "author": [{"family": "Hale", "given": "Mike"}], "container-title": "The New York Times",
                   "issued": "2010-05-25", "URL": "https://www.nytimes.com/2010/05/25/arts/25law.html"},
                  ("para. 3", "para. 5", "para. 7", "para. 8")),
    "magazine": ({"type": "article-magazine", "title": "CBC steps into the cold with Balcer",
                  "author": [{"family": "Fry", "given": "Andrew"}], "container-title": "Drama Quarterly",
                  "issued": {"date-parts": [[2016, 3, 23]]}},
                 ("para. 3", "para. 5", "para. 7", "para. 8")),
    "journal": ({"type": "article-journal", "title": "Kawase Hasui: collecting a versatile modern master",
                 "author": [{"family": "Balcer", "given": "René"}], "container-title": "Impressions",
                 "issue": 34, "issued": "2013", "page": "12-29"},
                ("p. 15", "p. 17", "p. 20", "p. 21")),
    "webpage": ({"type": "webpage", "title": "‘L&O’ veteran Rene Balcer to run ‘LOLA’",
                 "author": [{"family": "Andreeva", "given": "Nellie"}], "container-title": "Deadline",
                 "issued": "2010-05-19", "URL": "https://deadline.com/2010/05/lola/"},
                ("para. 3", "para. 5", "para. 7", "para. 8")),
    "encyclopedia": ({"type": "entry-encyclopedia", "title": "René Balcer", "container-title": "Wikipedia",
                      "accessed": "2020-06-01", "URL": "https://en.wikipedia.org/wiki/Ren%C3%A9_Balcer",
                      "archive": "Project seed documents", "archive_location": "001.txt"},
                     ("career section", "“Awards and nominations”", "“Early life”", "lead")),
    "interview": ({"type": "interview", "title": "Six questions for René Balcer",
                   "author": [{"family": "Balcer", "given": "René"}],
                   "interviewer": [{"family": "Horton", "given": "Scott"}],
                   "container-title": "Harper’s Magazine", "issued": "2009-05-01"},
                  ("para. 3", "para. 5", "para. 7", "para. 8")),
    "archival": ({"type": "manuscript", "title": "Letter to Dick Wolf",
                  "author": [{"family": "Balcer", "given": "René"}], "issued": "1990-05-01",
                  "archive_location": "Box 3, folder 2", "archive_collection": "René Balcer Papers",
                  "archive": "Concordia University Archives", "archive-place": "Montreal"},
                 ("p. 1", "p. 2", "p. 3", "p. 4")),
    "broadcast": ({"type": "broadcast", "title": "Why we love crime fiction",
                   "publisher": "National Public Radio", "issued": "2009-08-05", "accessed": "2010-01-08"},
                  ("para. 3", "para. 5", "para. 7", "para. 8")),
    "blog": ({"type": "post-weblog", "title": "Ink | contemplating nicotine: Xu Bing’s “Tobacco Project”",
              "author": [{"family": "Kirk", "given": "Sarah"}], "container-title": "Art21 Blog",
              "issued": "2012-02-10", "URL": "https://magazine.art21.org/2012/02/10/ink/"},
             ("para. 3", "para. 5", "para. 7", "para. 8")),
    "report": ({"type": "report", "title": "2013 juries", "publisher": "Monte-Carlo Television Festival",
                "issued": "2013-06"},
               ("p. 3", "p. 5", "p. 7", "p. 8")),
}

GOLDEN = {
    "book": {
        "full": "Brad Stevens, <i>Monte Hellman: His Life and Films</i> (Jefferson, NC: McFarland, 2003), 134.",
        "multi": "Brad Stevens, <i>Monte Hellman: His Life and Films</i> (Jefferson, NC: McFarland, 2003), 134, 150.",
        "short": "Stevens, <i>Monte Hellman</i>, 140–45.",
        "ibid": "Ibid., 152.",
        "bib": "Stevens, Brad. <i>Monte Hellman: His Life and Films</i>. Jefferson, NC: McFarland, 2003.",
    },
    "newspaper": {
        "full": "Mike Hale, “A ‘Law &amp; Order’ Farewell: These Were Their Stories,” <i>New York Times</i>, "
                "May 25, 2010, para.~3, https://www.nytimes.com/2010/05/25/arts/25law.html.",
        "multi": "Mike Hale, “A ‘Law &amp; Order’ Farewell: These Were Their Stories,” <i>New York Times</i>, "
                 "May 25, 2010, paras.~3, 5, https://www.nytimes.com/2010/05/25/arts/25law.html.",
        "short": "Hale, “‘Law &amp; Order’ Farewell,” para.~7.",
        "ibid": "Ibid., para.~8.",
        "bib": "Hale, Mike. “A ‘Law &amp; Order’ Farewell: These Were Their Stories.” <i>New York Times</i>, "
               "May 25, 2010. https://www.nytimes.com/2010/05/25/arts/25law.html.",
    },
    "magazine": {
        "full": "Andrew Fry, “CBC Steps into the Cold with Balcer,” <i>Drama Quarterly</i>, March 23, 2016, para.~3.",
        "multi": "Andrew Fry, “CBC Steps into the Cold with Balcer,” <i>Drama Quarterly</i>, March 23, 2016, "
                 "paras.~3, 5.",
        "short": "Fry, “CBC Steps,” para.~7.",
        "ibid": "Ibid., para.~8.",
        "bib": "Fry, Andrew. “CBC Steps into the Cold with Balcer.” <i>Drama Quarterly</i>, March 23, 2016.",
    },
    "journal": {
        "full": "René Balcer, “Kawase Hasui: Collecting a Versatile Modern Master,” <i>Impressions</i>, "
                "no.~34 (2013): 15.",
        "multi": "René Balcer, “Kawase Hasui: Collecting a Versatile Modern Master,” <i>Impressions</i>, "
                 "no.~34 (2013): 15, 17.",
        "short": "Balcer, “Kawase Hasui,” 20.",
        "ibid": "Ibid., 21.",
        "bib": "Balcer, René. “Kawase Hasui: Collecting a Versatile Modern Master.” <i>Impressions</i>, "
               "no.~34 (2013): 12–29.",
    },
    "webpage": {
        "full": "Nellie Andreeva, “‘L&amp;O’ Veteran Rene Balcer to Run ‘LOLA,’” Deadline, May 19, 2010, "
                "para.~3, https://deadline.com/2010/05/lola/.",
        "multi": "Nellie Andreeva, “‘L&amp;O’ Veteran Rene Balcer to Run ‘LOLA,’” Deadline, May 19, 2010, "
                 "paras.~3, 5, https://deadline.com/2010/05/lola/.",
        "short": "Andreeva, “‘L&amp;O’ Veteran Rene Balcer,” para.~7.",
        "ibid": "Ibid., para.~8.",
        "bib": "Andreeva, Nellie. “‘L&amp;O’ Veteran Rene Balcer to Run ‘LOLA.’” Deadline, May 19, 2010. "
               "https://deadline.com/2010/05/lola/.",
    },
    "encyclopedia": {
        "full": "<i>Wikipedia</i>, s.v.~“René Balcer,” career section, accessed June 1, 2020, "
                "https://en.wikipedia.org/wiki/Ren%C3%A9_Balcer.",
        "multi": "<i>Wikipedia</i>, s.v.~“René Balcer,” career section, “Awards and nominations,” "
                 "accessed June 1, 2020, https://en.wikipedia.org/wiki/Ren%C3%A9_Balcer.",
        "short": "<i>Wikipedia</i>, s.v.~“René Balcer,” “Early life.”",
        "ibid": "Ibid., lead.",
        "bib": "<i>Wikipedia</i>. “René Balcer.” Accessed June 1, 2020. 001.txt, Project seed documents. "
               "https://en.wikipedia.org/wiki/Ren%C3%A9_Balcer.",
    },
    "interview": {
        "full": "René Balcer, “Six Questions for René Balcer,” interview by Scott Horton, "
                "<i>Harper’s Magazine</i>, May 1, 2009, para.~3.",
        "multi": "René Balcer, “Six Questions for René Balcer,” interview by Scott Horton, "
                 "<i>Harper’s Magazine</i>, May 1, 2009, paras.~3, 5.",
        "short": "Balcer, “Six Questions for René Balcer,” para.~7.",
        "ibid": "Ibid., para.~8.",
        "bib": "Balcer, René. “Six Questions for René Balcer.” Interview by Scott Horton. "
               "<i>Harper’s Magazine</i>, May 1, 2009.",
    },
    "archival": {
        "full": "René Balcer, “Letter to Dick Wolf,” May 1, 1990, 1, Box 3, folder 2, René Balcer Papers, "
                "Concordia University Archives, Montreal.",
        "multi": "René Balcer, “Letter to Dick Wolf,” May 1, 1990, 1, 2, Box 3, folder 2, René Balcer Papers, "
                 "Concordia University Archives, Montreal.",
        "short": "Balcer, “Letter to Dick Wolf,” 3.",
        "ibid": "Ibid., 4.",
        "bib": "Balcer, René. “Letter to Dick Wolf.” May 1, 1990. Box 3, folder 2, René Balcer Papers, "
               "Concordia University Archives, Montreal.",
    },
    "broadcast": {
        "full": "<i>Why We Love Crime Fiction</i>, aired August 5, 2009, on National Public Radio, para.~3.",
        "multi": "<i>Why We Love Crime Fiction</i>, aired August 5, 2009, on National Public Radio, paras.~3, 5.",
        "short": "<i>Why We Love Crime Fiction</i>, para.~7.",
        "ibid": "Ibid., para.~8.",
        "bib": "<i>Why We Love Crime Fiction</i>. Aired August 5, 2009, on National Public Radio.",
    },
    "blog": {
        "full": "Sarah Kirk, “Ink | Contemplating Nicotine: Xu Bing’s ‘Tobacco Project,’” <i>Art21 Blog</i>, "
                "February 10, 2012, para.~3, https://magazine.art21.org/2012/02/10/ink/.",
        "multi": "Sarah Kirk, “Ink | Contemplating Nicotine: Xu Bing’s ‘Tobacco Project,’” <i>Art21 Blog</i>, "
                 "February 10, 2012, paras.~3, 5, https://magazine.art21.org/2012/02/10/ink/.",
        "short": "Kirk, “Ink | Contemplating Nicotine,” para.~7.",
        "ibid": "Ibid., para.~8.",
        "bib": "Kirk, Sarah. “Ink | Contemplating Nicotine: Xu Bing’s ‘Tobacco Project.’” <i>Art21 Blog</i>, "
               "February 10, 2012. https://magazine.art21.org/2012/02/10/ink/.",
    },
    "report": {
        "full": "<i>2013 Juries</i> (Monte-Carlo Television Festival, 2013), 3.",
        "multi": "<i>2013 Juries</i> (Monte-Carlo Television Festival, 2013), 3, 5.",
        "short": "<i>2013 Juries</i>, 7.",
        "ibid": "Ibid., 8.",
        "bib": "<i>2013 Juries</i>. Monte-Carlo Television Festival, 2013.",
    },
}
# "Cited in": the full note with no place of its own, then the document it was seen in.
CITED_IN = ", cited in <i>Encyclopedia of Television</i>, s.v.~“Balcer, René,” n.~9."
NO_PLACE = {
    "book": "Brad Stevens, <i>Monte Hellman: His Life and Films</i> (Jefferson, NC: McFarland, 2003)",
    "newspaper": "Mike Hale, “A ‘Law &amp; Order’ Farewell: These Were Their Stories,” <i>New York Times</i>, "
                 "May 25, 2010, https://www.nytimes.com/2010/05/25/arts/25law.html",
    "magazine": "Andrew Fry, “CBC Steps into the Cold with Balcer,” <i>Drama Quarterly</i>, March 23, 2016",
    "journal": "René Balcer, “Kawase Hasui: Collecting a Versatile Modern Master,” <i>Impressions</i>, "
               "no.~34 (2013): 12–29",
    "webpage": "Nellie Andreeva, “‘L&amp;O’ Veteran Rene Balcer to Run ‘LOLA,’” Deadline, May 19, 2010, "
               "https://deadline.com/2010/05/lola/",
    "encyclopedia": "<i>Wikipedia</i>, s.v.~“René Balcer,” accessed June 1, 2020, "
                    "https://en.wikipedia.org/wiki/Ren%C3%A9_Balcer",
    "interview": "René Balcer, “Six Questions for René Balcer,” interview by Scott Horton, "
                 "<i>Harper’s Magazine</i>, May 1, 2009",
    "archival": "René Balcer, “Letter to Dick Wolf,” May 1, 1990, Box 3, folder 2, René Balcer Papers, "
                "Concordia University Archives, Montreal",
    "broadcast": "<i>Why We Love Crime Fiction</i>, aired August 5, 2009, on National Public Radio",
    "blog": "Sarah Kirk, “Ink | Contemplating Nicotine: Xu Bing’s ‘Tobacco Project,’” <i>Art21 Blog</i>, "
            "February 10, 2012, https://magazine.art21.org/2012/02/10/ink/",
    "report": "<i>2013 Juries</i> (Monte-Carlo Television Festival, 2013)",
}


def source(key: str, fields: dict) -> Source:
    """A source read as the loader reads one from sources.yaml."""
    node = {"id": key, "grade": "A", "grade-reason": "For the test.", **fields}
    problems: list = []
    read = schema.read(Source, node, schema.Context("sources.yaml", 1, 1), "this source", problems)
    assert problems == [] and read is not None
    return read


class Chapter:
    """A chapter's notes: each `cite` names facts, each fact citing one source at one place."""

    def __init__(self, sources: dict[str, dict], language: str = "en-US"):
        self.sources = {key: source(key, fields) for key, fields in sources.items()}
        self.formatter = Formatter(self.sources, DateFormatter(language))
        self.records: dict[str, Fact] = {}
        self.notebook = NoteBook("chapter", self.formatter, self.records, {})

    def cite(self, *places: tuple[str, str | None]) -> str:
        ids = []
        for source_id, locator in places:
            fact_id = f"fact-{len(self.records)}"
            self.records[fact_id] = Fact(id=fact_id, topic="t", claim="c", where=HERE,
                                         sources=(Citation(source=source_id, locator=locator, where=HERE),))
            ids.append(fact_id)
        return str(self.notebook.add(tuple(ids)).html)

    def bibliography(self, source_id: str) -> str:
        return str(self.formatter.bibliography_entry(self.sources[source_id]))


def exact(text: str) -> str:
    return text.replace("~", "\u00a0")


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_full_short_and_ibid_notes(kind: str) -> None:
    fields, (first, _, third, fourth) = SOURCES[kind]
    chapter = Chapter({"it": fields, "other": SOURCES["report"][0] if kind != "report" else SOURCES["book"][0]})
    assert chapter.cite(("it", first)) == exact(GOLDEN[kind]["full"])
    chapter.cite(("other", None))
    assert chapter.cite(("it", third)) == exact(GOLDEN[kind]["short"])
    assert chapter.cite(("it", fourth)) == exact(GOLDEN[kind]["ibid"])
    assert chapter.cite(("it", fourth)) == "Ibid."


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_one_citation_carries_several_places_in_one_source(kind: str) -> None:
    fields, (first, second, _, _) = SOURCES[kind]
    chapter = Chapter({"it": fields})
    assert chapter.cite(("it", first), ("it", second), ("it", first)) == exact(GOLDEN[kind]["multi"])


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_cited_in(kind: str) -> None:
    fields = {**SOURCES[kind][0], "cited-in": "origin", "cited-in-locator": "n. 9"}
    chapter = Chapter({"it": fields, "origin": ORIGIN})
    assert chapter.cite(("it", None)) == exact(NO_PLACE[kind] + CITED_IN)


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_bibliography_entry(kind: str) -> None:
    assert Chapter({"it": SOURCES[kind][0]}).bibliography("it") == exact(GOLDEN[kind]["bib"])


def test_cited_in_document_is_given_in_full_the_first_time_and_short_after() -> None:
    chapter = Chapter({"it": {**SOURCES["newspaper"][0], "cited-in": "wiki", "cited-in-locator": "n. 1"},
                       "wiki": SOURCES["encyclopedia"][0]})
    assert chapter.cite(("it", None)) == exact(
        NO_PLACE["newspaper"] + ", cited in <i>Wikipedia</i>, s.v.~“René Balcer,” n.~1, accessed June 1, 2020, "
        "https://en.wikipedia.org/wiki/Ren%C3%A9_Balcer.")
    assert chapter.cite(("wiki", "lead")) == exact("<i>Wikipedia</i>, s.v.~“René Balcer,” lead.")
    assert chapter.bibliography("it") == exact(
        "Hale, Mike. “A ‘Law &amp; Order’ Farewell: These Were Their Stories.” <i>New York Times</i>, May 25, 2010. "
        "https://www.nytimes.com/2010/05/25/arts/25law.html. Cited in <i>Wikipedia</i>, s.v.~“René Balcer,” n.~1.")


def test_first_citation_in_each_chapter_is_full() -> None:
    sources = {"it": SOURCES["book"][0]}
    first, second = Chapter(sources), Chapter(sources)
    assert first.cite(("it", "p. 134")) == second.cite(("it", "p. 134")) == GOLDEN["book"]["full"]


def test_several_sources_in_one_note_and_no_ibid_after_it() -> None:
    chapter = Chapter({"book": SOURCES["book"][0], "report": SOURCES["report"][0]})
    assert chapter.cite(("book", "p. 134"), ("report", None)) == (
        "Brad Stevens, <i>Monte Hellman: His Life and Films</i> (Jefferson, NC: McFarland, 2003), 134; "
        "<i>2013 Juries</i> (Monte-Carlo Television Festival, 2013).")
    assert chapter.cite(("book", "p. 134")) == "Stevens, <i>Monte Hellman</i>, 134."


def test_unsigned_articles_are_listed_under_their_periodical() -> None:
    fields = {"type": "article-newspaper", "title": "Drowning sea tells tale of Jewish refugees who fled to China",
              "container-title": "The Jerusalem Post", "issued": "2017-10-02"}
    chapter = Chapter({"it": fields, "other": SOURCES["book"][0]})
    assert chapter.cite(("it", None)) == ("“Drowning Sea Tells Tale of Jewish Refugees Who Fled to China,” "
                                          "<i>Jerusalem Post</i>, October 2, 2017.")
    chapter.cite(("other", None))
    assert chapter.cite(("it", None)) == "“Drowning Sea Tells Tale.”"
    assert chapter.bibliography("it") == ("<i>Jerusalem Post</i>. “Drowning Sea Tells Tale of Jewish Refugees "
                                          "Who Fled to China.” October 2, 2017.")


def test_journal_with_volume_issue_and_season() -> None:
    fields = {"type": "article-journal", "title": "Notes on a show", "container-title": "Television Quarterly",
              "author": [{"family": "Wolf", "given": "Dick"}, {"family": "Balcer", "given": "René"},
                         {"family": "Doe", "given": "Jane"}, {"family": "Roe", "given": "Richard"}],
              "volume": "12", "issue": "3", "issued": "2013-21", "page": "101-108", "DOI": "10.1000/xyz"}
    chapter = Chapter({"it": fields})
    assert chapter.cite(("it", None)) == exact(
        "Dick Wolf et al., “Notes on a Show,” <i>Television Quarterly</i> 12, no.~3 (Spring 2013): 101–8, "
        "https://doi.org/10.1000/xyz.")
    assert chapter.bibliography("it") == exact(
        "Wolf, Dick, René Balcer, Jane Doe, and Richard Roe. “Notes on a Show.” <i>Television Quarterly</i> 12, "
        "no.~3 (Spring 2013): 101–8. https://doi.org/10.1000/xyz.")


def test_book_with_editor_translator_and_numbered_edition() -> None:
    fields = {"type": "book", "title": "The companion", "editor": [{"family": "Nemecek", "given": "Larry"}],
              "translator": [{"family": "Vogel", "given": "Ida"}], "edition": "3", "publisher": "Simon and Schuster",
              "publisher-place": "New York", "issued": "2003"}
    chapter = Chapter({"it": fields})
    assert chapter.cite(("it", "p. 192")) == ("Larry Nemecek, ed., <i>The Companion</i>, trans. Ida Vogel, 3rd ed. "
                                              "(New York: Simon and Schuster, 2003), 192.")
    assert chapter.bibliography("it") == ("Nemecek, Larry, ed. <i>The Companion</i>. Translated by Ida Vogel. "
                                          "3rd ed. New York: Simon and Schuster, 2003.")


def test_short_titles_honour_title_short_and_never_cut_mid_phrase() -> None:
    assert short_title("Asner, Falk Star in Greasy Spoon Broadcast") == "Asner, Falk Star"
    assert short_title("The People v. the Torture Team: Six Questions") == "People v. the Torture Team"
    assert short_title("Rene Balcer Biography, Life, Interesting Facts") == "Rene Balcer Biography"
    assert short_title("Rene Balcer Set NBC’s ‘Law & Order: True Crime Menendez Murders’") == (
        "Rene Balcer Set NBC’s ‘Law & Order: True Crime Menendez Murders’")
    chapter = Chapter({"it": {**SOURCES["webpage"][0], "title-short": "LOLA"}, "other": SOURCES["book"][0]})
    chapter.cite(("it", None))
    chapter.cite(("other", None))
    assert chapter.cite(("it", None)) == "Andreeva, “LOLA.”"


def test_headline_case() -> None:
    assert headline_case("Mama says that santa claus does not come to poor people") == (
        "Mama Says That Santa Claus Does Not Come to Poor People")
    assert headline_case("Starz, Owen Wilson developing FBI drama ‘WonderWorld’") == (
        "Starz, Owen Wilson Developing FBI Drama ‘WonderWorld’")
    assert headline_case("law & order veteran nabs 10-episode order for arctic drama") == (
        "Law & Order Veteran Nabs 10-Episode Order for Arctic Drama")
    assert headline_case("what the sources are for") == "What the Sources Are For"


def test_sentence_case_kept_for_a_french_source_and_words_follow_the_manuscript() -> None:
    """A source without a `language` is in the manuscript's language (CSL's rule): in a German
    manuscript an English title keeps its case unless its source says `language: en`."""
    fields = {"type": "article-newspaper", "title": "Le scénariste de « New York, police judiciaire »",
              "author": [{"family": "Roy", "given": "Anne"}], "container-title": "Le Devoir",
              "issued": "2010-05-25", "language": "fr"}
    english = Chapter({"it": fields})
    assert english.cite(("it", "para. 2")) == exact(
        "Anne Roy, “Le scénariste de ‘New York, police judiciaire,’” <i>Le Devoir</i>, May 25, 2010, para.~2.")
    french = Chapter({"it": fields, "other": SOURCES["book"][0]}, language="fr-FR")
    assert french.cite(("it", "para. 2")) == exact(
        "Anne Roy, «\u202fLe scénariste de “New York, police judiciaire”\u202f», <i>Le Devoir</i>, "
        "25 mai 2010, para.~2.")
    assert french.cite(("it", "para. 3")) == exact("Ibid., para.~3.")
    german = Chapter({"it": {**fields, "cited-in": "other", "cited-in-locator": "p. 4"},
                      "other": SOURCES["book"][0]}, language="de-DE")
    assert german.cite(("it", None)) == (
        "Anne Roy, „Le scénariste de ‚New York, police judiciaire‘“, <i>Le Devoir</i>, 25. Mai 2010, zitiert in "
        "Brad Stevens, <i>Monte Hellman: his life and films</i> (Jefferson, NC: McFarland, 2003), 4.")
    assert german.cite(("it", "para. 3")) == exact("Ebd., para.~3.")


def test_title_ending_in_a_question_mark_keeps_a_comma_and_takes_no_period() -> None:
    fields = {"type": "webpage", "title": "Who killed the showrunner?", "container-title": "Deadline",
              "issued": "2012-01-02"}
    chapter = Chapter({"it": fields})
    assert chapter.cite(("it", None)) == "“Who Killed the Showrunner?,” Deadline, January 2, 2012."
    assert chapter.bibliography("it") == "“Who Killed the Showrunner?” Deadline, January 2, 2012."


def test_bibliography_is_sorted_by_what_each_entry_begins_with() -> None:
    chapter = Chapter({"stevens": SOURCES["book"][0], "wiki": SOURCES["encyclopedia"][0],
                       "report": SOURCES["report"][0], "fry": SOURCES["magazine"][0],
                       "npr": SOURCES["broadcast"][0],
                       "jpost": {"type": "article-newspaper", "title": "Drowning sea", "container-title": "The Jerusalem Post"},
                       "autumn": {"type": "webpage", "title": "The autumn harvest", "issued": "2020"},
                       "eve": {"type": "book", "title": "Échos", "author": [{"family": "Ève", "given": "Anne"}]}})
    ordered = sorted(chapter.sources.values(), key=chapter.formatter.sort_key)
    assert [s.id for s in ordered] == ["report", "autumn", "eve", "fry", "jpost", "stevens", "npr", "wiki"]


def test_chapter_in_an_edited_book_and_a_typed_apostrophe() -> None:
    fields = {"type": "chapter", "title": "The showrunner's craft", "author": [{"family": "Doe", "given": "Jane"}],
              "container-title": "Writing for television", "editor": [{"family": "Roe", "given": "Richard"}],
              "publisher": "Routledge", "publisher-place": "London", "issued": "2015", "page": "45-67"}
    chapter = Chapter({"it": fields})
    assert chapter.cite(("it", "p. 50")) == ("Jane Doe, “The Showrunner’s Craft,” in <i>Writing for Television</i>, "
                                             "ed. Richard Roe (London: Routledge, 2015), 50.")
    assert chapter.bibliography("it") == ("Doe, Jane. “The Showrunner’s Craft.” In <i>Writing for Television</i>, "
                                          "edited by Richard Roe, 45–67. London: Routledge, 2015.")


def test_speech_names_its_occasion() -> None:
    fields = {"type": "speech", "title": "Address to the graduating class", "genre": "speech",
              "author": [{"family": "Balcer", "given": "René"}], "event-title": "Fall Convocation",
              "event-place": "Montreal", "issued": "2011-11-01"}
    chapter = Chapter({"it": fields})
    assert chapter.cite(("it", None)) == ("René Balcer, “Address to the Graduating Class” (speech, Fall Convocation, "
                                          "Montreal, November 1, 2011).")
    assert chapter.bibliography("it") == ("Balcer, René. “Address to the Graduating Class.” Speech, Fall Convocation, "
                                          "Montreal, November 1, 2011.")


def test_csl_rich_text_in_titles_and_any_other_markup_as_text() -> None:
    """Zotero writes CSL's title markup: <i>, <b>, <sup>, <sub>, small caps, and `nocase`."""
    chapter = Chapter({
        "review": {"type": "article-magazine", "title": "A review of <i>Law & order</i>: <span class=\"nocase\">"
                   "the iconic</span> cases", "container-title": "Variety", "issued": "2010"},
        "book": {"type": "book", "title": "Reading <i>Law & Order</i> <script>alert(1)</script>",
                 "author": [{"literal": "The Editors"}], "issued": "2012"},
        "blog": {"type": "post-weblog", "title": "Chow down", "container-title": "<span class=\"nocase\">appleeats</span>",
                 "issued": "2020"},
    })
    assert chapter.cite(("review", None)) == (
        "“A Review of <i>Law &amp; Order</i>: the iconic Cases,” <i>Variety</i>, 2010.")
    assert chapter.cite(("book", None)) == (
        "The Editors, <i>Reading <span style=\"font-style:normal\">Law &amp; Order</span> "
        "&lt;script&gt;alert(1)&lt;/script&gt;</i> (2012).")
    assert chapter.cite(("blog", None)) == "“Chow Down,” <i>appleeats</i> (blog), 2020."
    assert chapter.formatter.sort_key(chapter.sources["review"])[0].startswith("variety a review of law order")


def test_short_titles_that_would_name_two_works_stay_whole() -> None:
    chapter = Chapter({"bio": {"type": "webpage", "title": "Rene Balcer biography"},
                       "celeb": {"type": "webpage", "title": "Rene Balcer biography, life, interesting facts"}})
    chapter.cite(("bio", None))
    chapter.cite(("celeb", None))
    assert chapter.cite(("bio", "para. 2"), ("celeb", "para. 3")) == exact(
        "“Rene Balcer Biography,” para.~2; “Rene Balcer Biography, Life, Interesting Facts,” para.~3.")


def test_signed_encyclopedia_entry_is_cited_as_a_part_of_its_book() -> None:
    fields = {"type": "entry-encyclopedia", "title": "Law & order", "author": [{"family": "Doe", "given": "Jane"}],
              "container-title": "Encyclopedia of television", "edition": "2", "publisher": "Fitzroy Dearborn",
              "publisher-place": "New York", "issued": "2004", "page": "1300-1302"}
    chapter = Chapter({"it": fields})
    assert chapter.cite(("it", "p. 1301")) == ("Jane Doe, “Law &amp; Order,” in <i>Encyclopedia of Television</i>, "
                                               "2nd ed. (New York: Fitzroy Dearborn, 2004), 1301.")
    assert chapter.bibliography("it") == ("Doe, Jane. “Law &amp; Order.” In <i>Encyclopedia of Television</i>, "
                                          "2nd ed., 1300–1302. New York: Fitzroy Dearborn, 2004.")


def test_an_unpublished_interview_needs_no_title() -> None:
    fields = {"type": "interview", "author": [{"family": "Balcer", "given": "René"}],
              "interviewer": [{"literal": "the author"}], "medium": "audio recording", "issued": "2019-04-02",
              "archive": "Oral History Collection", "archive-place": "Toronto"}
    chapter = Chapter({"it": fields, "other": SOURCES["book"][0]})
    assert chapter.cite(("it", None)) == ("René Balcer, interview by the author, audio recording, April 2, 2019, "
                                          "Oral History Collection, Toronto.")
    chapter.cite(("other", None))
    assert chapter.cite(("it", None)) == "Balcer, interview."
    assert chapter.bibliography("it") == ("Balcer, René. Interview by the author. Audio recording, April 2, 2019. "
                                          "Oral History Collection, Toronto.")
