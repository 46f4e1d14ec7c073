"""Background: one stage run in a forked copy of the process while the next runs here.

The EPUB needs only where the print layout put each page, and this process
holds the laid-out pages the PDF is written from. So the EPUB is made in a
fork, which starts with everything already in memory, while this process
writes the PDF: on two cores the build takes the longer of the two, not their
sum. The fork's result, or its problems, come back
pickled through a pipe.
"""

from __future__ import annotations

import os
import pickle
import signal
from typing import Callable, Generic, TypeVar

from .frozen import frozen
from .problems import ManuscriptError

T = TypeVar("T")


class BackgroundError(Exception):
    """The forked stage failed with something other than problems in the manuscript."""


class Background(Generic[T]):
    """`work` started in a fork on entering; `result()` waits for it. Leaving the block
    without the result (the stage beside it failed) stops the fork. Where a process
    cannot fork, `work` runs when its result is asked for."""

    def __init__(self, work: Callable[[], T]):
        self.work = work
        self.pid: int | None = None

    def __enter__(self) -> Background[T]:
        if not hasattr(os, "fork"):
            return self
        reading, writing = os.pipe()
        # What the fork does not change stays shared with this process; without the freeze,
        # its garbage collector would touch, and so copy, every laid-out page.
        with frozen():
            self.pid = os.fork()
            if self.pid == 0:
                os.close(reading)
                _run_and_send(self.work, writing)
        os.close(writing)
        self.stream = os.fdopen(reading, "rb")
        return self

    def result(self) -> T:
        if self.pid is None:
            return self.work()
        try:
            kind, value = pickle.load(self.stream)
        except EOFError:
            raise BackgroundError("the background stage ended without a result") from None
        finally:
            self._reap()
        if kind == "problems":
            raise ManuscriptError(value)
        if kind == "interrupted":
            raise KeyboardInterrupt
        if kind == "failed":
            raise BackgroundError(value)
        return value

    def __exit__(self, *exc_info) -> None:
        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            self._reap()

    def _reap(self) -> None:
        self.stream.close()
        os.waitpid(self.pid, 0)
        self.pid = None


def _run_and_send(work: Callable[[], object], writing: int) -> None:
    """In the fork: do the work, send the outcome, and leave without running the
    parent's exit handlers (a test runner's, for one)."""
    try:
        try:
            outcome = ("done", work())
        except ManuscriptError as error:
            outcome = ("problems", error.problems)
        except KeyboardInterrupt:
            outcome = ("interrupted", None)
        except BaseException as error:  # told to the parent, which decides
            outcome = ("failed", f"{type(error).__name__}: {error}")
        with os.fdopen(writing, "wb") as stream:
            pickle.dump(outcome, stream)
    finally:
        os._exit(0)  # whatever happened, the fork never returns into the parent's code
