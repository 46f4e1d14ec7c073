"""Problems: the one shape every complaint about a manuscript takes.

A problem names the file, line and column it is about, a stable code, what is
wrong and how to fix it. Stages collect problems instead of raising at the
first one, so an editor sees every mistake in one run; a stage that cannot go
on raises `ManuscriptError` carrying all it found. Only the CLI prints them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    code: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


class ManuscriptError(Exception):
    """Raised by a stage that found problems it cannot build past."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path, root: Path) -> str:
    """The path as the editor knows it: from the working folder if it lies below it,
    otherwise from the project folder `root`; never an absolute path of this machine."""
    # Links in the file's own name are kept: a manuscript file that is a link pointing out is
    # still the manuscript's file to the editor. Links in the folders above are followed.
    for shown in (Path(os.path.abspath(path)), path.resolve()):
        for base in (Path.cwd(), root.resolve()):
            try:
                return shown.relative_to(base).as_posix()
            except ValueError:
                continue
    return path.name
