"""Sections: the print book laid out part by part, and only the parts an edit touched.

The book's HTML is one document (the bare `weasyprint` command renders it as
is). Here it is cut at every chapter, appendix and back-matter section: each
opens on a recto and numbers its notes afresh, so its layout does not depend
on where it lands (see `parts`). The parts are laid out alone, on every core
(see `workers`), each with a sentinel that turns a recto ending into the blank
verso the single document would have; once their page counts say where each
begins, their folios are set and their pages joined into one WeasyPrint
document, so the PDF's structure tree, outline, links and fonts are those of a
single book. The contents' page numbers come from where the parts landed,
settled before the front matter is laid out for the last time.

A `LayoutCache` kept by a long-lived process (`builder watch`) keeps each
part's pages under its HTML and first page, so an edit lays out only its own
chapter, unless it moves the chapters after it.
"""

from __future__ import annotations

import hashlib
import math
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lxml import html as lxml_html
from weasyprint import CSS, Document, Page
from weasyprint.text.fonts import FontConfiguration

from . import freshness, parts
from . import weasyprint_internals as internals
from .confine import readable
from .frozen import freeze_kept, frozen
from .parts import anchor_pages
from .workers import Extent, Layouts

# Top-level elements of these classes open a part; everything before the first is the front.
PART_CLASSES = frozenset({"chapter", "appendix", "back"})
# Closes every part but the last: it starts on a recto, so the part's own last page is
# followed by a blank verso exactly when the next part would need one. Its page is dropped.
SENTINEL = '<div class="part-end" style="break-before: right"></div>'
# A blank leaf that fills the last signature: a page of its own, with no head or folio.
FILLER = '<div class="signature-fill"></div>'
# Laying out the front matter with the final numbers could, in theory, change its length.
MAX_FRONT_PASSES = 3
# A link to a place in the book, as lxml writes it.
INTERNAL_LINK = re.compile(r'<a href="#([^"]+)"')
# A book of this many parts or more reports its layout's progress.
PROGRESS_FROM = 30
STORE_INDEX = "index.json"


@dataclass(frozen=True)
class Book:
    """The book's HTML cut into parts; `opening` + a part's body + `closing` is a document."""

    opening: str
    closing: str
    front: str
    parts: tuple[str, ...]
    stylesheets: tuple[str, ...]  # URLs of the linked stylesheets, parsed once per cache
    signature: int = 1  # the pages one folded sheet gives: the book is made up to a multiple

    def html(self, body: str, ends_on_verso: bool) -> str:
        return self.opening + body + (SENTINEL if ends_on_verso else "") + self.closing


def cut(html: str) -> Book:
    """Cut the book's HTML at each part; the linked stylesheets are taken out of the head."""
    tree = lxml_html.document_fromstring(html)
    head, body = tree.find("head"), tree.find("body")
    sheets = [link for link in head.iter("link") if link.get("rel") == "stylesheet"]
    for link in sheets:
        head.remove(link)
    groups: list[list[str]] = [[]]
    for element in body:
        if not isinstance(element.tag, str):
            continue  # a comment
        if PART_CLASSES & set(element.get("class", "").split()) and groups[-1]:
            groups.append([])
        groups[-1].append(lxml_html.tostring(element, encoding="unicode", with_tail=False))
    for element in list(body):
        body.remove(element)
    shell = lxml_html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")
    opening, closing = shell.split("</body>")
    return Book(opening, "</body>" + closing, "".join(groups[0]),
                tuple("".join(g) for g in groups[1:]), tuple(link.get("href") for link in sheets),
                int(body.get("data-signature") or 1))


def with_page_numbers(front: str, pages: dict[str, int]) -> str:
    """The front matter with the page of each internal link's target as `data-page`, which
    the stylesheet shows where the single document would use target-counter()."""
    def numbered(match: re.Match) -> str:
        return f'{match[0]} data-page="{pages.get(match[1], "")}"'
    return INTERNAL_LINK.sub(numbered, front)


