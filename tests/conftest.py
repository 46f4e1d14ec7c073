"""Shared fixtures: the tiny manuscripts under tests/fixtures and a way to copy them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
PROJECT = TESTS.parent
FIXTURES = TESTS / "fixtures"


@pytest.fixture
def minimal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the minimal manuscript; the working folder is its parent."""
    target = tmp_path / "manuscript"
    shutil.copytree(FIXTURES / "minimal", target)
    monkeypatch.chdir(tmp_path)
    return target


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory):
    """The minimal manuscript built once (both formats), in memory: `Artifacts`."""
    from builder.build import Project, produce

    out = tmp_path_factory.mktemp("fixture-out")
    return produce(Project(FIXTURES / "minimal", PROJECT / "styles", out))


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory):
    """The shipped manuscript built once (both formats), in memory: `Artifacts`."""
    from builder.build import Project, produce

    out = tmp_path_factory.mktemp("real-out")
    return produce(Project(PROJECT / "manuscript", PROJECT / "styles", out))
