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


# --- sources: every CSL 1.0.2 type and variable, CSL-YAML or CSL-JSON -----------------

def load_sources(minimal: Path, extra: str) -> tuple:
    """The minimal manuscript with `extra` (YAML lines) added to its first source."""
    from builder.load import load_manuscript

    path = minimal / "sources.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    grade: B\n", "    grade: B\n" + extra, 1), encoding="utf-8")
    return load_manuscript(minimal)


def test_every_csl_type_is_accepted_and_formatted(minimal: Path) -> None:
    from builder import csl
    from builder.context import build_context

    for item_type in sorted(csl.ITEM_TYPES):
        path = minimal / "sources.yaml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("type: entry-encyclopedia", f"type: {item_type}", 1), encoding="utf-8")
        manuscript, problems = load_manuscript_at(minimal)
        assert problems == [], item_type
        ctx = build_context(manuscript)
        entry = next(e for e in ctx.bibliography if e.source.id == "encyclopedia")
        assert "Ada Example" in entry.html, item_type
        assert ctx.formatter.full(entry.source, "para. 2") and ctx.formatter.short(entry.source, "para. 2")
        path.write_text(text, encoding="utf-8")


def load_manuscript_at(folder: Path):
    from builder.load import load_manuscript

    return load_manuscript(folder)


def sample_value(variable: str):
    from builder import csl

    if variable in csl.NAME_VARIABLES:
        return [{"family": "Doe", "given": "Jane", "dropping-particle": "de", "suffix": "Jr."}]
    if variable in csl.DATE_VARIABLES:
        return {"date-parts": [[2001, 5, 4]]}
    if variable == "URL":
        return "https://example.org/a"
    if variable == "language":
        return "en-US"
    if variable == "citation-key":
        return "encyclopedia"
    if variable in csl.LIST_VARIABLES:
        return ["one", "two"]
    if variable in csl.OBJECT_VARIABLES:
        return {"anything": 1}
    return f"{variable} value"


def test_every_csl_variable_is_accepted_and_kept(minimal: Path) -> None:
    import json

    from builder import csl

    extra = "".join(f"    {json.dumps(v)}: {json.dumps(sample_value(v))}\n"
                    for v in sorted(csl.VARIABLES) if v not in ("title", "container-title"))
    manuscript, problems = load_sources(minimal, extra)
    assert problems == []
    kept = manuscript.sources["encyclopedia"].variables
    assert set(kept) == csl.VARIABLES - {"title"}
    assert kept["interviewer"][0].dropping_particle == "de" and kept["archive-place"] == "archive-place value"


def test_csl_names_for_old_spellings_are_read_as_the_variables_they_stand_for(minimal: Path) -> None:
    manuscript, problems = load_sources(minimal, "    shortTitle: Ada\n    journalAbbreviation: Test Enc.\n")
    assert problems == []
    assert manuscript.sources["encyclopedia"].get("title-short") == "Ada"
    assert manuscript.sources["encyclopedia"].get("container-title-short") == "Test Enc."


@pytest.mark.parametrize("written, shown", [
    ('"2013~"', "ca. 2013"), ('"2013?"', "2013?"), ('"2013-21"', "Spring 2013"),
    ('"2010-05-01/2010-05-04"', "May 1, 2010–May 4, 2010"), ("2013", "2013"),
    ('{date-parts: [["2010", "5", "25"]]}', "May 25, 2010"), ('{literal: "Spring term, 1999"}', "Spring term, 1999"),
    ('{raw: "2010-05"}', "May 2010"), ('{date-parts: [[2013]], circa: true}', "ca. 2013"),
])
def test_csl_dates_in_both_forms(minimal: Path, written: str, shown: str) -> None:
    from builder.citations import DateFormatter, Formatter

    manuscript, problems = load_sources(minimal, f"    issued: {written}\n")
    assert problems == []
    formatter = Formatter(manuscript.sources, DateFormatter("en-US"))
    assert formatter.date(manuscript.sources["encyclopedia"].get("issued")) == shown


