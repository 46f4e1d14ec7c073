"""Freshness: tell whether the outputs already match their inputs, without building.

A build's inputs are every file of the manuscript and the styles, the builder's
own code, the installed versions of the libraries that shape the outputs, the
options and SOURCE_DATE_EPOCH. Their fingerprint, with a hash of
each output written, is kept in the output folder; when both still match, the
build has nothing to do. This module must stay cheap to import: the point is to
answer before WeasyPrint is even loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from functools import lru_cache
from pathlib import Path

from . import __version__
from .confine import readable

STATE_FILE = ".build-state.json"
BUILDER = Path(__file__).parent
# The libraries whose version can change what the outputs hold, byte for byte: the layout
# and its PDF, the HTML and CSS they are read from, the fonts and hyphenation, the images,
# the EPUB's package and prose.
SHAPING = ("weasyprint", "pydyf", "tinycss2", "tinyhtml5", "cssselect2", "pyphen", "fonttools",
           "uharfbuzz", "pillow", "ebooklib", "lxml", "jinja2", "babel", "smartypants", "ruamel-yaml")
DIST_INFO = re.compile(r"(?P<name>.+?)-(?P<version>[^-]+)\.dist-info")
# Set (to anything but ""), the builder leaves WeasyPrint's internals alone (see
# weasyprint_internals): a build so made is another build.
PUBLIC_API_ONLY = "BUILDER_PUBLIC_API_ONLY"


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    # A link pointing out or a device is the build's to refuse, not the fingerprint's to read.
    return sorted(p for p in folder.rglob("*")
                  if not any(part.startswith(".") for part in p.relative_to(folder).parts)
                  and readable(p, [folder]))


def versions() -> dict[str, str]:
    """The installed version of each library in SHAPING (absent ones left out), read from
    the names of the installed distributions' metadata folders: importlib.metadata would
    take the better part of a no-op build's time."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            match = DIST_INFO.fullmatch(name)
            if match:
                found.setdefault(re.sub(r"[-_.]+", "-", match["name"]).lower(), match["version"])
    return {name: found[name] for name in SHAPING if name in found}


def _digest_folder(digest, label: str, folder: Path) -> None:
    for path in _files(folder):
        if path.suffix == ".pyc":
            continue
        digest.update(f"{label}/{path.relative_to(folder).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())


@lru_cache(maxsize=1)
def builder_digest() -> str:
    """The builder's own code (read once a process: it does not change under a running one)."""
    digest = hashlib.sha256(__version__.encode())
    _digest_folder(digest, "builder", BUILDER)
    return digest.hexdigest()


def fingerprint(manuscript: Path, styles: Path, options: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{options}\0{os.environ.get('SOURCE_DATE_EPOCH', '')}\0{sorted(versions().items())}\0"
                  f"{bool(os.environ.get(PUBLIC_API_ONLY))}\0".encode())
    digest.update(builder_digest().encode())
    for label, folder in (("manuscript", manuscript), ("styles", styles)):
        _digest_folder(digest, label, folder)
    return digest.hexdigest()


def _hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def is_current(output: Path, stamp: str) -> bool:
    """True when the last build had this fingerprint and its outputs are still as written."""
    try:
        state = json.loads((output / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(state, dict) or state.get("fingerprint") != stamp or not state.get("outputs"):
        return False
    return all(_hash(output / name) == digest for name, digest in state["outputs"].items())


def record(output: Path, stamp: str, written: dict[Path, bytes]) -> None:
    """Remember what was built from what. Losing this file only costs one rebuild."""
    state = {"fingerprint": stamp,
             "outputs": {p.name: hashlib.sha256(data).hexdigest() for p, data in sorted(written.items())}}
    try:
        (output / STATE_FILE).write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    except OSError:
        pass
