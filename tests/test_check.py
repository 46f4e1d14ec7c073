"""`builder check`: exact messages and exit codes, one defect per test."""

from __future__ import annotations

from pathlib import Path

from builder.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_fixture_passes_with_summary(minimal: Path, capsys) -> None:
    code, out, err = run(capsys, "check", "manuscript")
    assert (code, err) == (0, "")
    assert "facts           4  (1 kept out of the text)" in out
    assert "awards          2  (1 won, 1 nominated, 0 honour)" in out
    assert "conflicts       1  (1 resolved)" in out


def test_unknown_source_is_named_with_its_line(minimal: Path, capsys) -> None:
    facts = minimal / "facts.yaml"
    facts.write_text(facts.read_text().replace("source: daily-news", "source: daily-newz"))
    code, _, err = run(capsys, "check", "manuscript")
    assert code == 1
    assert err.splitlines()[0] == (
        "manuscript/facts.yaml:21:9: R001 cites unknown source 'daily-newz' "
        "(hint: register it in sources.yaml or fix the id)")
