"""Measuring a piece of work: wall time, CPU of this process (and its children), peak RSS.

CPU is ``user + sys`` from ``getrusage``. Peak RSS is the process's high-water mark: on Linux
it is reset before each measurement (``/proc/self/clear_refs``), so each measurement has its
own peak; elsewhere it is the peak of the whole process so far.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_CLEAR_REFS = Path("/proc/self/clear_refs")
_STATUS = Path("/proc/self/status")


@dataclass
class Measurement:
    """What one measured piece of work cost."""

    wall_s: float = 0.0
    cpu_s: float = 0.0  # user + sys of this process
    cpu_children_s: float = 0.0  # user + sys of waited-for children (process pools)
    peak_rss_mb: float = 0.0
    # the largest child process so far (page readers, shard processes): RUSAGE_CHILDREN
    # cannot be reset, and children live for one pass, so this is their peak
    peak_rss_children_mb: float = 0.0

    @property
    def cpu_total_s(self) -> float:
        return self.cpu_s + self.cpu_children_s

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in asdict(self).items()}


@dataclass
class _Box:
    measurement: Measurement = field(default_factory=Measurement)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def reset_peak_rss() -> bool:
    """Reset this process's RSS high-water mark (Linux ≥ 4.0); False when not possible."""
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float:
    """This process's RSS high-water mark in MB (since the last reset, on Linux)."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's resident set size now, in MB."""
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@contextmanager
def measured() -> Iterator[_Box]:
    """``with measured() as box: work()`` then read ``box.measurement``."""
    box = _Box()
    reset_peak_rss()
    cpu0, child0 = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        yield box
    finally:
        wall = time.perf_counter() - start
        box.measurement = Measurement(
            wall_s=wall,
            cpu_s=_cpu(resource.RUSAGE_SELF) - cpu0,
            cpu_children_s=_cpu(resource.RUSAGE_CHILDREN) - child0,
            peak_rss_mb=peak_rss_mb(),
            peak_rss_children_mb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        )


def cpu_ms(fn: Callable[[], T]) -> tuple[T, float]:
    """Run ``fn`` once; its result and the CPU milliseconds (this thread's) it took."""
    start = time.thread_time()
    result = fn()
    return result, (time.thread_time() - start) * 1000


def repeat_cpu_ms(fn: Callable[[], Any], repeats: int) -> list[float]:
    """CPU milliseconds of ``repeats`` calls of ``fn`` (after one untimed warm-up call)."""
    fn()
    return [cpu_ms(fn)[1] for _ in range(repeats)]


def median(values: Iterable[float | int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def percentile(values: Iterable[float], p: float) -> float | None:
    data = sorted(values)
    if not data:
        return None
    k = min(len(data) - 1, max(0, round(p / 100 * (len(data) - 1))))
    return data[k]


def proc_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + sys) used so far by another process, from ``/proc``."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks
