"""Frozen: what Python's garbage collector may leave alone while a book is laid out and written.

Laid-out pages live until the PDF is written; rescanning them at every collection the
next layouts set off took a quarter of a long book's layout, and a fork whose collector
touched them would copy them all. `gc.freeze` moves everything alive to a generation the
collector skips; `gc.unfreeze` moves it all back, at once. So that scopes can nest (the
layout within a build, a fork taken while writing), only the outermost scope's end
unfreezes: one scope inside another cannot thaw what the outer one froze.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

_depth = 0


@contextmanager
def frozen() -> Iterator[None]:
    """What is alive now, and whatever `freeze_kept` freezes meanwhile, is left out of
    collection until the outermost such scope ends."""
    global _depth
    _depth += 1
    try:
        gc.freeze()
        yield
    finally:
        _depth -= 1
        if not _depth:
            gc.unfreeze()


def freeze_kept(collect: bool = True) -> None:
    """Within a `frozen` scope: collect the garbage made so far (unless told it made
    none), then freeze what is left (pages just laid out among it). Garbage frozen with
    them would stay until the scope ends. Outside any scope this does nothing: nothing
    would ever unfreeze it."""
    if _depth:
        if collect:
            gc.collect()
        gc.freeze()
