"""A test command that leaves a child holding its stdout ends with the command, not at the
timeout; the child is killed with the command's process group.

Before, the runner waited for stdout to close as well as for the command to exit, so a
test suite that started a server in the background ran into the 60 s timeout and was
reported as timed out.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from delegate.agent.testrunner import TestRunner
from tests.robustness.hanging import processes_with, wait_until


async def test_a_child_holding_stdout_does_not_hold_the_run(tmp_path: Path) -> None:
    marker = f"held-{uuid.uuid4().hex[:8]}"
    script = f"sleep 300 # {marker}"
    command = ["sh", "-c", f"sh -c '{script}' & echo tests done; exit 0"]
    runner = TestRunner(tmp_path, command, timeout_s=120, max_output_chars=10_000)
    report = await runner.run()
    assert report.exit_code == 0, report.summary  # not None: it did not time out
    assert report.passed and "tests done" in report.output_tail
    wait_until(lambda: processes_with(marker) == [], what="the child killed with the group")
