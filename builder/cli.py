"""CLI: the `builder` command. Parses arguments, calls one function, prints its result.

This is the one place that turns problems into printed lines and exit codes:
0 success, 1 problems in the manuscript or the build, 2 a wrong command line.
No traceback reaches the editor unless `--debug` asks for one.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Callable, NoReturn

from .build import FORMATS, Project, build
from .limits import Limits
from .problems import ManuscriptError, Problem, display_path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="builder", description=__doc__.splitlines()[0])
    parser.add_argument("--debug", action="store_true", help="show a traceback on an internal error")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate the manuscript and print a summary")
    check.add_argument("manuscript", nargs="?", default="manuscript", type=Path)
    check.add_argument("--styles", default="styles", type=Path, help="stylesheets and fonts (default: styles)")
    new = commands.add_parser("new", help="write a small starter manuscript that checks and builds at once")
    new.add_argument("folder", type=Path, help="the manuscript folder to create (it must not exist or be empty)")
    new.add_argument("--language", default="en", metavar="TAG",
                     help="the book's language as a BCP 47 tag, e.g. en-GB, fr-FR, de-DE (default: en)")
    for name, text in (("build", "build the PDF and the EPUB into the output folder"),
                       ("watch", "build, then rebuild on every change to the manuscript or the styles")):
        command = commands.add_parser(name, help=text)
        command.add_argument("manuscript", nargs="?", default="manuscript", type=Path)
        command.add_argument("--styles", default="styles", type=Path, help="stylesheets and fonts (default: styles)")
        command.add_argument("--output", default="output", type=Path, help="where to write (default: output)")
        only = command.add_mutually_exclusive_group()
        only.add_argument("--pdf", action="store_const", dest="formats", const=("pdf",), help="the PDF only")
        only.add_argument("--epub", action="store_const", dest="formats", const=("epub",), help="the EPUB only")
        command.add_argument("--edition", choices=("screen", "print"), default="screen",
                             help="screen: tagged PDF/UA (default); print: PDF/X-4 with bleed and crop marks")
        command.add_argument("--max-seconds", type=_at_least_zero(float), default=Limits.seconds, metavar="N",
                             help=f"stop a build that runs longer (default: {Limits.seconds:g}; 0: no limit)")
        command.add_argument("--max-memory", type=_at_least_zero(int), default=Limits.megabytes, metavar="MB",
                             help=f"stop a build that needs more memory (default: {Limits.megabytes}; 0: no limit)")
    return parser


def run() -> NoReturn:
    """The `builder` command: `main`, then leave without tearing down, one object at a
    time, all the build made (the laid-out pages): that took half a second."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `builder check | head -1`: the reader has all it wanted
        pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"check": run_check, "build": run_build, "watch": run_watch, "new": run_new}[args.command](args)
    except ManuscriptError as error:
        return _report(error.problems)
    except KeyboardInterrupt:
        print("builder: interrupted; existing outputs were left as they were", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of the output went away (`builder check | head -1`)
        return 0
    except Exception as error:  # the last line of defence: one line, never a traceback
        if args.debug:
            traceback.print_exc()
        print(f"builder: internal error: {type(error).__name__}: {error} "
              "(hint: run again with --debug and report it)", file=sys.stderr)
        return 1


def _report(problems: list[Problem]) -> int:
    for problem in sorted(problems):
        print(problem, file=sys.stderr)
    count = len(problems)
    print(f"{count} problem{'s' if count != 1 else ''} found; no output was changed", file=sys.stderr)
    return 1


def run_check(args: argparse.Namespace) -> int:
    from .check import check_manuscript, check_rendering, check_styles, summarise
    from .load import load_manuscript

    manuscript, problems = load_manuscript(args.manuscript)
    if manuscript is not None:
        problems = check_manuscript(manuscript)
        # A note citing an unknown source cannot be written: rendering would only repeat R001.
        if not any(p.code == "R001" for p in problems):
            problems += check_rendering(manuscript)
    if args.manuscript.is_dir():
        problems += check_styles(args.styles)
    if problems:
        return _report(problems)
    print(f"{args.manuscript}: clean")
    for line in summarise(manuscript).lines():
        print(f"  {line}")
    return 0


def run_build(args: argparse.Namespace) -> int:
    project = _project(args)
    started = time.perf_counter()
    # Stage lines are for a person watching a long build, not for logs and pipes.
    report = (lambda line: print(f"  {line}", flush=True)) if sys.stdout.isatty() else (lambda line: None)
    outcome = build(project, formats=args.formats or FORMATS, edition=args.edition, report=report,
                    limits=_limits(args))
    if outcome.up_to_date:
        print("up to date: nothing changed since the last build")
        return 0
    names = ", ".join(display_path(p, project.output.parent) for p in outcome.written)
    print(f"built {names} in {time.perf_counter() - started:.1f} s")
    return 0


def run_watch(args: argparse.Namespace) -> int:
    from .watch import watch_and_build

    project = _project(args)
    watch_and_build(project, args.formats or FORMATS, args.edition, _limits(args),
                    say=lambda line: print(line, flush=True))
    return 0


def run_new(args: argparse.Namespace) -> int:
    from .starter import write_starter

    folder = write_starter(args.folder, args.language)
    shown = display_path(folder, Path.cwd())
    print(f"wrote a starter manuscript in {shown}; next: builder check {shown}, then builder build {shown}")
    return 0


def _project(args: argparse.Namespace) -> Project:
    """The build's folders; a styles folder that is not there is told at once, with the fix
    (the usual cause: running from outside the project folder)."""
    if not (args.styles / "print.css").is_file():
        from .check import STYLES_HINT

        raise ManuscriptError([Problem(str(args.styles), 1, 1, "M003",
                                       "styles folder with print.css not found", STYLES_HINT)])
    return Project(manuscript=args.manuscript, styles=args.styles, output=args.output)


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(args.max_seconds, args.max_memory)


def _at_least_zero(kind: type) -> Callable[[str], float | int]:
    def convert(text: str) -> float | int:
        value = kind(text)
        if value < 0:
            raise argparse.ArgumentTypeError(f"{text} is below 0 (0 means no limit)")
        return value
    convert.__name__ = kind.__name__  # argparse names the type in its message
    return convert
