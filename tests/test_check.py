"""`builder check`: exact messages and exit codes, one defect per test."""

from __future__ import annotations

import re
from pathlib import Path

from builder.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_fixture_passes_with_summary(minimal: Path, capsys) -> None:
    code, out, err = run(capsys, "check", "manuscript")
    assert (code, err) == (0, "")
    assert "facts           4  (1 kept out of the text)" in out
    assert "awards          2  (1 won, 1 nominated, 0 honour)" in out
    assert "conflicts       1  (1 resolved)" in out


def test_unknown_source_is_named_with_its_line(minimal: Path, capsys) -> None:
    facts = minimal / "facts.yaml"
    facts.write_text(facts.read_text().replace("source: daily-news", "source: daily-newz"))
    code, _, err = run(capsys, "check", "manuscript")
    assert code == 1
    assert err.splitlines()[0] == (
        "manuscript/facts.yaml:21:9: R001 cites unknown source 'daily-newz' "
        "(hint: register it in sources.yaml or fix the id)")


# Everything build would reject, found by check in one run

def test_template_faults_are_all_reported_at_the_authors_place(minimal: Path, capsys) -> None:
    first = "<p>Ada Example was born in {{ fact('birth').values.place }}.{{ cite('birht') }}"
    second = "She began as a reporter.{{ cite('first-job', 'wrong-year') }}</p>"
    chapter = minimal / "templates" / "chapters" / "beginnings.html.j2"
    chapter.write_text(f"{first}\n{second}\n")
    work = minimal / "templates" / "chapters" / "work.html.j2"
    work.write_text("<p>Her series ran from 1995.{{ cite('film-series') }}</p>\n<p>{{ profil.title }}</p>\n"
                    "<p>{{ fatc('birth').date }}</p>\n")
    code, _, err = run(capsys, "check", "manuscript")
    assert code == 1
    assert err.splitlines() == [
        f"manuscript/templates/chapters/beginnings.html.j2:1:{first.index(chr(39) + 'birht') + 1}: T003 "
        "cite() names unknown fact 'birht' (hint: use an id from facts.yaml, filmography.yaml or awards.yaml)",
        f"manuscript/templates/chapters/beginnings.html.j2:2:{second.index(chr(39) + 'wrong-year') + 1}: T003 "
        "fact 'wrong-year' is kept out of the text: Rests only on a low-reliability page; the encyclopedia "
        "gives 1960. (hint: remove it from the template, or cite a better-supported fact)",
        "manuscript/templates/chapters/work.html.j2:2:1: T002 template error: 'profil' is undefined "
        "(hint: check the names used on this line against the README's template reference)",
        "manuscript/templates/chapters/work.html.j2:3:1: T002 template error: 'fatc' is undefined "
        "(hint: check the names used on this line against the README's template reference)",
        "4 problems found; no output was changed",
    ]


def test_prose_that_is_not_xhtml_is_placed_in_the_template(minimal: Path, capsys) -> None:
    chapter = minimal / "templates" / "chapters" / "work.html.j2"
    chapter.write_text("<p>Her series ran\nfrom 1995 to 1999.{{ cite('film-series') }}&nbsp;It won.</p>\n")
    code, _, err = run(capsys, "check", "manuscript")
    assert (code, err.splitlines()[0]) == (1, (
        "manuscript/templates/chapters/work.html.j2:2:44: E001 the EPUB needs well-formed XHTML: "
        "Entity 'nbsp' not defined (near \"from 1995 to 1999.{{ cite('film-series') }}&nbsp;It won.</p>\") "
        "(hint: close every element (<br/>, not <br>) and type characters, not named entities such as &nbsp;)"))


def test_an_unclosed_element_is_placed_on_the_authors_line(minimal: Path, capsys) -> None:
    chapter = minimal / "templates" / "chapters" / "work.html.j2"
    chapter.write_text("<p>One.{{ cite('film-series') }}</p>\n<p>Two<br>three.</p>\n")
    code, _, err = run(capsys, "check", "manuscript")
    assert code == 1
    assert err.splitlines()[0].startswith("manuscript/templates/chapters/work.html.j2:2:")
    assert "E001 the EPUB needs well-formed XHTML: Opening and ending tag mismatch: br" in err.splitlines()[0]


def test_a_property_typo_in_either_stylesheet_is_an_error(minimal: Path, capsys) -> None:
    epub_css = minimal.parent / "styles" / "epub.css"
    text = epub_css.read_text()
    inside_media = text.index("@media")
    text = text[:inside_media] + text[inside_media:].replace("table { font-size: 0.9em; }", "table { font-sise: 0.9em; }", 1)
    epub_css.write_text(text.replace("a { color: inherit; }", "a { colour: inherit; }", 1))
    (minimal.parent / "styles" / "print.css").write_text(
        (minimal.parent / "styles" / "print.css").read_text().replace("hyphens: auto;", "hyphens: automatic;", 1))
    code, _, err = run(capsys, "check", "manuscript")
    lines = err.splitlines()
    assert code == 1 and len(lines) == 4
    assert re.fullmatch(r"styles/epub\.css:\d+:\d+: P001 WeasyPrint warning: Ignored `colour: inherit` at \d+:\d+, "
                        r"unknown property\. \(hint: .*\)", lines[0])
    assert re.fullmatch(r"styles/epub\.css:\d+:\d+: P001 WeasyPrint warning: Ignored `font-sise: 0\.9em` at \d+:\d+, "
                        r"unknown property\. \(hint: .*\)", lines[1])
    assert re.fullmatch(r"styles/print\.css:\d+:\d+: P001 WeasyPrint warning: Ignored `hyphens: automatic` .*", lines[2])
    line, col = map(int, lines[0].split(":")[1:3])
    assert epub_css.read_text().split("\n")[line - 1][col - 1:].startswith("colour")


def test_relation_and_template_problems_come_in_one_run(minimal: Path, capsys) -> None:
    facts = minimal / "facts.yaml"
    facts.write_text(facts.read_text().replace("source: daily-news", "source: daily-newz"))
    chapter = minimal / "templates" / "chapters" / "beginnings.html.j2"
    chapter.write_text(chapter.read_text().replace("cite('birth')", "cite('brith')"))
    code, _, err = run(capsys, "check", "manuscript")
    codes = [line.split(" ")[1] for line in err.splitlines()[:-1]]
    assert code == 1 and sorted(codes) == ["R001"]
    facts.write_text(facts.read_text().replace("source: daily-newz", "source: daily-news"))
    sources = minimal / "sources.yaml"
    sources.write_text(sources.read_text() + "  - id: unused\n    type: webpage\n    title: Unused\n"
                       "    grade: B\n    grade-reason: Never cited.\n")
    code, _, err = run(capsys, "check", "manuscript")
    codes = [line.split(" ")[1] for line in err.splitlines()[:-1]]
    assert code == 1 and sorted(codes) == ["R002", "T003"]


def test_check_from_another_folder_names_the_styles_option(minimal: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(minimal)
    code, _, err = run(capsys, "check", ".")
    assert code == 1
    assert err.splitlines()[0] == (
        "styles:1:1: M003 styles folder with print.css not found (hint: run builder from the project folder "
        "(the one holding styles/), or pass --styles with the folder that holds print.css and epub.css)")
    code, _, err = run(capsys, "build", ".")
    assert code == 1 and "--styles" in err.splitlines()[0]
    assert run(capsys, "check", ".", "--styles", "../styles")[0] == 0