@dataclass
class LaidOutPart:
    pages: list[Page]
    # Kept for the front matter only: its document lends the book its metadata, and its
    # layout context the SVG images of the parts unpickled.
    part: parts.Part | None = None
    pickled: bytes | None = None  # the pages, pickled, until the store on disk has them


class Store:
    """The parts' layouts on disk (under the output folder), so that a new process lays out
    only what changed since the last build: each part's page count and anchors, and its
    pages pickled at the first page it last had; the front matter's page count and anchors.

    Written atomically (each file renamed into place, the index last) and only ever read
    as a hint: anything that does not match its checksum, its stamp (which covers every
    input of a layout, the versions of the libraries among them) or the part it claims
    to hold is ignored and laid out again."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.parts: dict[str, dict] = {}  # digest of a part's HTML -> count, anchors, start, sha
        self.fronts: dict[str, dict] = {}  # digest of the front's HTML -> count, anchors (the last one)
        self.numbers: dict[str, int] = {}  # the contents' page numbers, as the last build settled them
        self.stamp: str | None = None

    def open(self, stamp: str) -> None:
        self.stamp, self.parts, self.fronts, self.numbers = stamp, {}, {}, {}
        try:
            index = json.loads((self.folder / STORE_INDEX).read_text(encoding="utf-8"))
            if index["stamp"] == stamp and index["sha"] == _digest(_canonical(
                    index["parts"], index["fronts"], index["numbers"])):
                self.parts, self.fronts, self.numbers = dict(index["parts"]), dict(index["fronts"]), dict(index["numbers"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no index, or one not to be trusted: everything is laid out again

    def has(self, body: str, start: int) -> bool:
        return self.start_of(body) == start

    def start_of(self, body: str) -> int | None:
        """The first page the part's pages kept here are numbered from."""
        return self.parts.get(_digest(body), {}).get("start")

    def extent(self, entries: dict[str, dict], html: str) -> Extent | None:
        entry = entries.get(_digest(html))
        return (entry["count"], entry["anchors"]) if entry else None

    def pages(self, body: str, start: int, load: Callable[[bytes], list[Page]]) -> list[Page] | None:
        """The part's pages numbered from `start`, if the store has them and they are sound."""
        digest = _digest(body)
        entry = self.parts.get(digest)
        if not entry or entry["start"] != start:
            return None
        try:
            data = (self.folder / f"{digest}.pages").read_bytes()
            if _digest(data) != entry["sha"]:
                return None
            pages = load(data)
        except (OSError, internals.InternalsChanged):
            return None
        if len(pages) != entry["count"] or anchor_pages(pages) != entry["anchors"]:
            return None
        return pages

    def save(self, parts_kept: dict[str, tuple[int, Extent, bytes | None]], numbers: dict[str, int],
             front: str, extent: Extent) -> None:
        """Keep these parts (HTML -> first page, extent, pages pickled or None where the
        store already has them so) and this front matter, and only these."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            entries = {}
            for body, (start, (count, anchors), pickled) in parts_kept.items():
                digest = _digest(body)
                if pickled is None:
                    entries[digest] = self.parts[digest]
                    continue
                _write_atomically(self.folder / f"{digest}.pages", pickled)
                entries[digest] = {"count": count, "anchors": anchors, "start": start, "sha": _digest(pickled)}
            self._index(entries, {_digest(front): {"count": extent[0], "anchors": extent[1]}}, numbers)
            for path in self.folder.glob("*.pages"):
                if path.stem not in entries:
                    path.unlink(missing_ok=True)
        except OSError:
            pass  # the store only saves time: the next build lays out what it lacks

    def save_front(self, numbers: dict[str, int], front: str, extent: Extent) -> None:
        """Keep this front matter too, beside what is kept."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._index(self.parts, {**self.fronts, _digest(front): {"count": extent[0], "anchors": extent[1]}},
                        numbers)
        except OSError:
            pass

    def _index(self, entries: dict[str, dict], fronts: dict[str, dict], numbers: dict[str, int]) -> None:
        index = {"stamp": self.stamp, "sha": _digest(_canonical(entries, fronts, numbers)),
                 "parts": entries, "fronts": fronts, "numbers": numbers}
        _write_atomically(self.folder / STORE_INDEX, json.dumps(index).encode())
        self.parts, self.fronts, self.numbers = entries, fronts, numbers

    def clear(self) -> None:
        self.parts, self.fronts, self.numbers = {}, {}, {}
        (self.folder / STORE_INDEX).unlink(missing_ok=True)


