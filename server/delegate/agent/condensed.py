"""What a test run came to, in a few lines: the type ``failures.py`` (pytest and the
fallback) and ``test_commands/parsers.py`` (the other runners) both return.

Its own module so the parsers need not import ``failures``, which calls them (no import
circle; ``tests/unit/test_layering.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Condensed:
    """What a test run came to, in a few lines."""

    summary: str
    failures: list[str] = field(default_factory=list)
    tests_done: int | None = None
    tests_total: int | None = None
