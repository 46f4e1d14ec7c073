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
    """A writable copy of the minimal manuscript beside the project's styles; the working
    folder is their parent, as a project folder is."""
    target = tmp_path / "manuscript"
    shutil.copytree(FIXTURES / "minimal", target)
    shutil.copytree(PROJECT / "styles", tmp_path / "styles")
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


@pytest.fixture(scope="session")
def french_build(tmp_path_factory: pytest.TempPathFactory):
    """The French test manuscript (A5, three chapters) built once (both formats): `Artifacts`."""
    from builder.build import Project, produce

    out = tmp_path_factory.mktemp("french-out")
    return produce(Project(FIXTURES / "french", PROJECT / "styles", out))


class Printing:
    """The print edition's parts and the means to lay them out, as `pdf.lay_out` has them."""

    def __init__(self, html: str):
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration

        from builder.pdf import EDITIONS, ConfinedFetcher
        from builder.sections import cut

        self.book = cut(html)
        roots = [FIXTURES / "minimal", PROJECT / "styles"]
        fetcher = ConfinedFetcher(roots)
        self.fonts = FontConfiguration()
        self.sheets = [CSS(url=url, url_fetcher=fetcher, font_config=self.fonts) for url in self.book.stylesheets]

        def render(part: str, sheets: list):
            return HTML(string=part, base_url=str(roots[0]) + "/", url_fetcher=fetcher).render(
                stylesheets=sheets, font_config=self.fonts, **EDITIONS["screen"])

        self.render = render
        self.document = render(html, self.sheets)  # lends its metadata to the pages written

    def html(self, body: str, ends_on_verso: bool) -> str:
        from builder.sections import SENTINEL

        return self.book.opening + body + (SENTINEL if ends_on_verso else "") + self.book.closing

    def pdf(self, pages: list) -> bytes:
        """As the build writes them (fonts subset by HarfBuzz: no time stamp in them)."""
        return self.document.copy(pages).write_pdf()


@pytest.fixture(scope="session")
def printing(fixture_build) -> Printing:
    return Printing(fixture_build.html)
