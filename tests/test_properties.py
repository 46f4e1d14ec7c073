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
from builder.problems import Problem

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
