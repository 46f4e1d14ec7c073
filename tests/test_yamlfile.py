"""YAML parsed ahead, in a fork while WeasyPrint loads, is what parsing it here gives."""

from __future__ import annotations

import shutil
from pathlib import Path

from ruamel.yaml import YAML

from builder import yamlfile

from .conftest import FIXTURES


def positions(node) -> list:
    """Every key's and item's line and column, depth first."""
    if isinstance(node, dict):
        return [(key, node.lc.key(key), node.lc.value(key), positions(value)) for key, value in node.items()]
    if isinstance(node, list):
        return [(node.lc.item(index), positions(item)) for index, item in enumerate(node)]
    return []


def test_documents_parsed_ahead_are_those_parsed_here() -> None:
    ahead = yamlfile.parsed_ahead(FIXTURES / "minimal")
    texts = [path.read_text(encoding="utf-8") for path in sorted((FIXTURES / "minimal").glob("*.yaml"))]
    assert sorted(ahead) == sorted(texts) and len(texts) == 6
    for text in texts:
        here = YAML(typ="rt", pure=True).load(text)
        assert ahead[text] == here and positions(ahead[text]) == positions(here)


def test_a_document_parsed_ahead_is_used_once_its_text_is_read(tmp_path: Path) -> None:
    folder = shutil.copytree(FIXTURES / "minimal", tmp_path / "manuscript")
    text = (folder / "facts.yaml").read_text(encoding="utf-8") + "\n# parsed ahead\n"
    (folder / "facts.yaml").write_text(text, encoding="utf-8")
    ahead = yamlfile.parsed_ahead(folder)
    yamlfile.remember(ahead)
    document, problems = yamlfile.read_yaml(folder / "facts.yaml", "manuscript/facts.yaml", folder)
    assert problems == [] and document is ahead[text]


def test_a_file_that_does_not_parse_is_left_to_the_build(tmp_path: Path) -> None:
    folder = shutil.copytree(FIXTURES / "minimal", tmp_path / "manuscript")
    (folder / "awards.yaml").write_text("awards:\n  - id: [unclosed\n", encoding="utf-8")
    (folder / "sources.yaml").unlink()
    (folder / "sources.yaml").symlink_to("/dev/zero")
    ahead = yamlfile.parsed_ahead(folder)
    assert len(ahead) == 4 and not any("unclosed" in text for text in ahead)
