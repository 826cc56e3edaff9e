"""Which tests concern the task, so "no new failures" is not mistaken for success.

A bug report often comes with the tests that show it: they fail before the change, and a
change that deletes the buggy line may leave them failing exactly as before — no *new*
failure, yet nothing fixed. A pre-existing failure concerns the task when its test file is
the test of a file the change touches (``tests/test_calc.py`` for ``calc.py``), when the
task names the test, or when it tests the file in focus. Those must pass for the task to
succeed, whatever the baseline.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from delegate.agent.task import TaskSpec, TestReport
from delegate.proposals.changes import FileChange

_TEST_AFFIXES = re.compile(r"^(?:test_|tests_)|(?:_test|_tests|\.test|\.spec|Test|Tests)$")


def test_id(failure: str) -> str:
    """The test id of a condensed failure line (``path::name - message``)."""
    return failure.split("\n", 1)[0].split(" - ", 1)[0].removeprefix("ERROR ").strip()


def _subject(path: str) -> str:
    """``calc`` for ``tests/test_calc.py``, ``parser`` for ``src/parser.test.ts``."""
    stem = PurePosixPath(path).name.split(".", 1)[0]
    return _TEST_AFFIXES.sub("", stem).lower()


def concerning_failures(
    before: TestReport | None,
    after: TestReport,
    changes: Sequence[FileChange],
    spec: TaskSpec,
) -> list[str]:
    """The failures of ``after`` that also failed in ``before`` and concern the task."""
    if before is None or before.passed:
        return []
    old = {test_id(line) for line in before.failures}
    subjects = {PurePosixPath(c.path).name.split(".", 1)[0].lower() for c in changes if c.proposed}
    if spec.file:
        subjects.add(PurePosixPath(spec.file).name.split(".", 1)[0].lower())
    instruction = spec.instruction.lower()
    found = []
    for line in after.failures:
        ident = test_id(line)
        if ident not in old:
            continue
        file_part, _, name = ident.partition("::")
        short = name.rsplit("::", 1)[-1].split("[", 1)[0].lower()
        if _subject(file_part) in subjects or (short and short in instruction):
            found.append(line)
    return found
