"""The print shop's preflight of the print edition (`--edition print`, PDF/X-4), on the
shipped manuscript and on the fixture: colour (no RGB or Lab anywhere in the file; text,
rules and tints in CMYK; crop marks on every plate), the output intent (a CMYK printer
profile naming its printing condition), page boxes, embedded fonts, rule weights, what
the file declares, a file qpdf and Ghostscript read cleanly, and two builds
byte-identical.

The PDF is read with pikepdf and with poppler's, qpdf's and Ghostscript's own tools
(Debian packages poppler-utils, qpdf, ghostscript); a missing tool fails the test."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pikepdf
import pytest

from builder.build import Project, produce
from builder.models import TRIM_SIZES

from .conftest import FIXTURES, PROJECT

STYLES = PROJECT / "styles"
MANUSCRIPTS = {"fixture": FIXTURES / "minimal", "shipped": PROJECT / "manuscript"}
POINTS = {"in": 72, "mm": 72 / 25.4}
THINNEST_RULE = 0.5  # pt
TOOL_TIMEOUT = 120  # s
PACKAGES = {"pdffonts": "poppler-utils", "qpdf": "qpdf", "gs": "ghostscript"}


def tool(name: str, *args: str) -> subprocess.CompletedProcess:
    """Run a checker; its absence is a failure, with the package that brings it."""
    if shutil.which(name) is None:
        pytest.fail(f"{name} is not installed: apt-get install {PACKAGES[name]}")
    return subprocess.run([name, *args], capture_output=True, text=True, timeout=TOOL_TIMEOUT)


def print_build(manuscript: Path, output: Path, styles: Path = STYLES):
    return produce(Project(manuscript, styles, output), formats=("pdf",), edition="print")


@dataclass
class PrintFile:
    trim: str  # the profile's trim size, e.g. 6x9
    date: str  # the build's date (SOURCE_DATE_EPOCH or the edition's), as XMP writes it
    data: bytes
    again: bytes  # a second build of the same manuscript
    path: Path  # the file on disk, for the command-line checkers

    @cached_property
    def pdf(self) -> pikepdf.Pdf:
        return pikepdf.open(io.BytesIO(self.data))


@pytest.fixture(scope="module", params=sorted(MANUSCRIPTS))
def printed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> PrintFile:
    """The print edition of each manuscript, built twice. A manuscript that does not
    build fails here: the preflight never skips."""
    manuscript = MANUSCRIPTS[request.param]
    first = print_build(manuscript, tmp_path_factory.mktemp("print-1"))
    second = print_build(manuscript, tmp_path_factory.mktemp("print-2"))
    path = tmp_path_factory.mktemp("print-file") / "print.pdf"
    path.write_bytes(first.layout.pdf)
    return PrintFile(first.context.manuscript.profile.trim, first.context.build_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
                     first.layout.pdf, second.layout.pdf, path)


# ---- Colour -------------------------------------------------------------------------

DEVICE_SPACES = {"/DeviceRGB": "RGB", "/RGB": "RGB", "/CalRGB": "RGB", "/DeviceCMYK": "CMYK", "/CMYK": "CMYK",
                 "/DeviceGray": "Gray", "/G": "Gray", "/CalGray": "Gray", "/Lab": "Lab", "/Pattern": "Pattern"}
ICC_SPACES = {b"RGB ": "RGB", b"CMYK": "CMYK", b"GRAY": "Gray", b"Lab ": "Lab", b"XYZ ": "XYZ"}
FORBIDDEN = {"RGB", "Lab", "XYZ"}


def family(space) -> str:
    """RGB, CMYK, Gray, Lab, XYZ, Pattern, Separation(base) or DeviceN(base) for a colour space."""
    if isinstance(space, pikepdf.Name):
        return DEVICE_SPACES.get(str(space), str(space))
    kind = str(space[0])
    if kind == "/ICCBased":
        return ICC_SPACES.get(space[1].read_bytes()[16:20], "unknown ICC")
    if kind in ("/Separation", "/DeviceN"):
        return family(space[2])  # what the ink turns into where it is not printed as such
    if kind == "/Indexed":
        return family(space[1])
    if kind == "/Pattern":
        return family(space[1]) if len(space) > 1 else "Pattern"
    return DEVICE_SPACES.get(kind, kind)


def colour_findings(pdf: pikepdf.Pdf) -> list[str]:
    """Every RGB or Lab colour the file uses or names, and where: page contents, their
    resources (colour spaces, images, shadings, patterns, form XObjects and their
    transparency groups, soft masks), annotations' appearance streams, page groups."""
    found: list[str] = []
    seen: set[tuple[int, int]] = set()

    def note(where: str, what: str, space) -> None:
        kind = family(space)
        if kind in FORBIDDEN:
            found.append(f"{where}: {what} in {kind}")

    def resources(where: str, res) -> None:
        if res is None:
            return
        for name, space in res.get("/ColorSpace", {}).items():
            note(where, f"colour space {name}", space)
        for name, x in res.get("/XObject", {}).items():
            xobject(f"{where} > {name}", x)
        for name, shading in res.get("/Shading", {}).items():
            note(where, f"shading {name}", shading.ColorSpace)
        for name, pattern in res.get("/Pattern", {}).items():
            if "/Shading" in pattern:
                note(where, f"pattern {name}", pattern.Shading.ColorSpace)
            else:
                content(f"{where} > pattern {name}", pattern)
        for name, state in res.get("/ExtGState", {}).items():
            mask = state.get("/SMask")
            if isinstance(mask, pikepdf.Dictionary) and "/G" in mask:
                xobject(f"{where} > soft mask of {name}", mask.G)

    def xobject(where: str, x) -> None:
        if x.is_indirect and x.objgen in seen:
            return
        if x.is_indirect:
            seen.add(x.objgen)
        if x.get("/Subtype") == "/Image":
            if not x.get("/ImageMask", False):
                note(where, "image", x.ColorSpace)
            if "/SMask" in x:
                xobject(f"{where} > soft mask", x.SMask)
        elif x.get("/Subtype") == "/Form":
            group(where, x)
            content(where, x)

    def group(where: str, holder) -> None:
        blending = holder.get("/Group")
        if blending is not None and "/CS" in blending:
            note(where, "transparency group", blending.CS)

    def content(where: str, stream) -> None:
        res = stream.get("/Resources")
        for item in pikepdf.parse_content_stream(stream):
            if isinstance(item, pikepdf.ContentStreamInlineImage):
                space = item.iimage.obj.get("/ColorSpace", item.iimage.obj.get("/CS"))
                if space is not None:
                    named = res.ColorSpace[space] if res is not None and space in res.get("/ColorSpace", {}) else space
                    note(where, "inline image", named)
                continue
            operator = str(item.operator)
            if operator in ("rg", "RG"):
                found.append(f"{where}: {operator} (RGB) {[float(v) for v in item.operands]}")
            elif operator in ("cs", "CS"):
                name = item.operands[0]
                named = res.ColorSpace[name] if res is not None and name in res.get("/ColorSpace", {}) else name
                note(where, f"{operator} {name}", named)
        resources(where, res)

    for number, page in enumerate(pdf.pages, start=1):
        where = f"page {number}"
        group(where, page.obj)
        content(where, page.obj)
        for annotation in page.obj.get("/Annots", []):
            for state in annotation.get("/AP", {}).values():
                streams = [state] if isinstance(state, pikepdf.Stream) else list(state.values())
                for stream in streams:
                    group(f"{where} > annotation", stream)
                    content(f"{where} > annotation", stream)
    return found


