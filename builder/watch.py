"""Watch: build, then rebuild whenever the manuscript or the styles change.

One line per rebuild: what changed, what was written, how long it took. A bad
edit prints its problems and the watch goes on; the last good outputs stay as
they were, because `build` writes nothing unless every stage succeeded. The
output folder is never watched, so writing the outputs cannot trigger a build.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable

from watchfiles import watch

from .build import LAYOUTS, Project, build, produce
from .limits import Limits, OverTime, enforced
from .problems import ManuscriptError, display_path
from .sections import LayoutCache


def watch_and_build(project: Project, formats: tuple[str, ...], edition: str, limits: Limits,
                    say: Callable[[str], None] = print) -> None:
    # Kept across rebuilds: an edit lays out again only the parts of the book it touched.
    # On disk too, so that a `builder build` after the watch lays out only what changed.
    cache = LayoutCache(project.output / LAYOUTS)
    started = False
    # The first build waits for the watcher's first wake-up, which comes once it watches:
    # so an edit saved during that build, or as soon as "watching" is printed, is not missed.
    for changes in watch(project.manuscript, project.styles, debounce=150, step=30,
                         rust_timeout=100, yield_on_timeout=True):
        if not started:
            started = True
            _build_once(project, formats, edition, limits, cache, "first build", say)
            say(f"watching {display_path(project.manuscript, Path.cwd())}/ and "
                f"{display_path(project.styles, Path.cwd())}/ (Ctrl-C to stop)")
        elif changes:
            _build_once(project, formats, edition, limits, cache, _describe(path for _, path in changes), say)


def _describe(paths: Iterable[str]) -> str:
    changed = {Path(p) for p in paths}
    # Editors save through short-lived temporary files; name the files that remain.
    remaining = {p for p in changed if p.exists()} or changed
    names = sorted(display_path(p, Path.cwd()) for p in remaining)
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"{shown} changed"


def _build_once(project: Project, formats: tuple[str, ...], edition: str, limits: Limits,
                cache: LayoutCache, why: str, say: Callable[[str], None]) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    started = time.perf_counter()
    try:
        outcome = build(project, formats, edition, limits=limits, cache=cache)
    except ManuscriptError as error:
        for problem in error.problems:
            say(str(problem))
        count = len(error.problems)
        say(f"[{stamp}] {why}: {count} problem{'s' if count != 1 else ''}; the last good outputs are untouched")
        return
    took = time.perf_counter() - started
    if outcome.up_to_date:
        say(f"[{stamp}] {why}: outputs already up to date ({took:.2f} s)")
        if not cache.parts and "pdf" in formats:
            _lay_out_ahead(project, edition, limits, cache, say)
        return
    names = ", ".join(p.name for p in outcome.written)
    say(f"[{stamp}] {why}: rebuilt {names}, laying out {cache.laid_out} of {cache.part_count} parts, "
        f"in {took:.1f} s")


def _lay_out_ahead(project: Project, edition: str, limits: Limits, cache: LayoutCache,
                   say: Callable[[str], None]) -> None:
    """Fill the layout cache of a watch that began on outputs already up to date: else its
    first edit would lay out the whole book, not just the part it touched."""
    started = time.perf_counter()
    try:
        with enforced(limits):
            produce(project, ("pdf",), edition, cache=cache)
    except (ManuscriptError, OverTime, MemoryError):
        return  # the next edit lays everything out, and reports what is wrong
    say(f"laid out the book for the next edit in {time.perf_counter() - started:.1f} s")
