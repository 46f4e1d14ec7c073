"""printfile.finish on small PDF/X-4 files WeasyPrint writes: one behaviour each."""

from __future__ import annotations

import io

import pikepdf
from weasyprint import HTML

from builder.printfile import finish

from .conftest import PROJECT

PROFILE = (PROJECT / "styles" / "icc" / "FOGRA39.icc").as_uri()
PAGE = "@page { size: 100pt 100pt; bleed: 20pt; marks: crop; }"
CMYK = f"""@color-profile device-cmyk {{ src: url("{PROFILE}"); components: cyan, magenta, yellow, black; }}
html {{ color: device-cmyk(0 0 0 1); }}"""
# Paths in RGB black, as WeasyPrint's crop marks are, but part of the page.
BLACK_LINES = ("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' width='40' height='10'>"
               "<path d='M0,5 h40' stroke='black'/></svg>")


def pdf_x(body: str, style: str = "") -> bytes:
    html = f"<html><head><style>{PAGE}{CMYK}{style}</style></head><body>{body}</body></html>"
    return HTML(string=html).write_pdf(pdf_variant="pdf/x-4")


def rgb_operators(pdf: pikepdf.Pdf) -> list[str]:
    found = []
    for page in pdf.pages:
        streams = [page.obj] + [x for x in page.Resources.get("/XObject", {}).values() if x.Subtype == "/Form"]
        for stream in streams:
            found += [str(op) for _, op in pikepdf.parse_content_stream(stream) if str(op) in ("rg", "RG")]
    return found


def opened(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def test_crop_marks_are_set_in_the_registration_colour() -> None:
    before = pdf_x("<p>Text</p>")
    assert rgb_operators(opened(before)), "WeasyPrint draws its marks in RGB"
    after = opened(finish(before))
    assert rgb_operators(after) == []
    spaces = after.pages[0].Resources.ColorSpace
    assert list(spaces.Registration)[:3] == ["/Separation", "/All", "/DeviceCMYK"]


def test_rgb_the_page_itself_paints_is_left_for_the_preflight() -> None:
    """Black RGB lines in an image look like crop marks but are not: they keep their
    colour, so the preflight reports them instead of sending them to every plate."""
    after = opened(finish(pdf_x(f"<p>Text</p><img src=\"{BLACK_LINES}\">")))
    assert rgb_operators(after) == ["rg", "RG"]


def test_links_are_taken_out() -> None:
    before = opened(pdf_x("<p><a href='#there'>A link</a></p><p id='there'>There</p>"))
    assert [str(a.Subtype) for a in before.pages[0].Annots] == ["/Link"]
    after = opened(finish(pdf_x("<p><a href='#there'>A link</a></p><p id='there'>There</p>")))
    assert "/Annots" not in after.pages[0].obj


def test_unused_lab_spaces_are_dropped_and_used_ones_kept() -> None:
    plain = opened(finish(pdf_x("<p>Text</p>")))
    assert not {"/lab-d50", "/lab-d65"} & set(plain.pages[0].Resources.ColorSpace.keys())
    lab = opened(finish(pdf_x("<p style='color: lab(40% 30 20)'>Text</p>")))
    assert "/lab-d50" in lab.pages[0].Resources.ColorSpace


def test_the_output_intent_describes_its_condition() -> None:
    pdf = opened(finish(pdf_x("<p>Text</p>")))
    intent = pdf.Root.OutputIntents[0]
    assert str(intent.OutputConditionIdentifier) == "FOGRA39"
    assert str(intent.OutputCondition) == str(intent.Info) == (
        "FOGRA39 (ISO 12647-2:2004/Amd 1, coated paper), ArgyllCMS colprof")
    assert str(intent.RegistryName) == "http://www.color.org"


def test_the_ids_depend_on_the_content_only() -> None:
    first, second = pdf_x("<p>Text</p>"), pdf_x("<p>Text</p>")
    assert first != second, "WeasyPrint writes a random document id"
    assert finish(first) == finish(second)
    other = opened(finish(pdf_x("<p>Other text</p>")))
    with opened(finish(first)).open_metadata() as one, other.open_metadata() as two:
        assert one["xmpMM:DocumentID"].startswith("uuid:")
        assert one["xmpMM:DocumentID"] != two["xmpMM:DocumentID"]