def stray_colour_spaces(pdf: pikepdf.Pdf) -> list[str]:
    """Any RGB or Lab colour space anywhere in the file, reachable from a page or not."""
    found = []
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Array) and len(obj) and isinstance(obj[0], pikepdf.Name):
            if str(obj[0]) in ("/ICCBased", "/Lab", "/CalRGB") and family(obj) in FORBIDDEN:
                found.append(f"object {obj.objgen}: {obj[0]} {family(obj)}")
        if isinstance(obj, pikepdf.Stream) and obj.get("/N") == 3:
            found.append(f"object {obj.objgen}: a three-component (RGB) ICC profile")
        if isinstance(obj, pikepdf.Dictionary):
            for key, value in obj.items():
                if isinstance(value, pikepdf.Name) and str(value) in ("/DeviceRGB", "/CalRGB"):
                    found.append(f"object {obj.objgen}: {key} {value}")
    return found


def test_no_rgb_or_lab_colour_in_any_page_or_resource(printed: PrintFile) -> None:
    assert colour_findings(printed.pdf) == []


def test_no_rgb_or_lab_colour_space_anywhere_in_the_file(printed: PrintFile) -> None:
    assert stray_colour_spaces(printed.pdf) == []


def test_the_preflight_finds_rgb_where_there_is_some(tmp_path: Path) -> None:
    """The checks above catch a colour the print shop's sheet forgot to set in CMYK."""
    styles = tmp_path / "styles"
    shutil.copytree(STYLES, styles)
    with (styles / "print-shop.css").open("a", encoding="utf-8") as sheet:
        sheet.write("\n.chapter-title { color: rgb(20% 0% 0%); }\n")
    data = print_build(FIXTURES / "minimal", tmp_path / "out", styles).layout.pdf
    findings = colour_findings(pikepdf.open(io.BytesIO(data)))
    assert findings and all("RGB" in finding for finding in findings)


