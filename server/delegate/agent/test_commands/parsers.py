"""Read the failures out of each test runner's output, into one condensed shape.

Every parser takes the raw output and returns a :class:`~delegate.agent.failures.Condensed`
(summary "2 failed, 5 passed" and one entry per failing test: its id, the message, where
it points) or None when the output is not that runner's. They are pure functions over
text, tested on captured logs of the real runners. Pytest's parser lives in
:mod:`delegate.agent.failures`, which tries these after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from delegate.agent.condensed import Condensed

MAX_DETAIL = 8
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _summary(failed: int, passed: int, extra: str = "") -> str:
    parts = [f"{failed} failed"] if failed else []
    parts.append(f"{passed} passed")
    return ", ".join(parts) + (f", {extra}" if extra else "")


def _entry(head: str, details: list[str], where: re.Match[str] | None = None) -> str:
    """One failure: its id, a few lines of message, and where it points when known."""
    kept = [f"  {d.strip()}" for d in details if d.strip()][:MAX_DETAIL]
    if where is not None:
        kept.append(f"  at {where[1]}")
    return "\n".join([head, *kept])


def _counts(totals: str) -> tuple[int, int]:
    """(failed, passed) from a runner's totals line."""
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) (failed|passed)", totals)}
    return counts.get("failed", 0), counts.get("passed", 0)


def parse_jest(output: str) -> Condensed | None:
    """Jest: ``Tests: 1 failed, 2 passed, 3 total`` and ``● Suite › name`` blocks."""
    output = _ANSI.sub("", output)
    totals = re.findall(r"^Tests:\s+(.*\btotal)\s*$", output, re.M)
    if not totals:
        return None
    failed, passed = _counts(totals[-1])
    failures: list[str] = []
    file = ""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        fail_file = re.match(r"^FAIL\s+(\S+)", line)
        if fail_file:
            file = fail_file[1].removeprefix("./")
        bullet = re.match(r"^\s+● (.+)$", line)
        if bullet and "Console" not in bullet[1]:
            body = [x for x in lines[i + 1 : i + 30] if not re.match(r"^\s+● ", x)]
            where = next((m for x in body if (m := re.search(r"\(([^()]+:\d+):\d+\)", x))), None)
            details = [x for x in body if x.strip() and not x.strip().startswith(("at ", ">", "|"))]
            details = [x for x in details if not re.match(r"^\s+\d+ \|", x)]
            head = f"{file} › {bullet[1]}" if file else bullet[1]
            failures.append(_entry(head, details[:4], where))
    return Condensed(_summary(failed, passed), failures)


def parse_vitest(output: str) -> Condensed | None:
    """Vitest: ``Tests  1 failed | 2 passed (3)`` and `` FAIL  file > suite > name``."""
    text = _ANSI.sub("", output)
    totals = re.findall(r"^\s*Tests\s+(.+\(\d+\))\s*$", text, re.M)
    if not totals:
        return None
    failed, passed = _counts(totals[-1])
    failures: list[str] = []
    lines = text.splitlines()
    seen: set[str] = set()
    for i, line in enumerate(lines):
        match = re.match(r"^\s*FAIL\s+(.+? > .+?)\s*$", line)
        if not match or match[1] in seen:
            continue
        seen.add(match[1])
        body = lines[i + 1 : i + 12]
        message = [x for x in body if re.match(r"^\s*\w*(Error|Exception)\b", x)][:2]
        where = next((m for x in body if (m := re.search(r"❯ (\S+:\d+)", x))), None)
        failures.append(_entry(match[1], message, where))
    return Condensed(_summary(failed, passed), failures)


def parse_mocha(output: str) -> Condensed | None:
    """Mocha: ``N passing`` / ``N failing`` and numbered failure blocks."""
    passing = re.search(r"^\s*(\d+) passing", output, re.M)
    if not passing:
        return None
    failing = re.search(r"^\s*(\d+) failing", output, re.M)
    failures = []
    blocks = re.split(r"^\s*\d+\) ", output[failing.end() :] if failing else "", flags=re.M)
    for block in blocks[1:]:
        lines = [x for x in block.splitlines() if x.strip()]
        where = next((m for x in lines if (m := re.search(r"\(([^()]+:\d+):\d+\)", x))), None)
        head = " ".join(x.strip().rstrip(":") for x in lines[:2])
        message = [x for x in lines[2:] if not x.strip().startswith("at ")][:3]
        failures.append(_entry(head, message, where))
    return Condensed(_summary(int(failing[1]) if failing else 0, int(passing[1])), failures)


