"""One scope for gc.freeze that nests: an inner scope's end does not thaw what the outer froze."""

from __future__ import annotations

import gc

from builder.frozen import freeze_kept, frozen


def test_an_inner_scope_does_not_thaw_the_outer_one() -> None:
    gc.unfreeze()
    with frozen():
        with frozen():
            assert gc.get_freeze_count() > 0
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_what_is_kept_meanwhile_is_frozen_until_the_scope_ends() -> None:
    gc.unfreeze()
    with frozen():
        before = gc.get_freeze_count()
        kept = [[n] for n in range(10_000)]
        freeze_kept()
        assert gc.get_freeze_count() >= before + len(kept)
    assert gc.get_freeze_count() == 0


def test_outside_any_scope_nothing_is_frozen() -> None:
    gc.unfreeze()
    freeze_kept()
    assert gc.get_freeze_count() == 0


def test_a_scope_left_by_an_exception_still_thaws() -> None:
    gc.unfreeze()
    try:
        with frozen():
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert gc.get_freeze_count() == 0