class LayoutCache:
    """Each part's laid-out pages, under its HTML and first page, for one set of stylesheets,
    fonts and images (any change to those starts the cache afresh); in memory, for a
    long-lived process (`builder watch`), and on disk when given a folder."""

    def __init__(self, folder: Path | None = None) -> None:
        self.stamp: str | None = None
        self.parts: dict[tuple[str, int], LaidOutPart] = {}
        self.used: set[tuple[str, int]] = set()
        self.fresh: set[tuple[str, int]] = set()
        self.numbers: dict[str, int] = {}
        self.front: tuple[str, Extent] | None = None  # the last build's front matter: HTML, extent
        self.placement_only = False  # the last build asked only where the pages fall
        self.fonts = FontConfiguration()
        # The sheets' @color-profile rules: WeasyPrint reads them into the dict given to CSS()
        # and writes the output intent from the dict given to render(): it must be this one.
        self.color_profiles: dict = {}
        self.sheets: list[CSS] = []
        self.store = Store(folder) if folder else None
        # Of the last build's parts, how many there were and how many were laid out anew.
        self.part_count = self.laid_out = 0

    def start(self, stamp: str, load_sheets: Callable[[FontConfiguration], list[CSS]]) -> None:
        """Begin a build: keep what was laid out only if nothing it depends on changed."""
        self.restart = (stamp, load_sheets)
        if stamp != self.stamp:
            self.forget()
            self.sheets = load_sheets(self.fonts)
            self.stamp = stamp
            if self.store and internals.PROBLEM is None:  # pages pickle only through the internals
                self.store.open(stamp)
                self.numbers = self.store.numbers
        self.used, self.fresh, self.placement_only = set(), set(), False

    def reset(self) -> None:
        """Start this build again with nothing kept, in memory or on disk."""
        if self.store:
            self.store.clear()
        self.forget()
        self.start(*self.restart)

    def extents(self) -> dict[str, Extent]:
        """The page count and anchors of each part kept, by its HTML: the same wherever it lands."""
        return {body: (len(part.pages), anchor_pages(part.pages)) for (body, _), part in self.parts.items()}

    def extent(self, known: dict[str, Extent], body: str) -> Extent | None:
        """The part's extent, from `known` (this cache's `extents`) or the store."""
        if body in known:
            return known[body]
        return self.store.extent(self.store.parts, body) if self.store else None

    def front_extent(self, html: str) -> Extent | None:
        if self.front and self.front[0] == html:
            return self.front[1]
        return self.store.extent(self.store.fronts, html) if self.store else None

    def has(self, key: tuple[str, int]) -> bool:
        return key in self.parts or bool(self.store and self.store.has(*key))

    def preload(self, key: tuple[str, int], load: Callable[[bytes], list[Page]]) -> None:
        """Take the part kept on disk under `key` into memory, if it is sound."""
        if key not in self.parts:
            pages = self.store.pages(*key, load)
            if pages is not None:
                self.parts[key] = LaidOutPart(pages)

    def keep(self, key: tuple[str, int], make: Callable[[], LaidOutPart],
             load: Callable[[bytes], list[Page]] | None = None) -> LaidOutPart:
        """The part kept under `key` (in memory, or on disk if `load` can unpickle it),
        or the one `make` makes, kept from now on."""
        self.used.add(key)
        if key not in self.parts:
            stored = self.store.pages(*key, load) if self.store and load else None
            if stored is not None:
                self.parts[key] = LaidOutPart(stored)
            else:
                self.parts[key] = make()
                self.fresh.add(key)
        return self.parts[key]

    def finish(self) -> None:
        """End a good build: keep only the parts it used, so memory does not grow per edit,
        and put those laid out anew in the store."""
        if self.placement_only:  # what is kept stays: only the front matter's extent is new
            if self.store and self.store.stamp == self.stamp and self.front:
                self.store.save_front(self.numbers, *self.front)
            return
        self.parts = {key: self.parts[key] for key in self.used}
        if not (self.store and self.store.stamp == self.stamp and internals.PROBLEM is None):
            return
        kept: dict[str, tuple[int, Extent, bytes | None]] = {}
        for (body, start), part in self.parts.items():
            if part.part is not None:
                continue  # the front matter: laid out by every build that writes the PDF
            pickled = None
            if (body, start) in self.fresh or not self.store.has(body, start):
                try:
                    pickled = part.pickled or internals.pickled(part.pages, self.fonts)
                except Exception:  # a page that will not pickle: laid out again next time
                    continue
            kept[body] = (start, (len(part.pages), anchor_pages(part.pages)), pickled)
            part.pickled = None
        self.store.save(kept, self.numbers, *self.front)

    def forget(self) -> None:
        """After a failed build, or for new stylesheets: lay everything out again next time."""
        self.stamp, self.parts, self.numbers, self.front = None, {}, {}, None
        self.fonts, self.color_profiles = FontConfiguration(), {}


