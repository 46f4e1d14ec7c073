"""Loading and checking a manuscript: one defect per case, the exact message and exit code.

Each case edits a copy of the minimal fixture, runs `builder check` through the
real command-line entry point, and pins the one line the editor sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.cli import main

CASES = {
    "tab-indentation": (
        "facts.yaml", "    topic: work\n    claim: Worked", "\ttopic: work\n    claim: Worked",
        "manuscript/facts.yaml:12:1: Y004 a tab is used for indentation (hint: indent with spaces only)"),
    "unclosed-quote": (
        "facts.yaml", "claim: Born in Testville", 'claim: "Born in Testville',
        "manuscript/facts.yaml:10:19: Y006 YAML syntax error: expected <block end>, but found '<scalar>' "
        "(hint: the double quote opened at line 4, column 12 is not closed)"),
    "bad-indentation": (
        "facts.yaml", "    topic: work\n    claim: Worked", "    topic: work\n      claim: Worked",
        "manuscript/facts.yaml:13:12: Y006 YAML syntax error: mapping values are not allowed here "
        "(hint: check quotes, colons and indentation on this line and the one above)"),
    "duplicate-key": (
        "facts.yaml", "    topic: work\n", "    topic: work\n    topic: other\n",
        "manuscript/facts.yaml:13:5: Y005 duplicate key 'topic' "
        "(hint: keep one of the two entries; YAML would silently drop the other)"),
    "unknown-key": (
        "awards.yaml", "    result: won\n", "    result: won\n    winner: yes\n",
        "manuscript/awards.yaml:8:5: S002 unknown field 'winner' in this award (hint: remove it or use one of: "
        "body, category, credit, excluded, id, note, result, sources, work, year)"),
    "year-in-words": (
        "awards.yaml", "year: 2001", "year: two thousand one",
        "manuscript/awards.yaml:3:11: S004 'year' in this award: expected a year as a number, got "
        "'two thousand one' (hint: write the year in digits, like 1997)"),
    "range-backwards": (
        "filmography.yaml", "until: 1999", "until: 1985",
        "manuscript/filmography.yaml:9:5: R007 'film-series' ends (1985) before it starts (1995) "
        "(hint: swap `year` and `until`, or fix the years)"),
    "missing-field": (
        "awards.yaml", "    result: won\n", "",
        "manuscript/awards.yaml:2:5: S003 this award has no 'result' (hint: add `result:` to it)"),
    "duplicate-id": (
        "awards.yaml", "id: prize-2002", "id: prize-2001",
        "manuscript/awards.yaml:10:5: S006 duplicate record id 'prize-2001' "
        "(hint: it is already used at manuscript/awards.yaml:2; give this one another id)"),
    "unknown-source": (
        "facts.yaml", "source: daily-news", "source: daily-newz",
        "manuscript/facts.yaml:21:9: R001 cites unknown source 'daily-newz' "
        "(hint: register it in sources.yaml or fix the id)"),
    "fact-without-source": (
        "facts.yaml", "    sources:\n      - source: daily-news\n", "    sources: []\n",
        "manuscript/facts.yaml:20:14: S004 'sources' in this fact: lists no source "
        "(hint: cite at least one source with `- source: <id>`)"),
    "low-reliability-only": (
        "facts.yaml", "    excluded: Rests only on a low-reliability page; the encyclopedia gives 1960.\n", "",
        "manuscript/facts.yaml:22:5: R003 'wrong-year' rests only on low-reliability sources (grade C) "
        "(hint: cite a better source, or add `excluded:` with the reason to keep it out of the text)"),
    "unresolved-conflict": (
        "conflicts.yaml", '    resolution: "1960."\n', "",
        "manuscript/conflicts.yaml:2:5: R004 conflict 'birth-year' is unresolved (no resolution) "
        "(hint: write `resolution:` and the `reason:` it rests on)"),
    "unused-source": (
        "awards.yaml", "source: daily-news", "source: encyclopedia",
        None),  # facts.yaml still cites daily-news: replaced below by a two-file edit
    "not-a-web-address": (
        "sources.yaml", "    grade: C\n", "    grade: C\n    URL: javascript:alert(1)\n",
        "manuscript/sources.yaml:24:10: S004 'URL' in this source: 'javascript:alert(1)' is not an http(s) "
        "address (hint: give a web address starting with https:// or http://, or remove it)"),
    "bad-grade": (
        "sources.yaml", "grade: C", "grade: E",
        "manuscript/sources.yaml:23:12: S004 'grade' in this source: 'E' is not a grade "
        "(hint: use A (authoritative), B (edited secondary), C (low) or D (unreliable))"),
    "impossible-date": (
        "sources.yaml", 'issued: "2001-05-04"', 'issued: "2001-02-30"',
        "manuscript/sources.yaml:14:13: S004 'issued' in this source: is not a real calendar date "
        "(hint: check the month and day)"),
    "affects-unknown-id": (
        "conflicts.yaml", "affects: [birth, wrong-year]", "affects: [birth, wrong-yaer]",
        "manuscript/conflicts.yaml:2:5: R005 conflict 'birth-year' affects unknown id 'wrong-yaer' "
        "(hint: name a fact, filmography entry or award id)"),
    "missing-chapter-template": (
        "profile.yaml", "chapters/work.html.j2", "chapters/wrok.html.j2",
        "manuscript/profile.yaml:19:5: R008 chapter template 'chapters/wrok.html.j2' does not exist "
        "(hint: create templates/chapters/wrok.html.j2 in the manuscript or fix the path)"),
}
del CASES["unused-source"]


def check(capsys) -> tuple[int, list[str]]:
    code = main(["check", "manuscript"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err.splitlines()


@pytest.mark.parametrize("name", sorted(CASES))
def test_defect_gives_one_exact_message(name: str, minimal: Path, capsys) -> None:
    file, old, new, expected = CASES[name]
    path = minimal / file
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {file}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, lines = check(capsys)
    assert code == 1
    assert lines == [expected, "1 problem found; no output was changed"]


def test_unused_source(minimal: Path, capsys) -> None:
    for file in ("facts.yaml", "awards.yaml"):
        path = minimal / file
        path.write_text(path.read_text().replace("source: daily-news", "source: encyclopedia"))
    code, lines = check(capsys)
    assert (code, lines[0]) == (1, "manuscript/sources.yaml:8:5: R002 source 'daily-news' is never cited "
                                   "(hint: cite it from a fact, an entry or a conflict, or remove it)")


def test_file_that_is_not_utf8(minimal: Path, capsys) -> None:
    path = minimal / "facts.yaml"
    path.write_bytes(path.read_bytes().replace(b"Testville in 1960.", b"Testville in 1960 \xe9t\xe9."))
    code, lines = check(capsys)
    assert (code, lines[0]) == (1, "manuscript/facts.yaml:4:38: Y003 is not UTF-8 text "
                                   "(hint: save the file as UTF-8 in your editor)")


def test_missing_file(minimal: Path, capsys) -> None:
    (minimal / "awards.yaml").unlink()
    code, lines = check(capsys)
    assert (code, lines[0]) == (1, "manuscript/awards.yaml:1:1: Y001 file is missing "
                                   "(hint: create manuscript/awards.yaml (see the README's manuscript format))")


def test_empty_manuscript_folder(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "manuscript").mkdir()
    monkeypatch.chdir(tmp_path)
    code, lines = check(capsys)
    assert (code, lines[0]) == (1, "manuscript:1:1: M002 manuscript folder has no YAML files (hint: add "
                                   "profile.yaml, sources.yaml, facts.yaml, filmography.yaml, awards.yaml "
                                   "and conflicts.yaml (see the README))")


def test_missing_manuscript_folder(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    code, lines = check(capsys)
    assert (code, lines[0]) == (1, "manuscript:1:1: M001 manuscript folder does not exist "
                                   "(hint: pass the folder that holds profile.yaml, or create it)")


def test_every_problem_is_reported_not_just_the_first(minimal: Path, capsys) -> None:
    awards = minimal / "awards.yaml"
    awards.write_text(awards.read_text().replace("year: 2001", "year: soon").replace("result: nominated", "result: maybe"))
    facts = minimal / "facts.yaml"
    facts.write_text(facts.read_text().replace("topic: work", "topik: work", 1))
    code, lines = check(capsys)
    assert code == 1
    assert [line.split(": ")[1].split()[0] for line in lines[:-1]] == ["S004", "S004", "S003", "S002"]
    assert lines[-1] == "4 problems found; no output was changed"
