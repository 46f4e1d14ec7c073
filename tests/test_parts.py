"""A part laid out from page 1 and numbered afterwards is what a layout begun at its page gives."""

from __future__ import annotations

import pytest
from weasyprint import CSS

from builder import parts

from .conftest import Printing


@pytest.mark.parametrize("start", [3, 37, 1001])
def test_a_part_numbered_later_draws_what_a_layout_begun_there_draws(printing: Printing, start: int) -> None:
    html = printing.html(printing.book.parts[0], ends_on_verso=True)
    begun_there = printing.render(html, [*printing.sheets, CSS(string=f"@page :first {{ counter-reset: page {start} }}")])
    part = parts.lay_out(html, printing.sheets, printing.render, ends_on_verso=True)
    numbered = part.numbered(start)
    assert len(numbered) == len(begun_there.pages) - 1 >= 2  # the sentinel's page is dropped
    assert printing.pdf(numbered) == printing.pdf(begun_there.pages[:-1])
    assert printing.pdf(numbered) != printing.pdf(parts.lay_out(html, printing.sheets, printing.render, True).pages)


def test_a_part_can_be_numbered_again(printing: Printing) -> None:
    html = printing.html(printing.book.parts[0], ends_on_verso=True)
    part = parts.lay_out(html, printing.sheets, printing.render, ends_on_verso=True)
    part.numbered(9)
    again = part.numbered(5)
    assert printing.pdf(again) == printing.pdf(parts.lay_out(html, printing.sheets, printing.render, True).numbered(5))
