"""Turn a test run's raw output into what the model and the user need: who failed and why.

A full pytest log can run to megabytes; the model needs the failing test ids, the assertion
messages and the line each failure points at. :func:`condense_output` returns that as a
short summary ("2 failed, 5 passed") and one compact entry per failure. Pytest output is
parsed here (short summary lines, the ``E`` lines of each failure section and its location);
the other runners (jest, vitest, mocha, node, go, cargo, Maven, Gradle, RSpec, minitest,
dotnet, unittest) in :mod:`delegate.agent.test_commands.parsers`; anything else falls back
to the last lines of output. Everything here is pure text in,
text out, so the parsing is tested on captured logs without running anything.
"""

from __future__ import annotations

import re

from delegate.agent.condensed import Condensed as Condensed

MAX_FAILURES = 20
MAX_DETAIL_LINES = 12
GENERIC_TAIL_LINES = 30

_SUMMARY = re.compile(
    r"^=*\s*(?P<counts>(?:\d+ (?:failed|passed|errors?|skipped|xfailed|xpassed|warnings?"
    r"|deselected|rerun)(?:, )?)+|no tests ran)(?: in [\d.]+s.*?)?\s*=*$"
)
_SHORT_LINE = re.compile(
    r"^(?P<outcome>FAILED|ERROR) (?P<nodeid>[^\s(]\S*)(?: - (?P<message>.*))?$"
)
_SECTION = re.compile(r"^_{3,} (?P<title>.+?) _{3,}$")
_BANNER = re.compile(r"^={3,} .* ={3,}$")
_LOCATION = re.compile(r"^(?P<path>[^\s:]+):(?P<line>\d+): (?P<kind>\w+)$")
_PROGRESS = re.compile(r"^(?:\S+\.py )?(?P<marks>[.FEsxXR]+)\s*\[\s*(?P<pct>\d+)%\]$")
_SECTION_PREFIXES = ("ERROR collecting ", "ERROR at setup of ", "ERROR at teardown of ")


def condense_output(output: str, *, exit_code: int | None, timed_out: bool = False) -> Condensed:
    """Condense ``output``: pytest is recognised, anything else keeps its last lines."""
    pytest_result = condense_pytest(output)
    if pytest_result is not None:
        if timed_out:
            return Condensed(
                f"timed out after {pytest_result.summary}",
                pytest_result.failures,
                pytest_result.tests_done,
                pytest_result.tests_total,
            )
        return pytest_result
    from delegate.agent.test_commands.parsers import condense_known_runner

    known = condense_known_runner(output)
    if known is not None and not timed_out:
        return known
    if known is not None:
        return Condensed(f"timed out after {known.summary}", known.failures)
    return condense_generic(output, exit_code=exit_code, timed_out=timed_out)


def condense_pytest(output: str) -> Condensed | None:
    """Parse pytest's output; None when it does not look like pytest."""
    lines = output.splitlines()
    summary = _summary_counts(lines)
    short = [m for m in map(_SHORT_LINE.match, lines) if m]
    done, total = pytest_progress(output)
    if summary is None and not short and done == 0:
        return None
    sections = _failure_sections(lines)
    failures: list[str] = []
    for match in short:
        nodeid = match["nodeid"]
        head = f"{nodeid} - {match['message']}" if match["message"] else nodeid
        if match["outcome"] == "ERROR":
            head = f"ERROR {head}"
        failures.append(_with_details(head, sections.pop(_section_key(nodeid), None)))
    if not short:  # e.g. run with -rN: fall back to the sections themselves
        failures = [_with_details(title, body) for title, body in sections.items()]
    if summary is None:
        summary = f"{done} run, output ended early" if done else "no summary"
    return Condensed(summary, _cap_failures(failures), done or None, total)


def condense_generic(output: str, *, exit_code: int | None, timed_out: bool = False) -> Condensed:
    """For runners we do not parse: pass/fail from the exit code and the last lines."""
    if timed_out:
        summary = "timed out"
    elif exit_code == 0:
        summary = "passed"
    else:
        summary = f"failed (exit code {exit_code})"
    failures: list[str] = []
    if timed_out or exit_code != 0:
        tail = output.rstrip().splitlines()[-GENERIC_TAIL_LINES:]
        if tail:
            failures.append("\n".join(tail))
    return Condensed(summary, failures)


def pytest_progress(output: str) -> tuple[int, int | None]:
    """(tests done, estimated total) from pytest's progress lines ("..F. [ 40%]")."""
    done = 0
    pct = 0
    for line in output.splitlines():
        progress = progress_from_line(line)
        if progress:
            done += progress[0]
            pct = progress[1]
    total = round(done * 100 / pct) if pct else None
    return done, total


def progress_from_line(line: str) -> tuple[int, int] | None:
    """(results on the line, percent done) for one pytest progress line, else None."""
    match = _PROGRESS.match(line.strip())
    return (len(match["marks"]), int(match["pct"])) if match else None


def _summary_counts(lines: list[str]) -> str | None:
    for line in reversed(lines):
        match = _SUMMARY.match(line.strip())
        if match:
            return match["counts"]
    return None


def _failure_sections(lines: list[str]) -> dict[str, list[str]]:
    """Section title → its body, for the FAILURES and ERRORS parts of a pytest log."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        section = _SECTION.match(line)
        if section:
            title = section["title"]
            for prefix in _SECTION_PREFIXES:
                title = title.removeprefix(prefix)
            current = sections.setdefault(title, [])
        elif _BANNER.match(line):
            current = None
        elif current is not None:
            current.append(line)
    return sections


def _section_key(nodeid: str) -> str:
    """The title pytest gives ``nodeid``'s section: ``TestK.test_m`` or a module path."""
    if "::" not in nodeid:
        return nodeid
    return nodeid.split("::", 1)[1].replace("::", ".")


def _with_details(head: str, body: list[str] | None) -> str:
    if not body:
        return head
    details = [f"  {line.rstrip()}" for line in body if line.startswith("E ")]
    details = [line for line in details if line.strip() != "E"]
    if len(details) > MAX_DETAIL_LINES:
        hidden = len(details) - MAX_DETAIL_LINES
        details = [*details[:MAX_DETAIL_LINES], f"  [… {hidden} more lines truncated]"]
    locations = [m for m in map(_LOCATION.match, body) if m]
    if locations:
        last = locations[-1]
        details.append(f"  at {last['path']}:{last['line']}")
    return "\n".join([head, *details])


def _cap_failures(failures: list[str]) -> list[str]:
    if len(failures) <= MAX_FAILURES:
        return failures
    return [*failures[:MAX_FAILURES], f"[… {len(failures) - MAX_FAILURES} more failures]"]
