"""Benchmark: how fast the editor's loop is, beside references measured in the same run.

Prints one table of medians (not a test: nothing here passes or fails):
  cold build of both outputs (a whole `builder build` process, nothing kept on disk)
  the bare `weasyprint` command on the very HTML and CSS the builder renders
  the cold build with WeasyPrint's public API only (BUILDER_PUBLIC_API_ONLY set)
  `builder build` in a new process after a one-fact edit (the layouts kept on disk)
  a one-fact edit seen by `builder watch` until both outputs are replaced
  `builder build --epub` alone: cold, and in a new process after a one-fact edit
  a build with nothing to do
  the same cold build on synthetic manuscripts 10x and 100x the size, with peak memory

Usage: .venv/bin/python bench/bench.py [--runs N] [--sizes 10,100]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ruamel.yaml import YAML

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = Path(sys.executable)
BUILDER = [str(PYTHON), "-m", "builder"]
# The 100x book legitimately takes longer and more memory than a runaway-build guard allows.
UNLIMITED = ["--max-seconds", "0", "--max-memory", "0"]
WEASYPRINT = PYTHON.parent / "weasyprint"


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time in seconds and peak memory in MB of one whole process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(process.pid, 0)
    took = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    return took, usage.ru_maxrss / 1024


def copy_project(into: Path, scale: int = 1) -> Path:
    """A throwaway copy of the project; with scale > 1 every chapter appears `scale` times."""
    root = into / f"project-{scale}x"
    shutil.copytree(PROJECT / "manuscript", root / "manuscript")
    shutil.copytree(PROJECT / "styles", root / "styles")
    if scale > 1:
        yaml = YAML()
        path = root / "manuscript/profile.yaml"
        profile = yaml.load(path.read_text(encoding="utf-8"))
        chapters = list(profile["chapters"])
        profile["chapters"] = [{**chapter, "id": f"{chapter['id']}-{copy}"}
                               for copy in range(1, scale + 1) for chapter in chapters]
        with path.open("w", encoding="utf-8") as stream:
            yaml.dump(profile, stream)
    return root


def cold_build(root: Path, *options: str, env: dict[str, str] | None = None) -> tuple[float, float]:
    shutil.rmtree(root / "output", ignore_errors=True)
    return timed([*BUILDER, "build", *options, *UNLIMITED], root, env)


def public_build(root: Path) -> float:
    """A cold build as on a WeasyPrint whose internals the builder does not know."""
    return cold_build(root, env={"BUILDER_PUBLIC_API_ONLY": "1"})[0]


class OneFactEdits:
    """Edits of one value the prose prints (the first under a fact's `values:`), so that
    the edit reaches the text of one chapter, as an editor's correction would."""

    def __init__(self, root: Path):
        self.facts = root / "manuscript/facts.yaml"
        self.text = self.facts.read_text(encoding="utf-8")
        lines = self.text.splitlines()
        self.value = lines[next(i for i, line in enumerate(lines) if line.strip() == "values:") + 1]
        self.count = 0

    def make(self) -> None:
        self.count += 1
        self.facts.write_text(self.text.replace(self.value, f"{self.value} {self.count}", 1), encoding="utf-8")


def edit_then_build(root: Path, edits: OneFactEdits, *options: str) -> float:
    """`builder build` in a new process after a one-fact edit, the last (full) build's layouts on disk."""
    cold_build(root)
    edits.make()
    return timed([*BUILDER, "build", *options, *UNLIMITED], root)[0]


# Run in a process of its own: a child's peak memory counts from before it starts the
# command, so this process must stay as small as it began.
EMIT_HTML = """
from pathlib import Path
from builder.build import Project, produce
html = produce(Project(Path("manuscript"), Path("styles"), Path("output")), formats=("pdf",)).html
Path("book.html").write_text(html, encoding="utf-8")
"""


def emit_html(root: Path) -> None:
    """The single HTML file the builder lays out, for the bare run."""
    subprocess.run([str(PYTHON), "-c", EMIT_HTML], cwd=root, check=True,
                   env={**os.environ, "PYTHONPATH": str(PROJECT)})


def bare_weasyprint(root: Path) -> float:
    """The floor: WeasyPrint's own command on the single HTML file the builder lays out."""
    base = (root / "manuscript").as_uri() + "/"
    return timed([str(WEASYPRINT), "-u", base, "book.html", "bare.pdf"], root)[0]


def noop_build(root: Path) -> float:
    timed([*BUILDER, "build", *UNLIMITED], root)
    return timed([*BUILDER, "build", *UNLIMITED], root)[0]


def watch_edit(root: Path, runs: int) -> list[float]:
    """Seconds from saving a one-fact edit to both outputs being replaced. The watch's
    first build lays everything out (with the outputs up to date it would do nothing, and
    the first edit would lay out the whole book): the edits are timed after it."""
    shutil.rmtree(root / "output", ignore_errors=True)
    edits = OneFactEdits(root)
    process = subprocess.Popen([*BUILDER, "watch", *UNLIMITED], cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        while "watching" not in process.stdout.readline():
            pass
        outputs = sorted(p for p in (root / "output").iterdir() if p.is_file() and not p.name.startswith("."))
        times = []
        for _ in range(runs):
            before = {p: p.stat().st_mtime_ns for p in outputs}
            started = time.perf_counter()
            edits.make()
            while any(p.stat().st_mtime_ns == before[p] for p in outputs):
                time.sleep(0.01)
            times.append(time.perf_counter() - started)
            process.stdout.readline()
        return times
    finally:
        process.terminate()
        process.wait()


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="10,100", help="synthetic sizes to measure (comma-separated)")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_project(Path(tmp))
        emit_html(root)
        # Taken in turns, so that the machine's drift weighs on all alike.
        cold, bares, public, edited, epub_cold, epub_edited = [], [], [], [], [], []
        edits = OneFactEdits(root)
        for _ in range(args.runs):
            cold.append(cold_build(root))
            bares.append(bare_weasyprint(root))
            public.append(public_build(root))
            edited.append(edit_then_build(root, edits))
            epub_cold.append(cold_build(root, "--epub")[0])
            epub_edited.append(edit_then_build(root, edits, "--epub"))
        bare = median(bares)
        noop = median([noop_build(root) for _ in range(args.runs)])
        edit = median(watch_edit(root, args.runs))
        cold_time, cold_memory = median([c[0] for c in cold]), max(c[1] for c in cold)

        def beside_bare(name: str, seconds: float, target: str) -> tuple[str, float, str, None]:
            return name, seconds, f"{seconds / bare:.2f} x bare ({target})", None

        rows = [
            ("cold build, both outputs (1x)", cold_time, f"{cold_time / bare:.2f} x bare (<= 0.7)", cold_memory),
            ("bare weasyprint, same HTML (1x)", bare, "reference", None),
            beside_bare("cold build, public API only", median(public), "<= 1.05"),
            beside_bare("new process after a one-fact edit", median(edited), "<= 0.35"),
            beside_bare("one-fact edit in watch, both outputs", edit, "<= 0.2"),
            beside_bare("--epub alone, cold", median(epub_cold), "no target"),
            beside_bare("--epub alone, new process after an edit", median(epub_edited), "no target"),
            ("no-op build", noop, "target <= 0.1 s", None),
        ]
        for size in [int(s) for s in args.sizes.split(",") if s]:
            big = copy_project(Path(tmp), size)
            runs = [cold_build(big) for _ in range(args.runs if size <= 10 else 1)]
            took, memory = median([r[0] for r in runs]), max(r[1] for r in runs)
            rows.append((f"cold build, both outputs ({size}x)", took, f"{took / cold_time:.1f} x the 1x build", memory))
    print(f"{'measure':<42} {'median s':>9}  {'beside its reference':<28} {'peak MB':>8}")
    for name, seconds, reference, memory in rows:
        print(f"{name:<42} {seconds:>9.2f}  {reference:<28} {'' if memory is None else f'{memory:.0f}':>8}")


if __name__ == "__main__":
    main()
