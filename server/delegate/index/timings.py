"""Wall-clock time per stage of an index update, for the debug log and the benchmark.

An update's cost hides in many places (waiting for the pool, Arrow conversions, LanceDB
writes, index builds); a per-stage tally makes "where did the time go" a log line away
instead of a profiling session.  Logged at DEBUG, so it costs nothing when off — a
``perf_counter`` pair per stage.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


class StageTimer:
    """Accumulates seconds per named stage; also the pool's CPU time (children's rusage)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}  # this process's CPU (all its threads) per stage
        self._started = time.perf_counter()
        self._cpu_self = time.process_time()
        self._cpu_children = _children_cpu()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu

    def timed_iter(self, name: str, items: Iterable[T]) -> Iterator[T]:
        """``items``, adding the time spent waiting for each one to ``name``."""
        iterator = iter(items)
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                self.add(name, time.perf_counter() - started)
                return
            self.add(name, time.perf_counter() - started)
            yield item

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def summary(self) -> str:
        """``total 12.3 s (cpu: …): walk 0.10 (cpu 0.09), wait for pool 3.2, …`` (seconds)."""
        total = time.perf_counter() - self._started
        cpu_self = time.process_time() - self._cpu_self
        cpu_children = _children_cpu() - self._cpu_children
        stages = ", ".join(
            f"{name} {secs:.2f}" + (f" (cpu {self.cpu[name]:.2f})" if name in self.cpu else "")
            for name, secs in self.seconds.items()
        )
        return (
            f"total {total:.2f} s (cpu: this process {cpu_self:.2f} s, "
            f"ended children {cpu_children:.2f} s): {stages}"
        )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
