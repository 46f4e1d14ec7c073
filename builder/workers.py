"""Workers: the parts of a book laid out on every core at once.

Each worker is a fork of the build, so it starts with the stylesheets parsed and
the fonts loaded. The parts are handed out in book order, a few at a time, to
whichever worker has room. A worker lays its parts out from page 1 (see
`parts`) and tells how many pages each has and where its anchors fell; from
that the build works out every part's first page and asks for the pages,
numbered. The pages come back pickled (see `weasyprint_internals`), and their
pickle is kept for the layout cache on disk.

A fork is taken only when no helper thread of Pango's is running (see
`quiet_for_fork`). A part a worker could not lay out cleanly (it raised,
WeasyPrint warned, its pages would not pickle, the worker died) is laid out
again here, where the problem is reported as in any build. With one core, one
part, no fork or no quiet moment, everything is laid out here.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import time
from collections import deque
from multiprocessing.connection import Connection, Pipe, wait
from pathlib import Path
from typing import Callable

from weasyprint import Page
from weasyprint.text.fonts import FontConfiguration

from . import weasyprint_internals as internals
from .frozen import freeze_kept
from .parts import Part, anchor_pages

# What a worker says of a part once laid out: its page count and each anchor's page in it.
Extent = tuple[int, dict[str, int]]
LayOut = Callable[[str, bool], Part]  # (the part's body, whether it ends on a verso) -> Part
# Laid out before the workers are forked, so that what any layout loads first (the fonts,
# the hyphenation patterns) is loaded once, not in every worker: words too long for their
# lines, in roman and italic.
WARM_UP = "<p>{0} <i>{0}</i></p>".format(" ".join(["incomprehensibilities"] * 12))
# How Pango names the helper threads a fork must not be taken beside.
BUSY = "[pango]"
# Parts a worker holds at once: one to lay out now and one so it never waits for the next.
AHEAD = 2


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def quiet_for_fork(timeout: float = 2.0) -> bool:
    """Whether no helper thread of Pango's runs, having waited up to `timeout` for them to end.

    Pango 1.50 matches and sorts fonts in short-lived threads ("[pango] FcFontSetMatch",
    "[pango] FcFontSetSort") that hold fontconfig's lock: a fork taken meanwhile inherits
    the lock held and hangs at its first line of text. Only a call into Pango starts such
    a thread, so while this waits they can only end. Where threads cannot be seen (no
    /proc), nothing is forked."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        threads = _threads()
        if threads is None:
            return False
        # Twice the same threads: none was starting up, still without its name.
        if threads == seen and not any(name.startswith(BUSY) for name in threads.values()):
            return True
        seen = threads
        time.sleep(0.002)
    return False


def _threads() -> dict[str, str] | None:
    """This process's threads and their names; None without /proc."""
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return None
    try:
        return {task.name: (task / "comm").read_text().strip() for task in tasks.iterdir()}
    except OSError:  # a thread ended while the list was read: look again
        return {"": BUSY}


