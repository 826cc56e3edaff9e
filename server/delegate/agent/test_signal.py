"""Whether a test run says anything about the change: "no test signal" is not green.

A suite that cannot be collected fails the same way before and after any change, and a
project without tests passes every time; neither says the change works. These checks read
the condensed report (exit code and summary), whatever the runner, and name the reason, so
the verdict can show it and ``apply-when-green`` can refuse to apply without a real run.
"""

from __future__ import annotations

import re

from delegate.agent.task import TestReport

_COUNT = re.compile(r"(\d+) (?:tests? )?(passed|passing|failed|failing)")
_NOTHING_RAN = re.compile(r"no tests ran|no tests? (?:found|collected)|no test files", re.I)
_COLLECTION = re.compile(r"errors? during collection|ERROR collecting", re.I)
# pytest's exit codes when nothing ran: internal error, usage error, nothing collected
_PYTEST_NO_RUN = {
    3: "the test runner crashed",
    4: "the test command was wrong",
    5: "no tests were collected",
}


def tests_ran(report: TestReport) -> int:
    """How many tests passed or failed according to the summary."""
    return sum(int(number) for number, _ in _COUNT.findall(report.summary))


def no_signal_reason(report: TestReport | None) -> str | None:
    """Why ``report`` says nothing about the change; None when it is a real test result."""
    if report is None:
        return "no test command was found (set tests.command)"
    if report.exit_code == 127:
        return f"the test command could not start ({report.summary})"
    ran = tests_ran(report) > 0
    if _is_pytest(report) and report.exit_code in _PYTEST_NO_RUN:
        return f"{_PYTEST_NO_RUN[report.exit_code or 0]} ({report.summary})"
    if not ran and (_COLLECTION.search(report.output_tail) or _collection_errors(report)):
        return f"the tests could not be collected ({report.summary})"
    if not ran and _NOTHING_RAN.search(report.summary + "\n" + report.output_tail[-2000:]):
        return f"no tests ran ({report.summary})"
    return None


def _is_pytest(report: TestReport) -> bool:
    return any(word.endswith("pytest") or word == "py.test" for word in report.command)


def _collection_errors(report: TestReport) -> bool:
    """pytest lists a module it could not import as ``ERROR path`` (no ``::`` test id)."""
    return any(
        line.startswith("ERROR ") and "::" not in line.split(" - ", 1)[0]
        for line in report.failures
    )
