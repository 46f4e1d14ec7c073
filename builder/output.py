"""Output: put finished files in place without ever leaving a half-written one.

Every file of a build is first written in full to a temporary file in its own
folder; only when all of them are written are they renamed over the old ones
(a rename is atomic on POSIX). A build that fails or is interrupted before
that point leaves the last good outputs exactly as they were.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .problems import ManuscriptError, Problem


def write_all(files: dict[Path, bytes], shown: dict[Path, str]) -> None:
    """Write every file or, on any failure, none of them."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            staged.append((_stage(path, data, shown[path]), path))
        for temporary, path in staged:
            os.replace(temporary, path)
    finally:
        for temporary, _ in staged:
            Path(temporary).unlink(missing_ok=True)


def _stage(path: Path, data: bytes, shown: str) -> str:
    if path.parent.exists() and not path.parent.is_dir():
        raise ManuscriptError([Problem(shown, 1, 1, "O001", "cannot write the output: its folder is a file",
                                       "remove or rename that file, or choose another folder with --output")])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as error:
        raise ManuscriptError([_cannot_write(shown, error)]) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise ManuscriptError([_cannot_write(shown, error)]) from None
        raise
    return temporary


def _cannot_write(shown: str, error: OSError) -> Problem:
    return Problem(shown, 1, 1, "O001", f"cannot write the output: {error.strerror or error}",
                   "make the output folder writable, or choose another with --output")
