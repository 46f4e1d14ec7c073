"""Parts laid out by forked workers come back as the parts laid out here would be; a part a
worker cannot lay out, or a worker that dies, leaves the part to the build."""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path

import pytest
from weasyprint.images import SVGImage

from builder import parts, workers
from builder import weasyprint_internals as internals
from builder.workers import Layouts

from .conftest import Printing

# A part with what a pickle cannot carry as is: an SVG image (it holds its layout context)
# and a flex item (WeasyPrint marks it with a lambda).
SHOWCASE = ('<section class="chapter" id="showcase"><h1>Showcase</h1>'
            '<p><img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%2220%22 '
            'height=%2210%22%3E%3Crect width=%2220%22 height=%2210%22/%3E%3C/svg%3E" alt="A box"></p>'
            '<div style="display: flex"><p>One</p><p>Two</p></div></section>')


@pytest.fixture(autouse=True)
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers are forked only where there are two cores; let these tests have them."""
    monkeypatch.setattr(workers, "cores", lambda: 2)


def laid_out(printing: Printing, lay_out, bodies: list[str]) -> tuple[list[list], Layouts]:
    """Every part's pages, numbered from page 7 on, and the layouts that made them."""
    front = parts.lay_out(printing.html(printing.book.front, True), printing.sheets, printing.render, True)

    with Layouts(lay_out, printing.fonts, images_of(front)) as layouts:
        layouts.start({index: (body, True) for index, body in enumerate(bodies)})
        start = 7
        for index in range(len(bodies)):
            layouts.place({index: start})
            start += layouts.extent(index)[0]
        return [layouts.pages(index) for index in range(len(bodies))], layouts


def images_of(front: parts.Part):
    return internals.images_of(internals.layout_context(front.document))


def lay_out_with(printing: Printing):
    def lay_out(body: str, ends_on_verso: bool) -> parts.Part:
        return parts.lay_out(printing.html(body, ends_on_verso), printing.sheets, printing.render, ends_on_verso)
    return lay_out


@pytest.fixture(scope="module")
def bodies(printing: Printing) -> list[str]:
    return [*printing.book.parts[:2], SHOWCASE]


@pytest.fixture(scope="module")
def here(printing: Printing, bodies: list[str]) -> bytes:
    """The same parts laid out in this process, numbered alike."""
    pages: list = []
    for body in bodies:
        pages += lay_out_with(printing)(body, True).numbered(7 + len(pages))
    return printing.pdf(pages)


def test_parts_from_the_workers_print_as_parts_laid_out_here(printing: Printing, bodies, here: bytes) -> None:
    pages, layouts = laid_out(printing, lay_out_with(printing), bodies)
    assert not layouts.here and len(layouts.workers) == 2  # nothing was laid out in this process
    drawn = [layer.image for part in pages for page in part for box in page._page_box.descendants()
             for layer in (box.background.layers if box.background else ()) if layer.image]
    assert any(isinstance(image, SVGImage) for image in drawn)  # the notes' rule
    assert printing.pdf([page for part in pages for page in part]) == here


def test_a_part_a_worker_cannot_lay_out_is_laid_out_here(printing: Printing, bodies, here: bytes) -> None:
    build = os.getpid()
    lay_out = lay_out_with(printing)

    def failing_in_workers(body: str, ends_on_verso: bool) -> parts.Part:
        if os.getpid() != build and body == SHOWCASE:
            raise RuntimeError("as a broken image or a bad URL would")
        return lay_out(body, ends_on_verso)

    pages, layouts = laid_out(printing, failing_in_workers, bodies)
    assert list(layouts.here) == [2]
    assert printing.pdf([page for part in pages for page in part]) == here


def test_a_part_whose_layout_warns_in_a_worker_is_laid_out_here(printing: Printing, bodies) -> None:
    # Here is where WeasyPrint's warnings become the build's problems.
    warning = '<p style="colr: red">A typo in a style.</p>'
    _, layouts = laid_out(printing, lay_out_with(printing), [*bodies[:2], warning])
    assert list(layouts.here) == [2]


def test_the_parts_of_a_worker_that_dies_are_laid_out_here(printing: Printing, bodies, here: bytes) -> None:
    build = os.getpid()
    lay_out = lay_out_with(printing)

    def dying_in_workers(body: str, ends_on_verso: bool) -> parts.Part:
        if os.getpid() != build and body == SHOWCASE:
            os._exit(1)
        return lay_out(body, ends_on_verso)

    pages, layouts = laid_out(printing, dying_in_workers, bodies)
    assert 2 in layouts.here
    assert printing.pdf([page for part in pages for page in part]) == here


def test_one_part_is_laid_out_here_without_a_worker(printing: Printing, bodies) -> None:
    _, layouts = laid_out(printing, lay_out_with(printing), bodies[:1])
    assert not layouts.workers and list(layouts.here) == [0]


def test_the_workers_are_stopped_when_the_layout_ends(printing: Printing, bodies) -> None:
    _, layouts = laid_out(printing, lay_out_with(printing), bodies)
    assert layouts.workers
    for worker in layouts.workers:
        assert not Path(f"/proc/{worker.pid}").exists()


def test_no_fork_is_taken_while_a_pango_helper_thread_runs() -> None:
    # Such a thread holds fontconfig's lock; a fork taken beside it would hang.
    started, release = threading.Event(), threading.Event()

    def pango_like() -> None:
        ctypes.CDLL(None).prctl(15, b"[pango] FcFontSetSort", 0, 0, 0)  # PR_SET_NAME
        started.set()
        release.wait()

    helper = threading.Thread(target=pango_like)
    helper.start()
    started.wait()
    try:
        assert not workers.quiet_for_fork(timeout=0.1)
    finally:
        release.set()
        helper.join()
    assert workers.quiet_for_fork(timeout=1)


def test_a_thread_of_the_process_s_own_does_not_stop_the_forks() -> None:
    # builder watch has its file watcher's thread; a test runner may have some.
    release = threading.Event()
    helper = threading.Thread(target=release.wait)
    helper.start()
    try:
        assert workers.quiet_for_fork(timeout=1)
    finally:
        release.set()
        helper.join()


def test_parts_handed_out_later_go_to_workers_forked_then(printing: Printing, bodies) -> None:
    # A worker is sent only a part's index: it has the HTML of the parts it was forked with.
    front = parts.lay_out(printing.html(printing.book.front, True), printing.sheets, printing.render, True)
    with Layouts(lay_out_with(printing), printing.fonts, images_of(front)) as layouts:
        layouts.start({0: (bodies[0], True), 1: (bodies[1], True)})
        first = [layouts.extent(index) for index in (0, 1)]
        layouts.start({2: (bodies[2], True), 3: (bodies[0], True)})
        later = [layouts.extent(index) for index in (2, 3)]
        assert len(layouts.workers) == 4 and not layouts.here
        assert later[1] == first[0]
        layouts.place({0: 1, 1: 11, 2: 21, 3: 31})
        assert [len(layouts.pages(index)) for index in range(4)] == [first[0][0], first[1][0], later[0][0], first[0][0]]
        assert not layouts.here