@dataclass(frozen=True)
class LaidOut:
    """The book laid out: its document (None when only where the pages fall was asked for),
    and where the pages fall."""

    document: Document | None
    page_count: int
    anchor_pages: dict[str, int]  # id -> index of its page in the book


def lay_out(book: Book, cache: LayoutCache, render: Callable[[str, list[CSS]], Document],
            progress: Callable[[str], None] = lambda line: None, pages: bool = True) -> LaidOut:
    """The whole book as one document, its parts laid out (or taken from the cache) alone.
    A long book reports its progress at each tenth of its parts. Without `pages`, only
    where the pages fall: what the cache knows of that is not laid out again.

    With WeasyPrint's internals (see `weasyprint_internals`) the parts are laid out at
    once, on every core; without them, or should they fail, in one pass in book order,
    each begun at its own page, with the public API alone: the same book."""
    return _signature_filled(_laid_out(book, cache, render, progress, pages), book, cache, render)


def _laid_out(book: Book, cache: LayoutCache, render: Callable[[str, list[CSS]], Document],
              progress: Callable[[str], None], pages: bool) -> LaidOut:
    if internals.PROBLEM is None:
        try:
            try:
                return _in_parallel(book, cache, render, progress, pages)
            except _Misplaced:  # the store on disk was wrong: once more without it
                cache.reset()
                return _in_parallel(book, cache, render, progress, pages)
        except internals.InternalsChanged as changed:
            internals.PROBLEM = str(changed)  # and for the rest of this process
            cache.reset()
    progress(f"laying the book out with WeasyPrint's public API only ({internals.PROBLEM}): slower, the same book")
    return _in_order(book, cache, render, progress)


def _signature_filled(laid: LaidOut, book: Book, cache: LayoutCache,
                      render: Callable[[str, list[CSS]], Document]) -> LaidOut:
    """The book made up to whole signatures: blank leaves at its end, so that its page count
    is even (its last page a verso) and a multiple of the pages a signature folds to."""
    fill = -laid.page_count % math.lcm(2, book.signature)
    if not fill:
        return laid
    if laid.document is None:
        return LaidOut(None, laid.page_count + fill, laid.anchor_pages)
    leaves = render(book.opening + FILLER * fill + book.closing, cache.sheets).pages
    return LaidOut(laid.document.copy([*laid.document.pages, *leaves]), laid.page_count + fill, laid.anchor_pages)


class _Misplaced(Exception):
    """A part's layout was not what the cache said of it."""