def parse_node_test(output: str) -> Condensed | None:
    """Node's built-in runner (TAP): ``# pass N`` / ``# fail N`` and ``not ok`` lines."""
    passed = re.search(r"^# pass (\d+)", output, re.M)
    failed = re.search(r"^# fail (\d+)", output, re.M)
    if not passed or not failed:
        return None
    failures = [
        m[1] for m in re.finditer(r"^\s*not ok \d+ - (.+)$", output, re.M) if "# SKIP" not in m[1]
    ]
    return Condensed(_summary(int(failed[1]), int(passed[1])), failures)


def parse_go(output: str) -> Condensed | None:
    """go test: ``--- FAIL: TestX`` blocks, ``ok``/``FAIL`` package lines."""
    packages = re.findall(r"^(ok|FAIL)\s*\t(\S+)", output, re.M)
    fails = list(re.finditer(r"^\s*--- FAIL: (\S+)", output, re.M))
    if not packages and not fails:
        return None
    failures = []
    lines = output.splitlines()
    index = {line: i for i, line in enumerate(lines)}
    for match in fails:
        start = index.get(match.group(0), 0) + 1
        details = []
        for line in lines[start : start + MAX_DETAIL]:
            if re.match(r"^\s*(--- |=== |FAIL|ok\s|PASS)", line):
                break
            details.append(line)
        where = next((m for x in details if (m := re.match(r"^\s*(\S+\.go:\d+):", x))), None)
        failures.append(_entry(match[1], details, where))
    build = re.findall(r"^FAIL\s+(\S+)\s+\[(build failed|setup failed)\]", output, re.M)
    failures += [f"{pkg}: {why}" for pkg, why in build]
    passed_pkgs = sum(1 for kind, _ in packages if kind == "ok")
    passed_tests = len(re.findall(r"^\s*--- PASS: ", output, re.M))
    passed = passed_tests or passed_pkgs
    noun = "" if passed_tests else " packages"
    summary = _summary(len(fails) + len(build), passed)
    return Condensed(summary.replace(" passed", f"{noun} passed"), failures)


def parse_cargo(output: str) -> Condensed | None:
    """cargo test: ``test result:`` lines and ``---- name stdout ----`` sections."""
    results = re.findall(r"^test result: \w+\. (\d+) passed; (\d+) failed", output, re.M)
    if not results:
        if "error: could not compile" in output:
            errors = re.findall(r"^error(?:\[\w+\])?: .+$", output, re.M)[:5]
            places = re.findall(r"^\s+--> (\S+)", output, re.M)[:5]
            items = [f"{e}\n  at {w}" for e, w in zip(errors, places, strict=False)] or errors
            return Condensed("could not compile", items)
        return None
    passed = sum(int(p) for p, _ in results)
    failed = sum(int(f) for _, f in results)
    failures = []
    for match in re.finditer(
        r"^---- (\S+) stdout ----\n(.*?)(?=^---- |^failures:|\Z)", output, re.M | re.S
    ):
        body = match[2].splitlines()
        where = next((m for x in body if (m := re.search(r"panicked at (\S+?:\d+)", x))), None)
        details = [x for x in body if "panicked at" not in x and not x.startswith("note:")]
        failures.append(_entry(match[1], details, where))
    return Condensed(_summary(failed, passed), failures)


def parse_maven(output: str) -> Condensed | None:
    """Maven Surefire: ``Tests run: N, Failures: F, Errors: E`` and the summary section."""
    totals = re.findall(
        r"Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)\s*$", output, re.M
    )
    if not totals:
        if "COMPILATION ERROR" in output:
            errors = re.findall(r"^\[ERROR\] (/\S+\.java:\[\d+,\d+\] .+)$", output, re.M)[:5]
            return Condensed("could not compile", errors)
        return None
    run, failed, errored, skipped = (int(n) for n in totals[-1])
    failures = []
    section = re.search(
        r"^\[ERROR\] (?:Failures|Errors):\s*$(.*?)(?=^\[INFO\]|^\[ERROR\] Tests run|\Z)",
        output,
        re.M | re.S,
    )
    if section:
        for line in section[1].splitlines():
            item = re.match(r"^\[ERROR\]\s{2,}(\S+?)(?::(\d+))?\s+(.*)$", line)
            if item:
                at = f"\n  at line {item[2]}" if item[2] else ""
                failures.append(f"{item[1]} - {item[3].strip()}{at}")
    passed = run - failed - errored - skipped
    return Condensed(_summary(failed + errored, passed), failures)


def parse_gradle(output: str) -> Condensed | None:
    """Gradle: ``Class > method() FAILED`` and ``N tests completed, F failed``."""
    total = re.search(r"^(\d+) tests? completed(?:, (\d+) failed)?", output, re.M)
    fails = list(re.finditer(r"^(\S.*? > .+?) FAILED\s*$", output, re.M))
    if not total and not fails:
        return None
    failures = []
    lines = output.splitlines()
    for match in fails:
        i = lines.index(match.group(0)) if match.group(0) in lines else 0
        failures.append(_entry(match[1], lines[i + 1 : i + 3]))
    done = int(total[1]) if total else len(fails)
    failed = int(total[2] or 0) if total else len(fails)
    return Condensed(_summary(failed, done - failed), failures)


