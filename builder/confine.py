"""Confinement: a build reads nothing outside the project's own folders.

Every stage that opens a file the manuscript names (its YAML, templates,
stylesheets, fonts, images) asks here first. Links are followed before the
question is asked, so `../`, an absolute path and a symlink pointing out are
refused alike; a device or a pipe is refused because reading one never ends
(`/dev/zero`) or never starts (a FIFO).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable


class Refused(Exception):
    """A file the build may not read, and why, in words for the editor."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def confined(path: Path, roots: Iterable[Path]) -> Path:
    """`path` with its links followed, if it lies inside one of `roots` and is a plain file
    (or does not exist, which the caller reports in its own words); otherwise Refused."""
    real = path.resolve()
    if not any(real.is_relative_to(root.resolve()) for root in roots):
        raise Refused("is a link to a file outside the project" if path.is_symlink()
                      else "lies outside the project")
    if real.exists() and not real.is_file():
        raise Refused("is not a plain file (a folder, a device or a pipe)")
    return real


def readable(path: Path, roots: Iterable[Path]) -> bool:
    """Whether `path` is an existing plain file a build may read."""
    try:
        return confined(path, roots).is_file()
    except Refused:
        return False
