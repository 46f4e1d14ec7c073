"""`builder build` end to end: bad input never costs the last good outputs, builds are
reproducible, a build with nothing to do does nothing, and hostile input stays inert."""

from __future__ import annotations

import io
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from builder import build as build_module
from builder.cli import main

from .conftest import FIXTURES, PROJECT
from .test_load import CASES as LOAD_CASES


@pytest.fixture
def project(minimal: Path) -> Path:
    """A project folder (manuscript, styles, output) in tmp, the working folder."""
    return minimal.parent


def run(capsys, *args: str) -> tuple[int, list[str], str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err.splitlines(), out


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def good_build(capsys) -> None:
    code, err, out = run(capsys, "build")
    assert (code, err) == (0, []), err
    assert out.startswith("built ")


def refused_build(capsys, project: Path, *args: str) -> list[str]:
    """Build after the hostile change; the error lines, having checked that nothing was written."""
    before = snapshot(project / "output")
    code, err, _ = run(capsys, "build", *args)
    assert code == 1
    assert err[-1].endswith("no output was changed")
    assert snapshot(project / "output") == before
    return err[:-1]


@pytest.fixture
def outside(tmp_path_factory) -> Path:
    """A folder beside the project, holding what a manuscript must not reach."""
    folder = tmp_path_factory.mktemp("elsewhere")
    (folder / "secret.txt").write_text("SECRET-OUTSIDE", encoding="utf-8")
    return folder


TEMPLATE_CASES = {
    "syntax-error": (
        "{{ cite('prize-2001') }}", "{{ cite('prize-2001') }",
        "manuscript/templates/chapters/work.html.j2:2:1: T001 template syntax error: unexpected '}' "
        "(hint: fix the {{ }} or {% %} tag on this line)"),
    "undefined-name": (
        "It won", "{{ prize_year }} It won",
        "manuscript/templates/chapters/work.html.j2:2:1: T002 template error: 'prize_year' is undefined "
        "(hint: check the names used on this line against the README's template reference)"),
    "unknown-fact": (
        "prize-2001", "prize-2099",
        "manuscript/templates/chapters/work.html.j2:2:1: T003 cite() names unknown fact 'prize-2099' "
        "(hint: use an id from facts.yaml, filmography.yaml or awards.yaml)"),
    "excluded-fact": (
        "prize-2001", "wrong-year",
        "manuscript/templates/chapters/work.html.j2:2:1: T003 fact 'wrong-year' is kept out of the text: "
        "Rests only on a low-reliability page; the encyclopedia gives 1960. "
        "(hint: remove it from the template, or cite a better-supported fact)"),
    "include-outside": (
        "It won", '{% include "../../../../etc/passwd" %} It won',
        "manuscript/templates/chapters/work.html.j2:2:1: T004 template '../../../../etc/passwd' is not in the "
        "manuscript's templates folder (hint: include or import only templates that lie inside templates/)"),
    "python-internals": (
        "It won", "{{ fact('birth').__class__ }} It won",
        "manuscript/templates/chapters/work.html.j2:2:1: T002 template error: access to attribute '__class__' "
        "of 'Fact' object is unsafe. (hint: check the names used on this line against the README's template "
        "reference)"),
}


@pytest.mark.parametrize("name", sorted(TEMPLATE_CASES))
def test_template_error_names_its_line_and_keeps_outputs(name: str, project: Path, capsys) -> None:
    good_build(capsys)
    before = snapshot(project / "output")
    old, new, expected = TEMPLATE_CASES[name]
    template = project / "manuscript/templates/chapters/work.html.j2"
    edit(template, "It won", "\nIt won")  # the second line, to prove the line number is real
    edit(template, old, new)
    code, err, _ = run(capsys, "build")
    assert (code, err) == (1, [expected, "1 problem found; no output was changed"])
    assert snapshot(project / "output") == before


def test_build_interrupted_midway_leaves_old_files(project: Path, capsys, monkeypatch) -> None:
    good_build(capsys)
    before = snapshot(project / "output")
    edit(project / "manuscript/facts.yaml", "Testville", "Testburg")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("builder.epub.make_epub", interrupted)
    code, err, _ = run(capsys, "build")
    assert code == 130
    assert snapshot(project / "output") == before
    assert not [p for p in (project / "output").iterdir() if p.name.endswith(".part")]


def test_failure_while_writing_second_file_replaces_neither(project: Path, capsys, monkeypatch) -> None:
    good_build(capsys)
    before = snapshot(project / "output")
    edit(project / "manuscript/facts.yaml", "Testville", "Testburg")
    real_stage = build_module.write_all.__globals__["_stage"]

    def failing_stage(path: Path, data: bytes, shown: str) -> str:
        if path.suffix == ".epub":
            raise OSError(28, "No space left on device")
        return real_stage(path, data, shown)

    monkeypatch.setitem(build_module.write_all.__globals__, "_stage", failing_stage)
    with pytest.raises(OSError):
        build_module.build(build_module.Project(Path("manuscript"), Path("styles"), Path("output")))
    assert snapshot(project / "output") == before


def test_output_folder_that_cannot_be_written(project: Path, capsys) -> None:
    (project / "blocked").write_text("a file where the output folder should be")
    code, err, _ = run(capsys, "build", "--pdf", "--output", "blocked")
    assert (code, err[0]) == (1, "blocked/ada-example.pdf:1:1: O001 cannot write the output: its folder is a "
                                 "file (hint: remove or rename that file, or choose another folder with --output)")


def test_output_folder_without_write_permission(project: Path, capsys, monkeypatch) -> None:
    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    # Tests may run as root, for whom chmod does not take write permission away.
    monkeypatch.setattr("tempfile.mkstemp", denied)
    code, err, _ = run(capsys, "build", "--pdf")
    assert (code, err[0]) == (1, "output/ada-example.pdf:1:1: O001 cannot write the output: Permission denied "
                                 "(hint: make the output folder writable, or choose another with --output)")


def test_two_builds_are_byte_identical(project: Path, capsys) -> None:
    good_build(capsys)
    first = snapshot(project / "output")
    (project / "output/.build-state.json").unlink()
    time.sleep(1.1)  # a clock-dependent stamp would now differ
    good_build(capsys)
    assert snapshot(project / "output") == first


def test_nothing_changed_means_nothing_done(project: Path, capsys) -> None:
    good_build(capsys)
    before = {p.name: p.stat().st_mtime_ns for p in (project / "output").iterdir()}
    code, _, out = run(capsys, "build")
    assert (code, out) == (0, "up to date: nothing changed since the last build\n")
    assert {p.name: p.stat().st_mtime_ns for p in (project / "output").iterdir()} == before


def test_an_edit_or_a_lost_output_means_a_rebuild(project: Path, capsys) -> None:
    good_build(capsys)
    edit(project / "manuscript/facts.yaml", "Testville", "Testburg")
    good_build(capsys)
    (project / "output/ada-example.pdf").unlink()
    good_build(capsys)
    assert (project / "output/ada-example.pdf").exists()


def test_markup_in_a_fact_is_printed_as_text(project: Path, capsys) -> None:
    edit(project / "manuscript/facts.yaml", "place: Testville", 'place: "<b onclick=x()>Test</b> & <script>"')
    code, err, _ = run(capsys, "build", "--pdf")
    assert code == 0, err
    text = "".join(page.extract_text() for page in PdfReader(project / "output/ada-example.pdf").pages)
    assert "born in <b onclick=x()>Test</b> & <script> in 1960" in " ".join(text.split())


REFUSED_HINT = "(hint: keep fonts, images and stylesheets inside the project's styles/ or manuscript/ folders)"


@pytest.mark.parametrize("reference, expected", [
    ('<img src="file:///etc/hostname" alt="">', "2:22: P002 refused to load 'hostname': the file lies outside the project"),
    ('<img src="../../../../../etc/hostname" alt="">', "2:29: P002 refused to load 'hostname': the file lies outside "
                                                      "the project"),
    ('<img src="https://example.com/x.png" alt="">', "2:30: P002 refused to load 'x.png': only files inside the "
                                                     "project may be used; the network is off limits"),
    ('<img src="portrait.png" alt="">', "2:10: P002 refused to load 'portrait.png': no such file"),
])
def test_a_reference_outside_the_project_or_to_nothing_is_refused(reference: str, expected: str, project: Path,
                                                                  capsys) -> None:
    good_build(capsys)
    edit(project / "manuscript/templates/chapters/work.html.j2", "It won", f"\n{reference} It won")
    assert refused_build(capsys, project) == [
        f"manuscript/templates/chapters/work.html.j2:{expected} {REFUSED_HINT}"]


def test_a_css_typo_is_named_at_its_line_and_column(project: Path, capsys) -> None:
    good_build(capsys)
    css = project / "styles/print.css"
    css.write_text(css.read_text(encoding="utf-8") + "\np { colr: red }\n", encoding="utf-8")
    line = len(css.read_text(encoding="utf-8").splitlines())
    assert refused_build(capsys, project, "--pdf") == [
        f"styles/print.css:{line}:5: P001 WeasyPrint warning: Ignored `colr: red ` at {line}:5, unknown property. "
        "(hint: fix the property or value named here; WeasyPrint drops what it cannot read)"]


def test_a_missing_font_file_is_named_at_its_line(project: Path, capsys) -> None:
    good_build(capsys)
    edit(project / "styles/print.css", "fonts/EBGaramond12-Italic.otf", "fonts/EBGaramond12-Itallic.otf")
    assert refused_build(capsys, project) == [
        f"styles/print.css:16:18: P002 refused to load 'EBGaramond12-Itallic.otf': no such file {REFUSED_HINT}"]


class Watch:
    """`builder watch --pdf` in a process of its own, and the lines it prints."""

    def __init__(self, project: Path):
        self.process = subprocess.Popen([sys.executable, "-m", "builder", "watch", "--pdf"], cwd=project,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()

    def wait_for(self, fragment: str) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if fragment in line:
                return line
        raise AssertionError(f"no {fragment!r} in {self.seen}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def test_watch_rebuilds_on_edit_and_survives_a_bad_one(project: Path) -> None:
    watch = Watch(project)
    try:
        watch.wait_for("watching")
        good = (project / "output/ada-example.pdf").read_bytes()
        edit(project / "manuscript/facts.yaml", "place: Testville", "place: Testburg")
        assert "manuscript/facts.yaml changed: rebuilt ada-example.pdf, laying out 1 of 7 parts, in " in watch.wait_for(
            "changed")
        rebuilt = (project / "output/ada-example.pdf").read_bytes()
        assert rebuilt != good
        edit(project / "manuscript/awards.yaml", "year: 2001", "year: soon")
        assert watch.wait_for("S004").startswith("manuscript/awards.yaml:3:11: S004")
        assert "changed: 1 problem; the last good outputs are untouched" in watch.wait_for("problem")
        assert (project / "output/ada-example.pdf").read_bytes() == rebuilt
    finally:
        watch.stop()


def test_a_watch_begun_on_outputs_up_to_date_lays_out_only_what_the_first_edit_touched(
        project: Path, capsys) -> None:
    assert run(capsys, "build", "--pdf")[0] == 0
    watch = Watch(project)
    try:
        assert "first build: outputs already up to date" in watch.wait_for("first build")
        watch.wait_for("laid out the book for the next edit")
        watch.wait_for("watching")
        edit(project / "manuscript/facts.yaml", "place: Testville", "place: Testburg")
        assert "rebuilt ada-example.pdf, laying out 1 of 7 parts" in watch.wait_for("changed")
    finally:
        watch.stop()


def test_a_character_no_font_can_print_is_named_where_it_was_typed(project: Path, capsys) -> None:
    edit(project / "manuscript/facts.yaml", "place: Testville", "place: Test\u0785ville")
    code, err, _ = run(capsys, "build", "--pdf")
    assert (code, err[0]) == (1, "manuscript/facts.yaml:7:18: P003 no font in styles/fonts can print “\u0785” "
                                 "(U+0785) (hint: replace the character, or add an open-licensed font that has it "
                                 "to styles/fonts)")


# Links out of the project, devices and pipes: refused before anything is read.

def test_a_manuscript_file_linked_from_outside_is_refused(project: Path, outside: Path, capsys) -> None:
    good_build(capsys)
    facts = project / "manuscript/facts.yaml"
    shutil.move(facts, outside / "facts.yaml")
    facts.symlink_to(outside / "facts.yaml")
    assert refused_build(capsys, project) == [
        "manuscript/facts.yaml:1:1: Y008 is a link to a file outside the project "
        "(hint: keep the manuscript's files as plain files inside its folder)"]


@pytest.mark.parametrize("make", ["link-to-device", "pipe"])
def test_a_manuscript_file_that_is_a_device_or_pipe_is_refused_without_reading(
        make: str, project: Path, capsys) -> None:
    good_build(capsys)
    facts = project / "manuscript/facts.yaml"
    facts.unlink()
    if make == "pipe":
        os.mkfifo(facts)  # reading it would wait for ever
        expected = "is not a plain file (a folder, a device or a pipe)"
    else:
        facts.symlink_to("/dev/zero")  # reading it would never end
        expected = "is a link to a file outside the project"
    assert refused_build(capsys, project) == [
        f"manuscript/facts.yaml:1:1: Y008 {expected} "
        "(hint: keep the manuscript's files as plain files inside its folder)"]


def test_a_template_linked_from_outside_is_refused(project: Path, outside: Path, capsys) -> None:
    good_build(capsys)
    (project / "manuscript/templates/chapters/aside.j2").symlink_to(outside / "secret.txt")
    template = project / "manuscript/templates/chapters/work.html.j2"
    edit(template, "It won", '\n{% include "chapters/aside.j2" %} It won')
    assert refused_build(capsys, project) == [
        "manuscript/templates/chapters/work.html.j2:2:1: T005 template 'chapters/aside.j2' is a link to a file "
        "outside the project (hint: include or import only plain template files that lie inside templates/)"]


@pytest.mark.parametrize("image, reason", [
    ("portrait.png", "the file is a link to a file outside the project"),
    ("/dev/urandom", "the file lies outside the project"),
])
def test_an_image_linked_from_outside_or_a_device_is_refused(
        image: str, reason: str, project: Path, outside: Path, capsys) -> None:
    good_build(capsys)
    (project / "manuscript/portrait.png").symlink_to(outside / "secret.txt")
    template = project / "manuscript/templates/chapters/work.html.j2"
    edit(template, "It won", f'\n<img src="{image}" alt=""> It won')
    [line] = refused_build(capsys, project)
    assert line.startswith("manuscript/templates/chapters/work.html.j2:2:")
    assert f"P002 refused to load {Path(image).name!r}: {reason}" in line


def test_a_stylesheet_reaching_a_device_is_refused_at_its_line(project: Path, capsys) -> None:
    good_build(capsys)
    css = project / "styles/print.css"
    css.write_text(css.read_text(encoding="utf-8") + "\nbody { background: url(/dev/zero) }\n", encoding="utf-8")
    line = len(css.read_text(encoding="utf-8").splitlines())
    assert refused_build(capsys, project) == [
        f"styles/print.css:{line}:28: P002 refused to load 'zero': the file lies outside the project "
        "(hint: keep fonts, images and stylesheets inside the project's styles/ or manuscript/ folders)"]


# A runaway render is stopped by the build's limits, at the template line it was on.

@pytest.mark.parametrize("runaway, limit, expected", [
    # About 10^8 steps: minutes of work, were it not stopped.
    ("{% for i in range(100000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", ("--max-seconds", "1"),
     "L001 the build was stopped after 1 s (hint: look for a loop that never ends or an enormous input here, "
     "or raise --max-seconds above 1)"),
    ('{{ "x" * 1000 * 1000 * 1000 }}', ("--max-memory", "300"),
     "L002 the build was stopped at its 300 MB memory limit (hint: look for an enormous input or a value "
     "multiplied into a huge one here, or raise --max-memory above 300)"),
], ids=["time", "memory"])
def test_a_runaway_template_is_stopped_by_the_limits(runaway: str, limit: tuple[str, str], expected: str,
                                                     project: Path, capsys) -> None:
    good_build(capsys)
    edit(project / "manuscript/templates/chapters/work.html.j2", "It won", f"\n{runaway}It won")
    assert refused_build(capsys, project, *limit) == [f"manuscript/templates/chapters/work.html.j2:2:1: {expected}"]


def test_limits_must_be_numbers_of_zero_or_more(project: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["build", "--max-seconds", "-5"])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "builder build: error: argument --max-seconds: -5 is below 0 (0 means no limit)")


def test_an_invisible_character_no_font_has_is_named_by_its_code_point(project: Path, capsys) -> None:
    edit(project / "manuscript/facts.yaml", "place: Testville", "place: Test\u2028ville")
    code, err, _ = run(capsys, "build", "--pdf")
    assert (code, err[0]) == (1, "manuscript/facts.yaml:7:18: P003 no font in styles/fonts can print U+2028 "
                                 "(hint: replace the character, or add an open-licensed font that has it to "
                                 "styles/fonts)")


# The loader's gallery of defects (tests/test_load.py) once more, through `builder build` on a
# project that has good outputs: the same one line, exit code 1, and the outputs untouched.

@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A project with the fixture manuscript, built once; each test works on a copy."""
    root = tmp_path_factory.mktemp("built")
    shutil.copytree(FIXTURES / "minimal", root / "manuscript")
    shutil.copytree(PROJECT / "styles", root / "styles")
    here = Path.cwd()
    os.chdir(root)
    try:
        assert main(["build"]) == 0
    finally:
        os.chdir(here)
    return root


def copy_of(built: Path, tmp_path: Path, monkeypatch) -> Path:
    project = tmp_path / "project"
    shutil.copytree(built, project, symlinks=True)
    monkeypatch.chdir(project)
    return project


@pytest.mark.parametrize("name", sorted(LOAD_CASES))
def test_every_manuscript_defect_leaves_the_outputs_byte_identical(name: str, built: Path, tmp_path: Path,
                                                                    monkeypatch, capsys) -> None:
    project = copy_of(built, tmp_path, monkeypatch)
    file, old, new, expected = LOAD_CASES[name]
    edit(project / "manuscript" / file, old, new)
    assert refused_build(capsys, project) == [expected]


@pytest.mark.parametrize("damage, expected", [
    (lambda m: (m / "facts.yaml").write_bytes((m / "facts.yaml").read_bytes().replace(b"in 1960.", b"in 1960 \xe9t\xe9.")),
     "manuscript/facts.yaml:4:38: Y003 is not UTF-8 text (hint: save the file as UTF-8 in your editor)"),
    (lambda m: (m / "awards.yaml").unlink(),
     "manuscript/awards.yaml:1:1: Y001 file is missing (hint: create manuscript/awards.yaml (see the README's "
     "manuscript format))"),
    (lambda m: [p.unlink() for p in m.glob("*.yaml")],
     "manuscript:1:1: M002 manuscript folder has no YAML files (hint: add profile.yaml, sources.yaml, facts.yaml, "
     "filmography.yaml, awards.yaml and conflicts.yaml (see the README))"),
    (lambda m: shutil.rmtree(m),
     "manuscript:1:1: M001 manuscript folder does not exist (hint: pass the folder that holds profile.yaml, "
     "or create it)"),
], ids=["not-utf8", "missing-file", "empty-folder", "missing-folder"])
def test_a_damaged_manuscript_leaves_the_outputs_byte_identical(damage, expected: str, built: Path, tmp_path: Path,
                                                                monkeypatch, capsys) -> None:
    project = copy_of(built, tmp_path, monkeypatch)
    damage(project / "manuscript")
    assert refused_build(capsys, project) == [expected]


def test_the_command_in_a_fresh_process_builds_what_the_build_function_does(project: Path, fixture_build) -> None:
    # A fresh process parses the YAML in a fork while it loads WeasyPrint, and leaves
    # without tearing down what it built: its line must still be printed.
    done = subprocess.run([sys.executable, "-m", "builder", "build"], cwd=project, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "") and done.stdout.startswith("built output/ada-example.pdf")
    built = {name: data for name, data in snapshot(project / "output").items() if not name.startswith(".")}
    assert built == {path.name: data for path, data in fixture_build.files.items()}


def test_the_command_in_a_fresh_process_reports_a_yaml_error(project: Path) -> None:
    edit(project / "manuscript/awards.yaml", "awards:", "awards: [")
    done = subprocess.run([sys.executable, "-m", "builder", "build"], cwd=project, capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.startswith("manuscript/awards.yaml:") and " Y006 " in done.stderr


# The EPUB alone needs only where the print pages fall: no PDF is drawn for it.

def test_the_epub_alone_draws_no_pdf_and_is_the_epub_of_a_full_build(project: Path, capsys, monkeypatch,
                                                                     fixture_build) -> None:
    def drawn(*arguments, **options):
        raise AssertionError("the book's PDF was drawn for an EPUB-only build")

    # The make-up reads each chapter's own proofs; the book's PDF is what must not be drawn.
    monkeypatch.setattr("builder.pdf.write", drawn)
    code, err, _ = run(capsys, "build", "--epub")
    assert (code, err) == (0, [])
    assert sorted(p.name for p in (project / "output").iterdir() if not p.name.startswith(".")) == ["ada-example.epub"]
    epub = next(data for path, data in fixture_build.files.items() if path.suffix == ".epub")
    assert (project / "output/ada-example.epub").read_bytes() == epub


def test_the_epub_after_a_full_build_takes_the_page_places_from_the_kept_layouts(project: Path, capsys,
                                                                               monkeypatch) -> None:
    good_build(capsys)
    epub = (project / "output/ada-example.epub").read_bytes()
    (project / "output/ada-example.epub").unlink()

    def laid_out(*arguments, **options):
        raise AssertionError("a part was laid out again")

    monkeypatch.setattr("weasyprint.HTML.render", laid_out)
    code, err, _ = run(capsys, "build", "--epub")
    assert (code, err) == (0, [])
    assert (project / "output/ada-example.epub").read_bytes() == epub


def test_a_library_upgrade_means_a_rebuild(project: Path, capsys, monkeypatch) -> None:
    from builder import freshness

    good_build(capsys)
    installed = freshness.versions()
    monkeypatch.setattr(freshness, "versions", lambda: {**installed, "weasyprint": "71.0"})
    good_build(capsys)


def test_a_build_stopped_by_its_time_limit_leaves_no_alarm_behind(project: Path, capsys) -> None:
    import signal

    before = signal.getsignal(signal.SIGALRM)
    edit(project / "manuscript/templates/chapters/work.html.j2", "It won",
         "{% for i in range(100000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}It won")
    assert run(capsys, "build", "--max-seconds", "1")[0] == 1
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is before


def test_a_new_process_after_an_edit_builds_what_a_fresh_build_does(project: Path) -> None:
    # The second process lays out only the edited chapter (and the front matter) from the
    # layouts the first one kept on disk.
    def built() -> dict[str, bytes]:
        done = subprocess.run([sys.executable, "-m", "builder", "build"], cwd=project, capture_output=True,
                              text=True, timeout=300)
        assert (done.returncode, done.stderr) == (0, "")
        return {name: data for name, data in snapshot(project / "output").items() if not name.startswith(".")}

    built()
    edit(project / "manuscript/facts.yaml", "place: Testville", "place: Testburg")
    kept = built()
    shutil.rmtree(project / "output")
    assert built() == kept


def test_a_typo_in_the_epub_stylesheet_stops_the_build(project: Path, capsys) -> None:
    """No layout reads the EPUB's stylesheet: without this check its typo would ship."""
    good_build(capsys)
    edit(project / "styles" / "epub.css", "a { color: inherit; }", "a { colour: inherit; }")
    err = refused_build(capsys, project)
    assert re.fullmatch(r"styles/epub\.css:\d+:\d+: P001 WeasyPrint warning: Ignored `colour: inherit` at \d+:\d+, "
                        r"unknown property\. \(hint: .*\)", err[0])


def test_an_isbn_is_printed_on_the_copyright_page_and_given_in_the_epub(minimal: Path, tmp_path: Path) -> None:
    import zipfile

    from pypdf import PdfReader

    from builder.build import Project, produce

    profile = minimal / "profile.yaml"
    without = produce(Project(minimal, PROJECT / "styles", tmp_path / "plain"))
    edit(profile, "trim:", "ISBN: '9780306406157'\ntrim:")
    built = produce(Project(minimal, PROJECT / "styles", tmp_path / "out"))

    def copyright_page(artifacts) -> str:
        pdf = next(data for path, data in artifacts.files.items() if path.suffix == ".pdf")
        page = artifacts.layout.anchor_pages["copyright"]
        return PdfReader(io.BytesIO(pdf)).pages[page - 1].extract_text()

    assert "ISBN 978-0-306-40615-7" in copyright_page(built)
    assert "ISBN" not in copyright_page(without) and "urn:uuid" not in copyright_page(without)
    epub = next(data for path, data in built.files.items() if path.suffix == ".epub")
    with zipfile.ZipFile(io.BytesIO(epub)) as book:
        opf = book.read("EPUB/content.opf").decode()
    assert '<dc:identifier id="isbn">urn:isbn:9780306406157</dc:identifier>' in opf