def test_text_rules_and_tints_are_in_cmyk(printed: PrintFile) -> None:
    """What the pages and their forms paint is painted in DeviceCMYK, but for the crop
    marks' registration colour (see below); no colour is set by a gray or RGB
    operator either."""
    painted, shorthands, seen = set(), set(), set()
    for page in printed.pdf.pages:
        forms = [x for x in page.Resources.get("/XObject", {}).values()
                 if x.get("/Subtype") == "/Form" and x.objgen not in seen]
        seen.update(form.objgen for form in forms)
        for stream in [page.obj, *forms]:
            for operands, operator in pikepdf.parse_content_stream(stream):
                if str(operator) in ("cs", "CS"):
                    painted.add(str(operands[0]))
                elif str(operator) in ("g", "G", "rg", "RG"):
                    shorthands.add(str(operator))
    assert painted == {"/DeviceCMYK", "/Registration"} and shorthands == set()


def test_crop_marks_print_on_every_plate(printed: PrintFile) -> None:
    """The marks WeasyPrint draws outside the bleed are in the registration colour, a
    Separation "All", on every page."""
    strokes_registration: dict[tuple[int, int], bool] = {}

    def registration_stroke(form, spaces) -> bool:
        if form.objgen not in strokes_registration:
            named = {name for name, space in spaces.items() if isinstance(space, pikepdf.Array)
                     and space[0] == "/Separation" and space[1] == "/All"}
            strokes_registration[form.objgen] = any(str(op) == "CS" and operands[0] in named
                                                    for operands, op in pikepdf.parse_content_stream(form))
        return strokes_registration[form.objgen]

    for number, page in enumerate(printed.pdf.pages, start=1):
        forms, spaces = page.Resources.get("/XObject", {}), page.Resources.get("/ColorSpace", {})
        painted = [forms[operands[0]] for operands, op in pikepdf.parse_content_stream(page) if str(op) == "Do"]
        assert any(registration_stroke(form, spaces) for form in painted), \
            f"page {number} has no crop marks in the registration colour"


# ---- Output intent ------------------------------------------------------------------