def _in_parallel(book: Book, cache: LayoutCache, render: Callable[[str, list[CSS]], Document],
                 progress: Callable[[str], None], want_pages: bool) -> LaidOut:
    """Parts whose HTML is new are handed to the workers first. Their page counts and the
    front matter settle where every part begins, and the contents' page numbers; only
    then are the parts numbered and gathered. A part kept at another first page is laid
    out again (its folios were made in a process long gone)."""
    def lay_out_part(body: str, ends_on_verso: bool) -> parts.Part:
        return parts.lay_out(book.html(body, ends_on_verso), cache.sheets, render, ends_on_verso)

    def images(url: str):
        return internals.images_of(internals.layout_context(front.part.document))(url)

    def unpickled(data: bytes) -> list[Page]:
        return internals.unpickled(data, cache.fonts, images)

    def laid_out_now(index: int, start: int) -> LaidOutPart:
        if index not in layouts.tasks:  # the store said it had the part, and had not
            layouts.start({index: (book.parts[index], ends[index])})
            layouts.place({index: start})
        return _from_workers(layouts, index)

    ends = [index < len(book.parts) - 1 for index in range(len(book.parts))]
    known = cache.extents()
    extents = {body: cache.extent(known, body) for body in book.parts}
    unknown = {index for index, body in enumerate(book.parts) if not extents[body]}
    numbers, wanted = cache.numbers, _links(book.front)
    tenth = len(book.parts) // 10 if len(book.parts) >= PROGRESS_FROM else 0
    front: LaidOutPart | None = None
    # With layouts on disk to unpickle meanwhile, even one new part goes to a worker.
    stored = [body for body in book.parts if want_pages and cache.store and cache.store.start_of(body)
              and (body, cache.store.start_of(body)) not in cache.parts]
    with frozen(), Layouts(lay_out_part, cache.fonts, images) as layouts:
        layouts.start({index: (book.parts[index], ends[index]) for index in sorted(unknown)}, busy_here=bool(stored))
        for front_pass in range(MAX_FRONT_PASSES):
            front_html = with_page_numbers(book.front, numbers)
            front_extent = None if want_pages else cache.front_extent(front_html)
            if front_extent is None:
                front = cache.keep((front_html, 1), lambda: _front(lay_out_part(front_html, bool(book.parts))))
                front_extent = (len(front.pages), anchor_pages(front.pages))
            if front_pass == 0:
                # While the workers lay out what is new: the parts kept on disk, at the first
                # page they had (if the new parts move them, they are laid out again).
                for body in stored:
                    cache.preload((body, cache.store.start_of(body)), unpickled)
            starts, placed, page = [], {}, front_extent[0] + 1
            for index, body in enumerate(book.parts):
                extents[body] = extents[body] or layouts.extent(index)
                count, anchors = extents[body]
                starts.append(page)
                if front_pass == 0 and index in unknown and want_pages:
                    layouts.place({index: page})  # so the worker can send it numbered meanwhile
                placed.update((anchor, page + offset) for anchor, offset in anchors.items())
                page += count
                if tenth and (index + 1) % tenth == 0 and front_pass == 0:
                    progress(f"laying out: {index + 1} of {len(book.parts)} parts, {page - 1} pages")
            settled = {anchor: placed[anchor] for anchor in wanted if anchor in placed}
            if settled == numbers:
                break
            numbers = settled
        cache.numbers, cache.front = numbers, (front_html, front_extent)
        keys = list(zip(book.parts, starts))
        placement = _placement(front_extent, [extents[body] for body in book.parts], starts)
        if not want_pages:
            cache.part_count, cache.laid_out = len(keys) + 1, len(unknown) + len(cache.fresh)
            cache.placement_only = True
            return LaidOut(None, *placement)
        missing = {index: key for index, key in enumerate(keys) if not cache.has(key)}
        layouts.start({index: (body, ends[index]) for index, (body, _) in missing.items()
                       if index not in layouts.tasks})
        layouts.place({index: start for index, (_, start) in missing.items()})
        pages = list(front.pages)
        for index, key in enumerate(keys):
            laid = cache.keep(key, lambda: laid_out_now(index, key[1]), unpickled)
            if (len(laid.pages), anchor_pages(laid.pages)) != extents[key[0]]:
                raise _Misplaced(index)
            pages += laid.pages
    cache.part_count, cache.laid_out = len(keys) + 1, len(cache.fresh.intersection([(front_html, 1), *keys]))
    return LaidOut(front.part.document.copy(pages), *placement)