SOURCE_CASES = {
    "not-a-csl-type": ("    type: newspaper-article\n",
                       "manuscript/sources.yaml:3:11: S004 'type' in this source: 'newspaper-article' is not a "
                       "CSL item type (hint: use a CSL 1.0.2 type such as book, article-newspaper, webpage, manuscript)"),
    "misspelt-variable": ("    container_title: Other\n",
                          "manuscript/sources.yaml:7:5: S002 unknown field 'container_title' in this source "
                          "(hint: did you mean 'container-title'? Otherwise remove it (see the README for the keys "
                          "a record takes))"),
    "bad-edtf": ('    issued: "2013-13"\n',
                 "manuscript/sources.yaml:7:13: S004 'issued' in this source: is not a real calendar date "
                 "(hint: check the month and day)"),
    "bad-date-parts": ("    issued: {date-parts: [[2013, x]]}\n",
                       "manuscript/sources.yaml:7:13: S004 'issued' in this source: date part 'x' is not a number "
                       "(hint: write year, month and day in digits)"),
    "bad-name": ("    editor: [{given: Ada}]\n",
                 "manuscript/sources.yaml:7:14: S004 'editor' in this source: a name needs `family` (and `given`) "
                 "or `literal` (hint: write `- {family: Hale, given: Mike}`, or `- {literal: Reuters}` for an "
                 "institution)"),
    "bad-language": ("    language: Klingonese\n",
                     "manuscript/sources.yaml:7:15: S004 'language' in this source: 'Klingonese' is not a BCP 47 language tag "
                     "(hint: write 'tlh')"),
}


@pytest.mark.parametrize("name", sorted(SOURCE_CASES))
def test_source_defect_gives_one_exact_message(name: str, minimal: Path, capsys) -> None:
    extra, expected = SOURCE_CASES[name]
    path = minimal / "sources.yaml"
    text = path.read_text(encoding="utf-8")
    if extra.startswith("    type:"):
        text = text.replace("    type: entry-encyclopedia\n", extra, 1)
    else:
        text = text.replace("    grade: B\n", "    grade: B\n" + extra, 1)
    path.write_text(text, encoding="utf-8")
    code, lines = check(capsys)
    assert (code, lines) == (1, [expected, "1 problem found; no output was changed"])


def test_a_language_name_as_zotero_users_type_it_is_read_as_its_tag(minimal: Path) -> None:
    manuscript, problems = load_sources(minimal, "    language: French\n")
    assert problems == [] and manuscript.sources["encyclopedia"].language == "fr"


# --- sources.json: CSL-JSON, as Zotero exports it ------------------------------------------

def csl_json(sources_yaml: Path) -> str:
    """The registry as Zotero's "Export → CSL JSON" writes one: a bare list, dates as
    date-parts, tab indentation."""
    import json

    from ruamel.yaml import YAML

    items = json.loads(json.dumps(YAML(typ="safe", pure=True).load(sources_yaml.read_text("utf-8"))["references"]))
    for item in items:
        for key in ("issued", "accessed"):
            if key in item:
                item[key] = {"date-parts": [[int(part) for part in str(item[key]).split("-")]]}
    return json.dumps(items, indent="\t", ensure_ascii=False)


def as_json(manuscript: Path) -> None:
    (manuscript / "sources.json").write_text(csl_json(manuscript / "sources.yaml"), encoding="utf-8")
    (manuscript / "sources.yaml").unlink()


def test_sources_json_loads_as_sources_yaml_does(minimal: Path) -> None:
    from builder.load import load_manuscript

    before, _ = load_manuscript(minimal)
    as_json(minimal)
    after, problems = load_manuscript(minimal)
    assert problems == []
    strip = lambda m: {k: (s.variables, s.title, s.grade, s.cited_in) for k, s in m.sources.items()}  # noqa: E731
    assert strip(after) == strip(before)


def test_zotero_item_address_as_id_and_citation_key(minimal: Path) -> None:
    import json

    from builder.load import load_manuscript

    as_json(minimal)
    path = minimal / "sources.json"
    items = json.loads(path.read_text("utf-8"))
    items[1]["id"] = "http://zotero.org/users/local/AbC/items/XYZ123"
    items[1]["citation-key"] = "daily-news"
    path.write_text(json.dumps(items, indent="\t"), encoding="utf-8")
    manuscript, problems = load_manuscript(minimal)
    assert problems == [] and "daily-news" in manuscript.sources
    del items[1]["citation-key"]
    path.write_text(json.dumps(items, indent="\t"), encoding="utf-8")
    _, problems = load_manuscript(minimal)
    assert [str(p) for p in problems] == [
        "manuscript/sources.json:10:2: S004 'http://zotero.org/users/local/AbC/items/XYZ123' is not a usable "
        "source id (hint: give the source an `id` (or a `citation-key`, as Zotero calls it) of lowercase letters, "
        "digits and single hyphens, like `stevens-2003`)"]