def parse_rspec(output: str) -> Condensed | None:
    """RSpec: ``N examples, F failures`` and ``rspec ./spec/x_spec.rb:4 # name`` lines."""
    total = re.search(r"^(\d+) examples?, (\d+) failures?", output, re.M)
    if not total:
        return None
    failures = []
    for block in re.split(r"^\s+\d+\) ", output.split("Failed examples:")[0], flags=re.M)[1:]:
        lines = [x for x in block.splitlines() if x.strip()]
        where = next((m for x in lines if (m := re.match(r"^\s*# (\./\S+?:\d+)", x))), None)
        details = [x for x in lines[1:] if not x.strip().startswith("#")][:4]
        failures.append(_entry(lines[0].strip() if lines else "?", details, where))
    examples, failed = int(total[1]), int(total[2])
    return Condensed(_summary(failed, examples - failed), failures[: failed or None])


def parse_minitest(output: str) -> Condensed | None:
    """Minitest: ``N runs, A assertions, F failures, E errors`` and numbered blocks."""
    total = re.search(r"^(\d+) runs, \d+ assertions, (\d+) failures, (\d+) errors", output, re.M)
    if not total:
        return None
    failures = []
    for match in re.finditer(
        r"^\s*\d+\) (?:Failure|Error):\n(\S+) \[([^\]]+)\]:\n(.*?)(?=\n\n|\Z)", output, re.M | re.S
    ):
        failures.append(_entry(match[1], match[3].splitlines()) + f"\n  at {match[2]}")
    runs, failed, errored = int(total[1]), int(total[2]), int(total[3])
    return Condensed(_summary(failed + errored, runs - failed - errored), failures)


def parse_dotnet(output: str) -> Condensed | None:
    """dotnet test: ``Failed!  - Failed: 1, Passed: 2`` and ``Failed Name [ms]`` blocks."""
    total = re.search(r"(?:Failed|Passed)!\s+-\s+Failed:\s+(\d+),\s+Passed:\s+(\d+)", output)
    if not total:
        return None
    failures = []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        match = re.match(r"^\s+Failed (\S+) \[", line)
        if match:
            body = lines[i + 1 : i + 6]
            message = [x for x in body if x.strip() and "Error Message" not in x][:2]
            failures.append(_entry(match[1], message))
    return Condensed(_summary(int(total[1]), int(total[2])), failures)


def parse_unittest(output: str) -> Condensed | None:
    """unittest: ``Ran N tests`` and ``FAIL: name (module.Class.name)`` sections."""
    ran = re.search(r"^Ran (\d+) tests? in", output, re.M)
    if not ran:
        return None
    failures = []
    for match in re.finditer(
        r"^(FAIL|ERROR): (\S+) \(([^)]+)\)\n-{20,}\n(.*?)(?=^={20,}|^-{20,}|\Z)",
        output,
        re.M | re.S,
    ):
        body = match[4].splitlines()
        where = [m for x in body if (m := re.match(r'^\s*File "([^"]+)", line (\d+)', x))]
        message = [x for x in body if re.match(r"^\w*(Error|Exception)\b", x)]
        head = f"{match[3]} - {message[-1]}" if message else match[3]
        at = f"\n  at {where[-1][1]}:{where[-1][2]}" if where else ""
        failures.append(f"{'ERROR ' if match[1] == 'ERROR' else ''}{head}{at}")
    result = re.search(r"^FAILED \((.*)\)", output, re.M)
    bad = sum(int(n) for n in re.findall(r"(?:failures|errors)=(\d+)", result[1])) if result else 0
    total = int(ran[1])
    if total == 0:
        return Condensed("no tests ran", failures)
    return Condensed(_summary(bad, total - bad), failures)


PARSERS: tuple[Callable[[str], Condensed | None], ...] = (
    parse_cargo,
    parse_go,
    parse_maven,
    parse_gradle,
    parse_vitest,
    parse_jest,
    parse_mocha,
    parse_node_test,
    parse_rspec,
    parse_minitest,
    parse_dotnet,
    parse_unittest,
)


def condense_known_runner(output: str) -> Condensed | None:
    """The first parser that recognises ``output``; None when none does."""
    for parser in PARSERS:
        try:
            result = parser(output)
        except (ValueError, IndexError):  # an odd log is read by the next parser or generically
            result = None
        if result is not None:
            return result
    return None