def _from_workers(layouts: Layouts, index: int) -> LaidOutPart:
    pages = layouts.pages(index)
    pickled = layouts.pickles.pop(index, (None, None))
    return LaidOutPart(pages, pickled=pickled[1] if pickled[0] == layouts.starts[index] else None)


def _in_order(book: Book, cache: LayoutCache, render: Callable[[str, list[CSS]], Document],
              progress: Callable[[str], None]) -> LaidOut:
    """Each part laid out begun at its own page, in book order: only the public API."""
    ends = [index < len(book.parts) - 1 for index in range(len(book.parts))]
    numbers, wanted = cache.numbers, _links(book.front)
    tenth = len(book.parts) // 10 if len(book.parts) >= PROGRESS_FROM else 0
    with frozen():
        for front_pass in range(MAX_FRONT_PASSES):
            front_html = with_page_numbers(book.front, numbers)
            front = cache.keep((front_html, 1), lambda: _front(parts.lay_out(
                book.html(front_html, bool(book.parts)), cache.sheets, render, bool(book.parts))))
            keys, laid, placed, page = [], [], {}, len(front.pages) + 1
            for index, body in enumerate(book.parts):
                key = (body, page)
                part = cache.keep(key, lambda: _kept(parts.lay_out(
                    book.html(body, ends[index]), cache.sheets, render, ends[index], start=page)))
                keys.append(key)
                laid.append(part)
                placed.update((anchor, page + offset) for anchor, offset in anchor_pages(part.pages).items())
                page += len(part.pages)
                if tenth and (index + 1) % tenth == 0 and front_pass == 0:
                    progress(f"laying out: {index + 1} of {len(book.parts)} parts, {page - 1} pages")
            settled = {anchor: placed[anchor] for anchor in wanted if anchor in placed}
            if settled == numbers:
                break
            numbers = settled
    front_extent = (len(front.pages), anchor_pages(front.pages))
    cache.numbers, cache.front = numbers, (front_html, front_extent)
    cache.part_count, cache.laid_out = len(keys) + 1, len(cache.fresh.intersection([(front_html, 1), *keys]))
    extents = [(len(part.pages), anchor_pages(part.pages)) for part in laid]
    placement = _placement(front_extent, extents, [key[1] for key in keys])
    return LaidOut(front.part.document.copy([page for part in [front, *laid] for page in part.pages]), *placement)


def _placement(front: Extent, extents: list[Extent], starts: list[int]) -> tuple[int, dict[str, int]]:
    """The book's page count and the index of each anchor's page, as the joined document's
    pages would give them: the first page an anchor is on."""
    anchors = dict(front[1])
    for (count, part_anchors), start in zip(extents, starts):
        for anchor, offset in part_anchors.items():
            anchors.setdefault(anchor, start - 1 + offset)
    return (starts[-1] - 1 + extents[-1][0] if extents else front[0]), anchors


def _front(part: parts.Part) -> LaidOutPart:
    freeze_kept()
    return LaidOutPart(part.pages, part=part)


def _kept(part: parts.Part) -> LaidOutPart:
    freeze_kept()
    return LaidOutPart(part.pages)


def _digest(data: str | bytes) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


def _canonical(*values: object) -> str:
    return json.dumps(values, sort_keys=True)


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _links(front: str) -> set[str]:
    return set(INTERNAL_LINK.findall(front))


def assets_stamp(stylesheets: tuple[str, ...], roots: list[Path], options: dict) -> str:
    """What every part's layout depends on besides its HTML: the stylesheets and every file
    they or the prose may load (fonts, images), the edition, the builder's code and the
    versions of the libraries that shape the layout (and Python's, which pickles the pages),
    and whether WeasyPrint's internals are used."""
    digest = hashlib.sha256(repr((stylesheets, sorted(options.items()), freshness.builder_digest(),
                                  freshness.versions(), sys.version, internals.PROBLEM is None)).encode())
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix not in (".yaml", ".j2") and readable(path, [root]):
                digest.update(path.as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
