"""The adapter: it knows this WeasyPrint, notices an internal that changed, and is the only
module of the builder that reaches into WeasyPrint's or pydyf's non-public code."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from builder import weasyprint_internals as internals

BUILDER = Path(internals.__file__).parent
# WeasyPrint's documented modules (its API reference) and what they offer.
PUBLIC = {"weasyprint", "weasyprint.text.fonts", "weasyprint.urls"}


def test_the_installed_weasyprint_is_one_the_adapter_knows() -> None:
    assert internals.PROBLEM is None


@pytest.mark.parametrize("internal, replacement", [
    ("make_margin_boxes", lambda context, page: ()),
    ("layout_backgrounds", lambda page, images, more: None),
])
def test_an_internal_whose_signature_changed_is_noticed(internal: str, replacement, monkeypatch) -> None:
    monkeypatch.setattr(internals, internal, replacement)
    assert internal in internals._check()


def test_another_weasyprint_release_is_noticed(monkeypatch) -> None:
    monkeypatch.setattr(internals.weasyprint, "__version__", "99.0")
    assert internals._check().startswith("WeasyPrint 99.0 is not one the fast layout was tested with")


def test_changed_wording_of_a_message_is_noticed(monkeypatch) -> None:
    monkeypatch.setitem(internals.WORDING, "pdf/anchors.py", "No such anchor #%s")
    assert internals._check() == f"WeasyPrint {internals.weasyprint.__version__} words a message differently " \
                                 "(pdf/anchors.py)"


def test_the_public_api_can_be_asked_for() -> None:
    done = subprocess.run([sys.executable, "-c", "from builder import weasyprint_internals as i; print(i.PROBLEM)"],
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", internals.FORCED_OFF: "1"})
    assert done.stdout.strip() == f"{internals.FORCED_OFF} is set"


def test_a_page_that_will_not_unpickle_is_said_so() -> None:
    with pytest.raises(internals.InternalsChanged):
        internals.unpickled(b"not a pickle", None, lambda url: None)


@pytest.mark.parametrize("module", sorted(p.name for p in BUILDER.glob("*.py") if p.name != "weasyprint_internals.py"))
def test_no_other_module_imports_what_is_not_public(module: str) -> None:
    tree = ast.parse((BUILDER / module).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    reaching = {name for name in imported if name.split(".")[0] in ("weasyprint", "pydyf")} - PUBLIC
    assert not reaching, f"{module} imports {reaching}: only weasyprint_internals may"


def test_every_use_of_an_internal_says_what_it_stands_in_for() -> None:
    source = inspect.getsource(internals)
    assert source.count("Public behaviour") >= 3