def output_intent(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    intents = list(pdf.Root.get("/OutputIntents", []))
    assert [str(intent.S) for intent in intents] == ["/GTS_PDFX"], "one PDF/X output intent"
    return intents[0]


def test_output_intent_is_a_cmyk_printer_profile(printed: PrintFile) -> None:
    intent = output_intent(printed.pdf)
    profile = intent.DestOutputProfile
    header = profile.read_bytes()[:128]
    assert header[36:40] == b"acsp", "an ICC profile"
    assert (header[12:16], header[16:20]) == (b"prtr", b"CMYK"), "an output (printer) profile for CMYK"
    assert header[20:24] in (b"Lab ", b"XYZ ")
    assert int(profile.N) == 4


def test_output_intent_names_its_printing_condition(printed: PrintFile) -> None:
    intent = output_intent(printed.pdf)
    assert str(intent.OutputConditionIdentifier) == "FOGRA39"
    assert str(intent.RegistryName) == "http://www.color.org"
    assert str(intent.Info).startswith("FOGRA39 (ISO 12647-2")
    assert str(intent.OutputCondition) == str(intent.Info)


def test_the_shipped_profile_is_the_one_embedded_and_has_its_licence() -> None:
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(str(STYLES / "icc" / "FOGRA39.icc")).profile
    assert (profile.device_class, profile.xcolor_space.strip(), profile.model) == ("prtr", "CMYK", "FOGRA39")
    licence = (STYLES / "icc" / "FOGRA39-LICENSE.txt").read_text(encoding="utf-8")
    assert "zlib" in licence and "FOGRA39L.ti3" in licence and "colprof" in licence
    assert 'src: url("icc/FOGRA39.icc")' in (STYLES / "print-shop.css").read_text(encoding="utf-8")


# ---- Page boxes ---------------------------------------------------------------------

def box(page: pikepdf.Page, name: str) -> tuple[float, float, float, float]:
    assert name in page.obj, f"no {name}"
    left, bottom, right, top = (float(v) for v in page.obj[name])
    return min(left, right), min(bottom, top), max(left, right), max(bottom, top)


def inside(inner: tuple, outer: tuple) -> bool:
    return (inner[0] >= outer[0] - 0.01 and inner[1] >= outer[1] - 0.01
            and inner[2] <= outer[2] + 0.01 and inner[3] <= outer[3] + 0.01)


def test_trim_and_bleed_boxes_on_every_page_are_consistent(printed: PrintFile) -> None:
    width, height = (float(size[:-2]) * POINTS[size[-2:]] for size in TRIM_SIZES[printed.trim])
    first = None
    for number, page in enumerate(printed.pdf.pages, start=1):
        media, bleed, trim = box(page, "/MediaBox"), box(page, "/BleedBox"), box(page, "/TrimBox")
        assert (trim[2] - trim[0], trim[3] - trim[1]) == pytest.approx((width, height), abs=0.01), f"page {number}"
        assert inside(trim, bleed) and inside(bleed, media), f"page {number}: trim in bleed in media"
        margins = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
        assert min(margins) >= 9, f"page {number}: a bleed of at least 1/8 in on every side"
        if "/CropBox" in page.obj:
            assert inside(bleed, box(page, "/CropBox")), f"page {number}"
        boxes = (media, bleed, trim)
        assert first is None or boxes == first, f"page {number}: the same boxes as page 1"
        first = first or boxes


def test_no_annotation_where_the_page_prints(printed: PrintFile) -> None:
    """PDF/X allows only printer's marks and trap networks inside the bleed box."""
    for number, page in enumerate(printed.pdf.pages, start=1):
        kinds = [str(a.get("/Subtype")) for a in page.obj.get("/Annots", [])]
        assert set(kinds) <= {"/PrinterMark", "/TrapNet"}, f"page {number}: {kinds}"


# ---- Fonts --------------------------------------------------------------------------

def test_every_font_is_embedded(printed: PrintFile) -> None:
    listing = tool("pdffonts", str(printed.path))
    assert listing.returncode == 0, listing.stderr
    rows = listing.stdout.splitlines()[2:]
    assert rows, "the book uses fonts"
    header = listing.stdout.splitlines()[0]
    column = header.index("emb")
    assert [row for row in rows if row[column:column + 3].strip() != "yes"] == []
    for page in printed.pdf.pages:
        for name, font in page.Resources.get("/Font", {}).items():
            descriptors = [font.get("/FontDescriptor")] + [d.get("/FontDescriptor") for d in font.get("/DescendantFonts", [])]
            programs = [d for d in descriptors if d is not None and {"/FontFile", "/FontFile2", "/FontFile3"} & set(d.keys())]
            assert programs, f"{name} ({font.get('/BaseFont')}) has no embedded program"


# ---- Rules --------------------------------------------------------------------------

PAINT = {"f", "F", "f*", "B", "B*", "b", "b*"}
STROKE = {"S", "s", "B", "B*", "b", "b*"}


def thinnest_marks(pdf: pikepdf.Pdf) -> list[tuple[float, str]]:
    """(width in pt, where) of every stroked line and every filled rule: a filled rectangle
    under 3 pt across, or a side of a frame filled even-odd between two rectangles, which
    is how WeasyPrint draws borders."""
    found: list[tuple[float, str]] = []

    def rect(operands, ctm: pikepdf.Matrix) -> tuple[float, float, float, float] | None:
        """x0, y0, x1, y1 on the page; None if the matrix turns or shears it."""
        if ctm.b or ctm.c:
            return None
        x, y, w, h = map(float, operands)
        xs, ys = sorted((x * ctm.a + ctm.e, (x + w) * ctm.a + ctm.e)), sorted((y * ctm.d + ctm.f, (y + h) * ctm.d + ctm.f))
        return xs[0], ys[0], xs[1], ys[1]

    def run(stream, ctm: pikepdf.Matrix, where: str) -> None:
        saved, width, rects = [], 1.0, []
        res = stream.get("/Resources")
        for operands, operator in ((i.operands, str(i.operator)) for i in pikepdf.parse_content_stream(stream)
                                   if not isinstance(i, pikepdf.ContentStreamInlineImage)):
            if operator == "q":
                saved.append((ctm, width))
            elif operator == "Q":
                ctm, width = saved.pop()
            elif operator == "cm":
                ctm = pikepdf.Matrix(*map(float, operands)) @ ctm
            elif operator == "w":
                width = float(operands[0])
            elif operator == "re":
                rects.append(rect(operands, ctm))
            elif operator in ("m", "l", "c", "v", "y", "h"):
                rects.append(None)
            elif operator in PAINT | STROKE | {"n", "W", "W*"}:
                if operator in STROKE:
                    found.append((width * (abs(ctm.a * ctm.d - ctm.b * ctm.c) ** 0.5), where))
                if operator in PAINT and rects and None not in rects:
                    if len(rects) == 1:
                        x0, y0, x1, y1 = rects[0]
                        if min(x1 - x0, y1 - y0) < 3:
                            found.append((min(x1 - x0, y1 - y0), where))
                    elif len(rects) == 2 and operator.endswith("*"):
                        outer, inner = sorted(rects, key=lambda r: (r[2] - r[0]) * (r[3] - r[1]), reverse=True)
                        sides = [inner[0] - outer[0], inner[1] - outer[1], outer[2] - inner[2], outer[3] - inner[3]]
                        found.extend((side, where) for side in sides if side > 1e-6)
                if operator not in ("W", "W*"):
                    rects = []
            elif operator == "Do" and res is not None:
                form = res.get("/XObject", {}).get(operands[0])
                if form is not None and form.get("/Subtype") == "/Form":
                    matrix = pikepdf.Matrix(*map(float, form.get("/Matrix", [1, 0, 0, 1, 0, 0])))
                    run(form, matrix @ ctm, f"{where} > {operands[0]}")

    for number, page in enumerate(pdf.pages, start=1):
        run(page.obj, pikepdf.Matrix(), f"page {number}")
    return found


def test_no_rule_is_thinner_than_half_a_point(printed: PrintFile) -> None:
    marks = thinnest_marks(printed.pdf)
    assert marks, "the book has rules (tables, the note rule, crop marks)"
    assert [(round(w, 3), where) for w, where in marks if w < THINNEST_RULE - 0.005] == []


# ---- What the file declares, and tools that read it ---------------------------------

XMP = {"pdfxid": "http://www.npes.org/pdfx/ns/id/", "xmpMM": "http://ns.adobe.com/xap/1.0/mm/",
       "pdf": "http://ns.adobe.com/pdf/1.3/"}


def test_the_file_declares_pdf_x4_with_stable_ids(printed: PrintFile) -> None:
    pdf = printed.pdf
    assert pdf.pdf_version == "1.6", "PDF/X-4 is PDF 1.6"
    assert not pdf.is_encrypted
    with pdf.open_metadata() as xmp:
        assert xmp.get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"
        assert xmp.get("pdf:Trapped") == "False"
        assert xmp.get("xmpMM:DocumentID", "").startswith("uuid:")
        assert xmp.get("xmpMM:DocumentID") == xmp.get("xmpMM:InstanceID")
        assert xmp.get("xmpMM:VersionID") and xmp.get("xmpMM:RenditionClass")
        assert xmp.get("xmp:MetadataDate") == xmp.get("xmp:ModifyDate") == printed.date, "not the time of the build"
    assert str(pdf.docinfo.Trapped) == "/False" and str(pdf.docinfo.Title)
    assert "/Filter" not in pdf.Root.Metadata, "the XMP packet stays readable as text"


def test_qpdf_finds_no_error(printed: PrintFile) -> None:
    checked = tool("qpdf", "--check", str(printed.path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No syntax or stream encoding errors" in checked.stdout


def test_ghostscript_renders_every_page_without_complaint(printed: PrintFile) -> None:
    rendered = tool("gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=nullpage", str(printed.path))
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.strip() == "" and rendered.stderr.strip() == ""


# ---- Reproducible -------------------------------------------------------------------

def test_two_print_builds_are_byte_identical(printed: PrintFile) -> None:
    assert printed.data == printed.again


def test_a_print_build_from_the_watchs_layout_cache_passes_too(tmp_path: Path) -> None:
    """Built again from `builder watch`'s cache, the print file keeps its colour and embeds
    the very same profile (lcms writes a profile anew once WeasyPrint has read its name)."""
    from builder.sections import LayoutCache

    cache, project = LayoutCache(), Project(FIXTURES / "minimal", STYLES, tmp_path)
    first, again = (pikepdf.open(io.BytesIO(produce(project, formats=("pdf",), edition="print", cache=cache)
                                            .layout.pdf)) for _ in range(2))
    assert colour_findings(again) == [] and stray_colour_spaces(again) == []
    profiles = [output_intent(pdf).DestOutputProfile.read_bytes() for pdf in (first, again)]
    assert profiles[0] == profiles[1]