class Layouts:
    """Parts laid out from page 1, by workers where that pays, then numbered on request.

    `start` hands out parts; `extent` waits for a part's page count and anchors;
    `place` tells parts their first page; `pages` waits for a part's numbered pages.
    Parts go to the workers in book order, a few at a time, so that none idles while
    another still has a queue, and pages come back as soon as their first page is known.
    A worker is told only a part's index: it has the part's HTML from the fork (parts
    handed out later go to workers forked then). So what the build sends is always
    small, and never waits on a worker that is itself sending pages."""

    def __init__(self, lay_out: LayOut, fonts: FontConfiguration, image: Callable[[str], object]):
        self.lay_out, self.fonts, self.image = lay_out, fonts, image
        self.tasks: dict[int, tuple[str, bool]] = {}
        self.queue: deque[int] = deque()  # parts no worker has yet
        self.workers: list[_Worker] = []
        self.extents: dict[int, Extent | None] = {}  # None: laid out here instead
        self.owner: dict[int, _Worker] = {}
        self.numbered: dict[int, tuple[int, list[Page] | None]] = {}  # part -> (first page, pages)
        self.pickles: dict[int, tuple[int, bytes]] = {}  # part -> (first page, its pages pickled)
        self.starts: dict[int, int] = {}
        self.here: dict[int, Part] = {}  # parts laid out in this process

    def __enter__(self) -> Layouts:
        return self

    def __exit__(self, *exc_info) -> None:
        for worker in self.workers:
            worker.stop()

    def start(self, tasks: dict[int, tuple[str, bool]], busy_here: bool = False) -> None:
        """Begin laying out these parts: part index -> (body, ends on a verso). One part
        alone is laid out here, unless this process has other work meanwhile (`busy_here`)."""
        self.tasks.update(tasks)
        if not tasks or (len(tasks) < 2 and not busy_here) or cores() < 2 or not hasattr(os, "fork"):
            return  # laid out here when first asked for
        if not self.workers:
            self.lay_out(WARM_UP, False)
            freeze_kept()  # and, frozen, the workers share it without copying it
        if not quiet_for_fork():
            return
        forked = [_Worker.forked(self.lay_out, self.fonts, self.tasks) for _ in range(min(cores(), len(tasks)))]
        self.workers += forked
        self.queue.extend(sorted(tasks))
        for held in range(1, AHEAD + 1):  # in turns, so that each worker starts at once
            for worker in forked:
                self._feed(worker, held)

    def extent(self, index: int) -> Extent:
        """The part's page count and each anchor's page in it."""
        while index not in self.extents and self._with_workers(index) and self._heard():
            pass
        if self.extents.get(index) is None:
            part = self._here(index)
            return len(part.pages), anchor_pages(part.pages)
        return self.extents[index]

    def place(self, starts: dict[int, int]) -> None:
        """Parts' first pages: the workers number and send their parts meanwhile."""
        for index, start in starts.items():
            moved = self.starts.get(index) != start
            self.starts[index] = start
            if moved and self.extents.get(index) and index in self.owner:
                self.owner[index].send(("number", index, start))

    def pages(self, index: int) -> list[Page]:
        """The part's pages, numbered from the first page last placed."""
        start = self.starts[index]
        while self.numbered.get(index, (None,))[0] != start and self._with_workers(index) and self._heard():
            pass
        _, pages = self.numbered.pop(index, (None, None))
        self.owner.pop(index, None)
        return pages or self._here(index).numbered(start)

    def _with_workers(self, index: int) -> bool:
        """Whether a worker has the part, or will: one alive that has its HTML."""
        return index in self.owner or (index in self.queue and any(
            worker.alive and index in worker.knows for worker in self.workers))

    def _feed(self, worker: _Worker, up_to: int = AHEAD) -> None:
        while worker.alive and worker.busy < up_to:
            index = next((index for index in self.queue if index in worker.knows), None)
            if index is None:
                return
            self.queue.remove(index)
            self.owner[index] = worker
            worker.busy += 1
            worker.send(("lay out", index))

    def _heard(self) -> bool:
        """Take the next message from any worker; False when none is left to hear from."""
        alive = {worker.pipe: worker for worker in self.workers if worker.alive}
        if not alive:
            return False
        for pipe in wait(list(alive)):
            worker = alive[pipe]
            message = worker.receive()
            if message is None:  # the worker died: what it had is laid out here
                for index, owner in list(self.owner.items()):
                    if owner is worker:
                        del self.owner[index]
                        self.extents.setdefault(index, None)
                for other in self.workers:  # the parts still queued go to the others
                    self._feed(other)
                continue
            kind, index, value = message
            if kind == "extent":
                self.extents[index] = value
                worker.busy -= 1
                if value is None:
                    del self.owner[index]
                elif index in self.starts:  # placed before it was laid out
                    worker.send(("number", index, self.starts[index]))
                self._feed(worker)
            else:
                start, pickled = value
                # Unpickled now, while the build waits for other parts anyway.
                self.numbered[index] = (start, self._unpickled(index, start, pickled)
                                        if start == self.starts[index] else None)
        return True

    def _unpickled(self, index: int, start: int, pickled: bytes | None) -> list[Page] | None:
        if pickled is None:
            return None
        try:
            pages = internals.unpickled(pickled, self.fonts, self.image)
        except internals.InternalsChanged:
            return None  # laid out here instead
        self.pickles[index] = (start, pickled)
        freeze_kept(collect=False)  # see sections: laid-out pages are left out of garbage collection
        return pages

    def _here(self, index: int) -> Part:
        if index not in self.here:
            self.here[index] = self.lay_out(*self.tasks[index])
            freeze_kept()
        return self.here[index]


class _Worker:
    """One forked worker, seen from the build."""

    def __init__(self, pid: int, pipe: Connection, knows: set[int]):
        self.pid, self.pipe, self.knows = pid, pipe, knows  # knows: the parts it has the HTML of
        self.busy = 0  # parts sent and not yet laid out
        self.alive = True

    @classmethod
    def forked(cls, lay_out: LayOut, fonts: FontConfiguration, tasks: dict[int, tuple[str, bool]]) -> _Worker:
        ours, theirs = Pipe()
        pid = os.fork()
        if pid == 0:
            ours.close()
            _serve(theirs, lay_out, fonts, tasks)
        theirs.close()
        return cls(pid, ours, set(tasks))

    def send(self, message: tuple) -> None:
        if self.alive:
            try:
                self.pipe.send(message)
            except OSError:
                self.alive = False

    def receive(self) -> tuple | None:
        try:
            return self.pipe.recv()
        except (EOFError, OSError):
            self.alive = False
            return None

    def stop(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self.pipe.close()


def _serve(pipe: Connection, lay_out: LayOut, fonts: FontConfiguration,
           tasks: dict[int, tuple[str, bool]]) -> None:
    """In the worker: lay parts out in turn, and between two, number and send those the
    build asks for. A part sent is let go; should the front matter move it, it is laid
    out again. Never return into the build's code."""
    try:
        waiting: deque[int] = deque()
        parts: dict[int, Part] = {}
        while True:
            if waiting and not pipe.poll():
                index = waiting.popleft()
                part = _cleanly(lambda: lay_out(*tasks[index]))
                if part is not None:
                    parts[index] = part
                pipe.send(("extent", index, (len(part.pages), anchor_pages(part.pages)) if part else None))
                continue
            command, index, *arguments = pipe.recv()
            if command == "lay out":
                waiting.append(index)
            else:
                start, = arguments
                part = parts.pop(index, None) or _cleanly(lambda: lay_out(*tasks[index]))
                pickled = _cleanly(lambda: internals.pickled(part.numbered(start), fonts)) if part else None
                pipe.send(("pages", index, (start, pickled)))
                del part
                gc.collect()
    finally:
        os._exit(0)


def _cleanly(work: Callable[[], object]) -> object | None:
    """The work's result, or None if it raised or WeasyPrint warned meanwhile: the
    build then does it itself, and reports what went wrong."""
    class Warned(logging.Handler):
        happened = False

        def emit(self, record: logging.LogRecord) -> None:
            Warned.happened = True

    logger, handler = logging.getLogger("weasyprint"), Warned(logging.WARNING)
    logger.addHandler(handler)
    try:
        result = work()
    except Exception:
        return None
    finally:
        logger.removeHandler(handler)
    return None if Warned.happened else result
