"""Print file: finish WeasyPrint's PDF/X-4 as a press's preflight expects it.

Owns what WeasyPrint 70 leaves undone in a PDF/X file, rewritten with pikepdf
after the PDF is written:

- the crop marks, which WeasyPrint draws in RGB black, are set in the
  registration colour (a Separation "All"), so they print on every plate;
- the colour spaces WeasyPrint puts in every resource dictionary whether used
  or not (two Lab spaces) are dropped when no content uses them, so the file
  names no RGB or Lab colour at all;
- the links WeasyPrint writes as annotations are taken out: PDF/X allows none but
  printer's marks and trap networks where the page prints, and paper has no links;
- the output intent is described: its condition as the profile's description
  and the ICC's registry as where its identifier is defined (WeasyPrint writes
  the profile's model tag, e.g. "FOGRA39", as the identifier and nothing else);
- the XMP document id, a random uuid in WeasyPrint, is derived from the file's
  content, and the trailer id likewise, so two builds of one book are
  byte-identical (and so is the embedded profile, which lcms writes differently
  once it has been read).
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator, String
from PIL import ImageCms

REGISTRATION = Name("/Registration")
# The annotations PDF/X allows where the page prints.
PRINTABLE_ANNOTATIONS = (Name("/PrinterMark"), Name("/TrapNet"))
# Where a registered printing condition (FOGRA39, GRACoL2013, …) is defined.
ICC_REGISTRY = "http://www.color.org"
# WeasyPrint's crop marks set 0 0 0 rg / RG: each becomes the registration colour at full tint.
RGB_BLACK = {"rg": ("cs", "scn"), "RG": ("CS", "SCN")}
# A page's crop marks are painted in its first lines: this many bytes hold them.
HEAD = 2048
PAINTS_FORM = re.compile(rb"\sDo\b")
SETS_SPACE = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+(?:cs|CS)\b")
SETS_COLOUR = {"rg", "RG", "g", "G", "k", "K", "cs", "CS", "sc", "SC", "scn", "SCN"}
# All a crop mark needs: graphics state, paths and their painting.
PATH_ONLY = SETS_COLOUR | {"q", "Q", "cm", "gs", "w", "d", "J", "j", "M", "m", "l", "c", "v", "y", "h",
                           "re", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"}


def finish(pdf: bytes) -> bytes:
    """The PDF/X file WeasyPrint wrote, made ready for the press."""
    with pikepdf.open(io.BytesIO(pdf)) as book:
        _registration_marks(book)
        _drop_annotations(book)
        _drop_unused_colour_spaces(book)
        _describe_output_intent(book)
        # The ids are made from the finished file written with blank ones.
        _set_ids(book, bytes(16))
        _set_ids(book, hashlib.sha256(_saved(book)).digest()[:16])
        return _saved(book)


def _set_ids(book: pikepdf.Pdf, digest: bytes) -> None:
    """The XMP document and instance ids, and the file id's first half, which qpdf keeps
    (it makes the second half from the bytes it writes)."""
    book.trailer.ID = Array([String(digest), String(digest)])
    document_id = f"uuid:{uuid.UUID(bytes=digest, version=4)}"
    with book.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp["xmpMM:DocumentID"] = document_id
        xmp["xmpMM:InstanceID"] = document_id


def _saved(book: pikepdf.Pdf) -> bytes:
    finished = io.BytesIO()
    # compress_streams=False leaves WeasyPrint's compression as it is, and the XMP packet
    # uncompressed, where preflight tools look for it.
    book.save(finished, deterministic_id=True, compress_streams=False)
    return finished.getvalue()


def _registration_marks(book: pikepdf.Pdf) -> None:
    """Set WeasyPrint's crop marks in the registration colour.

    They are the forms a page paints first, before anything else, each covering its
    whole media box and made of paths in RGB black only (a page laid out again from
    `builder watch`'s cache paints them twice). Anything else in RGB is left as it is,
    for the preflight to report."""
    for page in book.pages:
        for form in _first_forms_covering_the_page(book, page):
            if _is_crop_marks(form):
                _add_registration(form.Resources)
                _recolour(form)


def _first_forms_covering_the_page(book: pikepdf.Pdf, page: pikepdf.Page) -> list[pikepdf.Object]:
    content = page.obj.Contents
    data = content.read_bytes()[:HEAD] if isinstance(content, pikepdf.Stream) else b""
    forms = [match.end() for match in PAINTS_FORM.finditer(data)]
    if not forms:
        return []
    # Only the page's first lines are read: parsing whole pages took most of the time.
    ctm, saved, found = pikepdf.Matrix(), [], []
    for operands, operator in pikepdf.parse_content_stream(pikepdf.Stream(book, data[:forms[-1]])):
        op = str(operator)
        if op == "q":
            saved.append(ctm)
        elif op == "Q":
            ctm = saved.pop() if saved else pikepdf.Matrix()
        elif op == "cm":
            ctm = pikepdf.Matrix(*map(float, operands)) @ ctm
        elif op == "Do":
            form = page.Resources.get("/XObject", {}).get(str(operands[0]))
            if form is None or form.get("/Subtype") != "/Form" or not _covers(form, ctm, page.MediaBox):
                break
            found.append(form)
        elif op not in ("gs", "w", "d", "J", "j", "M", "BDC", "BMC", "EMC", "MP", "DP"):
            break  # something else was painted
    return found


def _covers(form: pikepdf.Object, ctm: pikepdf.Matrix, media_box: pikepdf.Array) -> bool:
    x0, y0, x1, y1 = map(float, form.BBox)
    matrix = pikepdf.Matrix(*map(float, form.get("/Matrix", [1, 0, 0, 1, 0, 0])))
    corners = [ctm.transform(matrix.transform((x, y))) for x, y in ((x0, y0), (x1, y1))]
    box = [min(c[0] for c in corners), min(c[1] for c in corners),
           max(c[0] for c in corners), max(c[1] for c in corners)]
    return all(abs(a - float(b)) < 0.01 for a, b in zip(box, media_box))


def _is_crop_marks(form: pikepdf.Object) -> bool:
    instructions = pikepdf.parse_content_stream(form)
    colours = [(str(i.operator), i.operands) for i in instructions if str(i.operator) in SETS_COLOUR]
    return (all(str(i.operator) in PATH_ONLY for i in instructions) and bool(colours)
            and all(op in RGB_BLACK and [float(v) for v in values] == [0, 0, 0] for op, values in colours))


def _add_registration(resources: pikepdf.Dictionary) -> None:
    spaces = resources.get("/ColorSpace")
    if spaces is None:
        spaces = resources.ColorSpace = Dictionary()
    if REGISTRATION not in spaces:
        every_ink = Dictionary(FunctionType=2, Domain=Array([0, 1]), C0=Array([0, 0, 0, 0]),
                               C1=Array([1, 1, 1, 1]), N=1)
        spaces[REGISTRATION] = Array([Name.Separation, Name.All, Name.DeviceCMYK, every_ink])


def _recolour(form: pikepdf.Object) -> None:
    recoloured = []
    for operands, operator in pikepdf.parse_content_stream(form):
        if str(operator) in RGB_BLACK:
            space, colour = RGB_BLACK[str(operator)]
            recoloured += [([REGISTRATION], Operator(space)), ([1], Operator(colour))]
        else:
            recoloured.append((operands, operator))
    form.write(zlib.compress(pikepdf.unparse_content_stream(recoloured), 9), filter=Name.FlateDecode)


def _drop_annotations(book: pikepdf.Pdf) -> None:
    for page in book.pages:
        annotations = page.obj.get("/Annots")
        if annotations is None:
            continue
        kept = [a for a in annotations if a.get("/Subtype") in PRINTABLE_ANNOTATIONS]
        if kept:
            page.obj.Annots = Array(kept)
        else:
            del page.obj["/Annots"]


def _drop_unused_colour_spaces(book: pikepdf.Pdf) -> None:
    """Take out of every resource dictionary the RGB and Lab spaces no content names.

    The names are found in the streams' bytes, not by parsing them (a tenth of the time):
    a name that only looks used, inside a string, is kept, which is the safe way to err."""
    used: set[str] = set()
    dictionaries = {}
    for stream in _content_streams(book):
        for part in _content_parts(stream):
            used.update("/" + name.decode("latin-1") for name in SETS_SPACE.findall(part.read_bytes()))
        resources = stream.get("/Resources")
        spaces = resources.get("/ColorSpace") if resources is not None else None
        if spaces is not None:
            dictionaries[spaces.objgen if spaces.is_indirect else id(spaces)] = spaces
    for spaces in dictionaries.values():
        for name in list(spaces.keys()):
            if name not in used and _family(spaces[name]) in ("RGB", "Lab"):
                del spaces[name]


def _content_parts(holder: pikepdf.Object) -> list[pikepdf.Stream]:
    """The streams of a form or an appearance (itself), or of a page (its contents)."""
    if isinstance(holder, pikepdf.Stream):
        return [holder]
    contents = holder.get("/Contents")
    return [] if contents is None else list(contents) if isinstance(contents, pikepdf.Array) else [contents]


def _content_streams(book: pikepdf.Pdf):
    """Every page, and every form XObject and annotation appearance below one, once."""
    seen: set[tuple[int, int]] = set()
    pending = [page.obj for page in book.pages]
    while pending:
        stream = pending.pop()
        if stream.is_indirect:
            if stream.objgen in seen:
                continue
            seen.add(stream.objgen)
        yield stream
        resources = stream.get("/Resources")
        if resources is not None:
            pending += [x for x in resources.get("/XObject", {}).values() if x.get("/Subtype") == "/Form"]
        for annotation in stream.get("/Annots", []):
            pending += _appearances(annotation.get("/AP"))


def _appearances(ap) -> list:
    if ap is None:
        return []
    found = []
    for state in ap.values():
        if isinstance(state, pikepdf.Stream):
            found.append(state)
        elif isinstance(state, pikepdf.Dictionary):
            found += [s for s in state.values() if isinstance(s, pikepdf.Stream)]
    return found


def _family(space: pikepdf.Object) -> str:
    """RGB, Lab, CMYK, Gray or other, for a colour space as a resource names it."""
    if isinstance(space, pikepdf.Name):
        return {"/DeviceRGB": "RGB", "/CalRGB": "RGB", "/DeviceCMYK": "CMYK", "/DeviceGray": "Gray"}.get(
            str(space), "other")
    kind = str(space[0])
    if kind == "/ICCBased":
        return {1: "Gray", 3: "RGB", 4: "CMYK"}.get(int(space[1].N), "other")
    return {"/Lab": "Lab", "/CalRGB": "RGB", "/CalGray": "Gray"}.get(kind, "other")


def _describe_output_intent(book: pikepdf.Pdf) -> None:
    """Name the condition, and embed the profile as lcms writes it once its names are read.

    lcms writes again every tag that was read, and copies the others: WeasyPrint reads the
    model tag while writing the PDF, so the profile it embedded differed between the first
    build of a `builder watch` and the next ones. Written here after reading both names,
    it is the same whatever was read before."""
    for intent in book.Root.get("/OutputIntents", []):
        stream = intent.get("/DestOutputProfile")
        if stream is None:
            continue
        profile = ImageCms.ImageCmsProfile(io.BytesIO(stream.read_bytes()))
        description, _ = profile.profile.profile_description, profile.profile.model
        stream.write(zlib.compress(profile.tobytes(), 9), filter=Name.FlateDecode)
        intent.OutputCondition = String(description)
        intent.Info = String(description)
        intent.RegistryName = String(ICC_REGISTRY)
