"""Other WeasyPrint releases: does the builder still make a sound book on them?

For each release asked for (default: 69, the older one the dependency range allows), a
throwaway virtual environment outside the project gets a copy of the project and that
WeasyPrint from PyPI. There, with that WeasyPrint, the shipped manuscript and the test
fixture are built (both outputs) and checked: on a release the adapter was not tested
with, it must have stood down and said so once; every note must sit on its call's page;
the fixture's pages must read as its single HTML rendered whole (the bare `weasyprint`
command's book: folios, running heads, contents numbers; the shipped manuscript differs
from that where a paragraph is moved to keep a note on its call's page). Whether the
shipped book's pages read as they do with this project's own WeasyPrint is told too.
Not part of the test suite: it needs PyPI, and a few minutes.

Usage: .venv/bin/python bench/other_weasyprint.py [VERSION ...]   (e.g. 68 69 70)
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
from builder.weasyprint_internals import TESTED  # noqa: E402  (the releases the fast layout knows)

# Run in the other environment: build, then read back what was built with its WeasyPrint.
CHECK = r"""
import io, json, re, sys
from pathlib import Path
import weasyprint
from pypdf import PdfReader
from builder import weasyprint_internals
from builder.build import Project, produce

root, fixture = Path(sys.argv[1]), Path(sys.argv[2])

def texts(pdf):
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]

lines = []
built = produce(Project(root / "manuscript", root / "styles", root / "output"), report=lines.append)
small = produce(Project(fixture, root / "styles", root / "fixture-output"))
single = weasyprint.HTML(string=small.html, base_url=str(fixture) + "/").write_pdf()
anchors = built.layout.anchor_pages
notes = [a for a in anchors if re.fullmatch(r"note-.+-\d+", a)]
print(json.dumps({
    "weasyprint": weasyprint.__version__,
    "problem": weasyprint_internals.PROBLEM,
    "said": [line for line in lines if "public API" in line],
    "pages": built.layout.page_count,
    "notes": len(notes),
    "notes off their page": [a for a in notes if anchors[a] != anchors.get("call-" + a[len("note-"):])],
    "fixture reads as its single document": texts(small.layout.pdf) == texts(single),
    "texts": texts(built.layout.pdf),
}))
"""


def check(version: str, tmp: Path) -> dict:
    venv, source, book = tmp / f"venv-{version}", tmp / f"source-{version}", tmp / f"book-{version}"
    # A copy, so that building the package leaves nothing in the project.
    shutil.copytree(PROJECT, source, ignore=shutil.ignore_patterns(".venv", "output", ".git", "*.egg-info", "build"))
    for folder in ("manuscript", "styles"):
        shutil.copytree(PROJECT / folder, book / folder)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(venv / "bin/pip"), "install", "-q", str(source), f"weasyprint=={version}.*", "pypdf"],
                   check=True, timeout=900)
    started = time.perf_counter()
    done = subprocess.run([str(venv / "bin/python"), "-c", CHECK, str(book), str(source / "tests/fixtures/minimal")],
                          capture_output=True, text=True, timeout=900, cwd=tmp)
    if done.returncode:
        return {"weasyprint": version, "failed": done.stderr.strip().splitlines()[-1:]}
    return {**json.loads(done.stdout.splitlines()[-1]), "seconds": round(time.perf_counter() - started, 1)}


def sound(result: dict) -> bool:
    tested = result.get("weasyprint", "").startswith(TESTED)
    return ("failed" not in result and not result["notes off their page"]
            and result["fixture reads as its single document"]
            and (result["problem"] is None if tested else len(result["said"]) == 1))


def main() -> int:
    versions = sys.argv[1:] or ["69"]
    os.environ.pop("SOURCE_DATE_EPOCH", None)  # both books dated from the manuscript's edition
    from builder.build import Project, produce  # this project's own WeasyPrint, for comparison

    ours = produce(Project(PROJECT / "manuscript", PROJECT / "styles", PROJECT / "output"))
    from pypdf import PdfReader
    our_texts = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(ours.layout.pdf)).pages]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for version in versions:
            result = check(version, Path(tmp))
            failures += not sound(result)
            if "texts" in result:
                result["pages read as with this project's WeasyPrint"] = result.pop("texts") == our_texts
            print(("sound  " if sound(result) else "BROKEN ") + json.dumps(result), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
