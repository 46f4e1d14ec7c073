"""A stage run in a fork: its result, its problems and its failures come back as they would
have in this process, and a fork whose result is not wanted is stopped."""

from __future__ import annotations

import os
import time

import pytest

from builder.background import Background, BackgroundError
from builder.problems import ManuscriptError, Problem


def test_the_result_comes_back_from_another_process() -> None:
    with Background(lambda: (os.getpid(), b"x" * 1_000_000)) as job:
        pid, payload = job.result()
    assert pid != os.getpid()
    assert payload == b"x" * 1_000_000  # more than a pipe holds at once


def test_problems_in_the_fork_are_the_builds_problems() -> None:
    problem = Problem("manuscript/templates/chapters/a.html.j2", 2, 1, "E001", "not XHTML", "close the tag")

    def fails():
        raise ManuscriptError([problem])

    with Background(fails) as job, pytest.raises(ManuscriptError) as raised:
        job.result()
    assert raised.value.problems == [problem]


def test_an_interrupt_in_the_fork_interrupts_the_build() -> None:
    def interrupted():
        raise KeyboardInterrupt

    with Background(interrupted) as job, pytest.raises(KeyboardInterrupt):
        job.result()


def test_any_other_failure_is_named() -> None:
    with Background(lambda: 1 / 0) as job, pytest.raises(BackgroundError, match="ZeroDivisionError: division by zero"):
        job.result()


def test_a_fork_whose_result_is_not_wanted_is_stopped() -> None:
    started = time.monotonic()
    with Background(lambda: time.sleep(60)) as job:
        pid = job.pid
    assert time.monotonic() - started < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie is left
