"""Reproduce first: does the model's new test fail on the original code, as a bug's should?

A reproduction that passes before the fix shows nothing — the model may have tested the
wrong thing, or the bug it "fixed" is not the reported one. After a coding round of a
bug-fix task, the test files the model added or changed are run against the original
code: every other changed file is put back as it was in the snapshot, the tests are run,
and the change is restored byte for byte. The answer goes into the proposal as
``reproduced: yes/no`` and, when the reproduction passed, back to the model.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from delegate.agent.task import TaskSpec, TestReport
from delegate.agent.verify import adds_tests
from delegate.proposals.changes import FileChange

_BUG_WORDS = re.compile(
    r"\b(fix\w*|bugs?|broken|crash\w*|errors?|exceptions?|wrong|incorrect\w*|fails?|failing|"
    r"regression|raises?|off[- ]by[- ]one|should(?:n't| not)?)\b",
    re.I,
)
RunSelection = Callable[[Sequence[str]], Awaitable[TestReport | None]]


def is_bug_fix(spec: TaskSpec) -> bool:
    """A task whose words say something is broken (not test generation or a revision)."""
    return spec.kind == "task" and bool(_BUG_WORDS.search(spec.instruction))


def reproduction_files(changes: Sequence[FileChange]) -> list[str]:
    """The test files in which the change adds tests or assertions (the model's reproduction)."""
    return [c.path for c in changes if adds_tests(c)]


async def run_on_original(
    root: Path, changes: Sequence[FileChange], tests: Sequence[str], run: RunSelection
) -> TestReport | None:
    """Run ``tests`` with every non-test change undone, then put the change back."""
    undone = [c for c in changes if c.path not in tests]
    try:
        for change in undone:
            _write(root, change.path, change.base)
            if change.old_path is not None:
                _write(root, change.old_path, change.base)
        return await run(tests)
    finally:
        for change in undone:
            if change.old_path is not None:
                _write(root, change.old_path, None)
            _write(root, change.path, change.proposed)


def _write(root: Path, rel: str, text: str | None) -> None:
    target = root / rel
    if text is None:
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