JSON_CASES = {
    "syntax": (lambda t: t.replace('"grade": "B",', '"grade": "B"', 1),
               "manuscript/sources.json:8:3: Y006 JSON syntax error: Expecting ',' delimiter "
               "(hint: check the commas, quotes and brackets at this place)"),
    "duplicate-key": (lambda t: t.replace('"grade": "B",', '"grade": "B",\n\t\t"grade": "A",', 1),
                      "manuscript/sources.json:8:3: Y005 duplicate key 'grade' "
                      "(hint: keep one of the two entries; JSON readers would silently drop one)"),
    "unknown-field": (lambda t: t.replace('"grade": "B",', '"grade": "B",\n\t\t"grad-reason": "x",', 1),
                      "manuscript/sources.json:8:3: S002 unknown field 'grad-reason' in this source "
                      "(hint: did you mean 'grade-reason'? Otherwise remove it (see the README for the keys a "
                      "record takes))"),
    "both-files": (None, "manuscript/sources.json:1:1: M006 both sources.yaml and sources.json are present "
                         "(hint: keep one of them: the builder reads the sources from either)"),
}


@pytest.mark.parametrize("name", sorted(JSON_CASES))
def test_sources_json_defect_gives_one_exact_message(name: str, minimal: Path, capsys) -> None:
    edit, expected = JSON_CASES[name]
    text = csl_json(minimal / "sources.yaml")
    if edit is None:
        (minimal / "sources.json").write_text(text, encoding="utf-8")
    else:
        (minimal / "sources.yaml").unlink()
        (minimal / "sources.json").write_text(edit(text), encoding="utf-8")
    code, lines = check(capsys)
    assert (code, lines) == (1, [expected, "1 problem found; no output was changed"])


def test_a_zotero_export_of_the_shipped_sources_builds_the_same_book(real_build, tmp_path: Path) -> None:
    """Done when of issue 14: sources.json in place of sources.yaml, the same PDF and EPUB."""
    import shutil

    from builder.build import Project, produce

    from .conftest import PROJECT

    manuscript = tmp_path / "manuscript"
    shutil.copytree(PROJECT / "manuscript", manuscript)
    as_json(manuscript)
    assert (manuscript / "sources.json").read_text("utf-8").startswith('[\n\t{\n\t\t"id": "enc-article"')
    built = produce(Project(manuscript, PROJECT / "styles", tmp_path / "out"))
    assert built.html == real_build.html
    assert {p.name: data for p, data in built.files.items()} == {p.name: data for p, data in real_build.files.items()}


def test_project_keys_from_zotero_extra_and_csl_json_custom(minimal: Path) -> None:
    """Zotero keeps what it has no field for in Extra, which its CSL-JSON export writes as `note`."""
    import json

    from builder.load import load_manuscript

    as_json(minimal)
    path = minimal / "sources.json"
    items = json.loads(path.read_text("utf-8"))
    first, second = items[0], items[1]
    first["note"] = f"Seen in 2020.\ngrade: {first.pop('grade')}\ngrade-reason: {first.pop('grade-reason')}"
    second["custom"] = {"grade": second.pop("grade"), "cited-in": second.pop("cited-in"), "other": 1}
    path.write_text(json.dumps(items, indent="\t"), encoding="utf-8")
    manuscript, problems = load_manuscript(minimal)
    assert problems == []
    encyclopedia, daily = manuscript.sources["encyclopedia"], manuscript.sources["daily-news"]
    assert (encyclopedia.grade, encyclopedia.grade_reason) == ("B", "An edited article with references.")
    assert encyclopedia.get("note") == "Seen in 2020."
    assert (daily.grade, daily.cited_in, daily.get("custom")) == ("A", "encyclopedia", {"other": 1})
    first["note"] = "grade: E"
    path.write_text(json.dumps(items, indent="\t"), encoding="utf-8")
    _, problems = load_manuscript(minimal)
    assert sorted((p.line, p.code, p.message) for p in problems) == [
        (2, "S003", "this source has no 'grade-reason'"), (7, "S004", "'grade' in this source: 'E' is not a grade")]


