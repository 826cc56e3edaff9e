"""``run_tests`` and ``finish``: the coder's way to check its work and to say it is done.

``run_tests`` runs the task's test command in the sandbox (optionally narrowed to some test
paths or ids, validated by the runner) and returns the condensed report; every report is
also kept in the context so the loop can use the latest. ``finish`` records the coder's
summary in the context; the loop ends the coding phase when it sees it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from delegate.agent.task import TestReport
from delegate.agent.tools.base import (
    BaseTool,
    ToolOutput,
    required_str,
    string_list,
    truncate_lines,
)

NO_TESTS = (
    "No test command is configured or detected for this project (setting tests.command), "
    "so tests cannot be run. Check your change by reading the code instead."
)
TAIL_LINES = 60


class RunTests(BaseTool):
    name = "run_tests"
    description = (
        "Run the project's tests in the workspace as edited so far. Without `tests` runs the "
        "whole suite; with `tests` only those test files or ids (e.g. tests/test_x.py or "
        "tests/test_x.py::test_y; a package such as ./pkg/... for go; CalcTest#adds for Maven or "
        "Gradle). Returns a summary and the condensed failures."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "tests": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Test paths or ids; empty runs everything.",
            }
        },
    }

    async def run(self, input: Mapping[str, Any]) -> str | ToolOutput:
        runner = self.ctx.test_runner
        if runner is None:
            return ToolOutput(NO_TESTS, is_error=True)
        selection = string_list(input, "tests")
        report = await runner.run(selection, on_progress=self.ctx.on_test_progress)
        self.ctx.test_reports.append(report)
        return format_report(report)


def format_report(report: TestReport) -> str:
    verdict = "PASSED" if report.passed else "FAILED"
    lines = [f"Tests {verdict}: {report.summary} ({report.duration_s:.1f} s)"]
    if report.failures:
        lines.append("Failures:")
        lines.extend(report.failures)
    elif not report.passed and report.output_tail:
        lines.append("Output (last lines):")
        lines.append(truncate_lines(report.output_tail.splitlines()[-TAIL_LINES:], TAIL_LINES))
    return "\n".join(lines)


class Finish(BaseTool):
    name = "finish"
    description = (
        "Call once when the change is complete: give a short summary of what you changed and "
        "why, and anything the reviewer should check. The task then moves to verification."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"summary": {"type": "string", "description": "What you did and why."}},
        "required": ["summary"],
    }

    async def run(self, input: Mapping[str, Any]) -> str:
        self.ctx.finish_state.summary = required_str(input, "summary").strip()
        return "Summary recorded. The change now goes to verification; stop here."
