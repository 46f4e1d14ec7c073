"""Limits: the time and memory one build may take.

A template that loops for ever, or an input that asks for gigabytes, must end in
a problem the editor can act on, not in a hung terminal or a process the kernel
kills. The deadline is a timer signal that raises `OverTime` wherever the build
is; the memory ceiling is the process's address-space limit, at which Python
raises MemoryError instead of the machine swapping or the kernel's
out-of-memory killer ending the process without a word. Both are lifted when the
build ends, so a long-lived `builder watch` is limited per build. Nothing else is
changed for the build's time (no library is patched around it), so an alarm that
lands anywhere leaves nothing half done but the build it stops.
"""

from __future__ import annotations

import resource
import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

MEGABYTE = 1024 * 1024


class OverTime(Exception):
    """The build passed its deadline."""


@dataclass(frozen=True)
class Limits:
    """At most `seconds` of wall time and `megabytes` more address space per build; 0 means none."""

    seconds: float = 300
    megabytes: int = 4096

    def time_hint(self) -> str:
        return ("look for a loop that never ends or an enormous input here, "
                f"or raise --max-seconds above {self.seconds:g}")

    def memory_hint(self) -> str:
        return ("look for an enormous input or a value multiplied into a huge one here, "
                f"or raise --max-memory above {self.megabytes}")


NO_LIMITS = Limits(0, 0)


@contextmanager
def enforced(limits: Limits) -> Iterator[None]:
    """Run the body under `limits`."""
    with _deadline(limits.seconds), _ceiling(limits.megabytes):
        yield


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    # Signals reach only the main thread; a build run elsewhere (a test's worker) has no deadline.
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    armed = [True]

    def stop(signum, frame):
        if armed[0]:
            raise OverTime()

    previous = signal.signal(signal.SIGALRM, stop)
    # It fires again each second after the first: library code that swallows one exception
    # with a broad `except` cannot keep a runaway build alive.
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        # First of all, and in one step no signal can split: from here the alarm does
        # nothing, so one landing while the rest is undone cannot leave it half undone.
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _ceiling(megabytes: int) -> Iterator[None]:
    if not megabytes:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    # On top of what the process already holds: a long `builder watch` grows between builds.
    wanted = _address_space() + megabytes * MEGABYTE
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space() -> int:
    """The bytes of address space this process holds now (0 where /proc is not there)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * resource.getpagesize()