def test_a_zotero_export_as_it_comes_gives_the_notes_and_bibliography_of_the_yaml_registry(minimal: Path) -> None:
    """Item addresses as ids with citation keys, grades in Extra (`note`), a language by its
    name, a year as text in date-parts, titles in sentence case: the same notes."""
    import shutil

    from builder.context import build_context
    from builder.load import load_manuscript
    from builder.render import Renderer

    from .conftest import FIXTURES

    def notes_and_bibliography():
        manuscript, problems = load_manuscript(minimal)
        assert problems == []
        ctx = build_context(manuscript)
        notes = [n.html for chapter in Renderer(ctx, "epub").chapters() for n in chapter.notes]
        return notes, [e.html for e in ctx.bibliography]

    from_yaml = notes_and_bibliography()
    (minimal / "sources.yaml").unlink()
    shutil.copy(FIXTURES / "zotero" / "sources.json", minimal / "sources.json")
    assert notes_and_bibliography() == from_yaml
    assert len(from_yaml[0]) == 5 and "cited in" in " ".join(from_yaml[0])


def test_whatever_a_source_holds_the_answer_is_a_source_or_clean_problems(tmp_path: Path) -> None:
    """Random values in a source's CSL variables, names, dates and project keys (as YAML or
    JSON would bring them): never an exception."""
    import shutil

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from ruamel.yaml import YAML

    from builder.context import build_context
    from builder.load import load_manuscript

    from .conftest import FIXTURES

    folder = tmp_path / "manuscript"
    shutil.copytree(FIXTURES / "minimal", folder)
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
    values = st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
            ["family", "given", "literal", "date-parts", "season", "circa", "raw", "x"]), inner, max_size=3)),
        max_leaves=8)
    keys = st.sampled_from(["author", "editor", "issued", "accessed", "type", "title", "language", "URL", "note",
                            "custom", "grade", "citation-key", "page", "edition", "title-short", "container-title"])

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.dictionaries(keys, values, max_size=4))
    def check(fields: dict) -> None:
        yaml = YAML(typ="safe", pure=True)
        document = yaml.load((FIXTURES / "minimal" / "sources.yaml").read_text("utf-8"))
        document["references"][0].update(fields)
        with (folder / "sources.yaml").open("w", encoding="utf-8") as out:
            yaml.dump(document, out)
        manuscript, problems = load_manuscript(folder)
        assert (manuscript is None) == bool(problems)
        if manuscript is not None:
            ctx = build_context(manuscript)
            source = manuscript.sources["encyclopedia"]
            assert ctx.formatter.full(source, "p. 1") and ctx.formatter.short(source) is not None

    check()


def test_only_an_interview_or_a_personal_communication_may_go_without_a_title(minimal: Path, capsys) -> None:
    path = minimal / "sources.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("    title: Ada Example\n", "", 1), encoding="utf-8")
    code, lines = check(capsys)
    assert (code, lines[0]) == (1, "manuscript/sources.yaml:2:5: S003 this source has no 'title' (hint: add "
                                   "`title:` to it (only an interview or a personal communication may go without))")
    path.write_text(path.read_text(encoding="utf-8").replace("type: entry-encyclopedia", "type: interview", 1),
                    encoding="utf-8")
    assert check(capsys)[0] == 0


def test_an_isbn_whose_check_digit_fails_is_located(minimal: Path) -> None:
    from builder.load import load_manuscript

    profile = minimal / "profile.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("trim:", "ISBN: 978-0-306-40615-8\ntrim:"),
                       encoding="utf-8")
    _, problems = load_manuscript(minimal)
    assert [str(p) for p in problems] == [
        "manuscript/profile.yaml:14:7: S004 'ISBN' in the profile: '978-0-306-40615-8' is not an ISBN: the number's "
        "checksum or check digit is invalid (hint: copy the ISBN from the agency's record; its last digit checks "
        "the others)"]
