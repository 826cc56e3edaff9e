"""The verifier: rule checks on the final diff, then a separate model call that reviews it.

Green tests are not enough: an agent can make tests pass by deleting them. The rule checks
are deterministic and cheap, so they run first and their findings are shown to the reviewing
model too. A ``block`` finding rejects the change whatever the model says; a ``warn`` finding
is a note for the human reviewer.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath
from typing import Any, Literal

from delegate.agent import prompts
from delegate.agent.client import ModelError
from delegate.agent.redact import redact
from delegate.agent.risk_rules import risk_findings
from delegate.agent.task import TestReport
from delegate.proposals.changes import FileChange

Severity = Literal["block", "warn"]

_TEST_FILE = re.compile(
    r"(^|/)(tests?/|__tests__/)|(^|/)test_[^/]*\.py$|_test\.(py|go)$|\.(test|spec)\.[jt]sx?$"
)
_TEST_DEF = re.compile(
    r"^\s*(?:async\s+)?def\s+test\w*\s*\(|^\s*(?:it|test)(?:\.\w+)?\s*\(|^func\s+Test\w*\(|#\[test\]",
    re.M,
)
_ASSERT = re.compile(
    r"\bassert\w*\b|\bexpect\s*\(|\bself\.assert\w+\(|pytest\.raises\(|t\.(?:Error|Fatal)f?\("
)
_SKIP = re.compile(
    r"@pytest\.mark\.(?:skip|skipif|xfail)\b|\bpytest\.(?:skip|xfail)\(|@unittest\.skip\w*"
    r"|\b(?:it|describe|test)\.skip\(|\bx(?:it|describe)\(|\bt\.Skip(?:Now|f)?\(|#\[ignore\]"
)
_LOCKFILES = {
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "Cargo.lock",
    "go.sum",
    "composer.lock",
    "Gemfile.lock",
}
_CI_PREFIXES = (".github/", ".gitlab-ci.yml", ".circleci/", ".buildkite/", "azure-pipelines.yml")


@dataclass(frozen=True)
class Finding:
    """One rule that fired on one file."""

    rule: str
    path: str
    message: str
    severity: Severity


def is_test_file(path: str) -> bool:
    return bool(_TEST_FILE.search(path))


def adds_tests(change: FileChange) -> bool:
    """A test file the change creates, or whose new lines define a test or assert something."""
    if change.proposed is None or not is_test_file(change.path):
        return False
    added = "\n".join(_added_lines(change))
    return bool(_TEST_DEF.search(added) or _ASSERT.search(added))


def _count(pattern: re.Pattern[str], text: str | None) -> int:
    return len(pattern.findall(text or ""))


def _test_findings(change: FileChange) -> list[Finding]:
    path = change.path
    if change.proposed is None:
        return [Finding("deleted-test", path, f"test file {path} deleted", "block")]
    before_tests, after_tests = _count(_TEST_DEF, change.base), _count(_TEST_DEF, change.proposed)
    findings = []
    if after_tests < before_tests:
        findings.append(
            Finding(
                "deleted-test",
                path,
                f"{before_tests - after_tests} test function(s) removed from {path}",
                "block",
            )
        )
    before_asserts, after_asserts = _count(_ASSERT, change.base), _count(_ASSERT, change.proposed)
    if change.base is not None and after_asserts < before_asserts:
        findings.append(
            Finding(
                "weakened-test",
                path,
                f"{before_asserts - after_asserts} assertion(s) removed from {path}",
                "block",
            )
        )
    if _count(_SKIP, change.proposed) > _count(_SKIP, change.base):
        findings.append(Finding("skipped-test", path, f"skip/xfail mark added in {path}", "block"))
    return findings


def _location_findings(path: str) -> list[Finding]:
    name = PurePosixPath(path).name
    if path == ".git" or path.startswith((".git/", ".delegate/")):
        return [Finding("outside-sources", path, f"edit to {path} (repository metadata)", "block")]
    if path.startswith(_CI_PREFIXES):
        return [Finding("ci-config", path, f"edit to CI configuration {path}", "warn")]
    if name in _LOCKFILES:
        return [Finding("lockfile", path, f"edit to lockfile {path}", "warn")]
    return []


def _added_lines(change: FileChange) -> list[str]:
    before = set((change.base or "").splitlines())
    return [line for line in (change.proposed or "").splitlines() if line not in before]


def rule_checks(changes: Sequence[FileChange]) -> list[Finding]:
    """Deterministic checks of a change set; pure."""
    findings: list[Finding] = []
    for change in changes:
        findings.extend(_location_findings(change.path))
        if change.old_path is not None:
            findings.extend(_location_findings(change.old_path))
        if is_test_file(change.path) or (change.old_path and is_test_file(change.old_path)):
            findings.extend(_test_findings(change))
        secrets = [line for line in _added_lines(change) if redact(line) != line]
        if secrets:
            findings.append(
                Finding(
                    "secret", change.path, f"{len(secrets)} secret-looking line(s) added", "block"
                )
            )
    return findings


def unified_diff(changes: Sequence[FileChange]) -> str:
    """A git-style unified diff of all changes."""
    parts: list[str] = []
    for change in changes:
        old = change.old_path or change.path
        before = (change.base or "").splitlines(keepends=True)
        after = (change.proposed or "").splitlines(keepends=True)
        from_name = "/dev/null" if change.base is None else f"a/{old}"
        to_name = "/dev/null" if change.proposed is None else f"b/{change.path}"
        lines = list(difflib.unified_diff(before, after, from_name, to_name))
        if not lines and change.old_path:
            lines = [f"rename {change.old_path} → {change.path}\n"]
        parts.extend(
            line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            for line in lines
        )
    return "".join(parts)


def parse_verdict(text: str) -> dict[str, Any]:
    """Read the reviewer's JSON (possibly inside prose or a code fence)."""
    match = re.search(r"\{.*\}", text, re.S)
    if match:
        try:
            data = json.loads(match.group(0))
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("approved"), bool):
            notes = data.get("notes") or []
            return {"approved": data["approved"], "notes": [str(n) for n in notes]}
    return {"approved": False, "notes": [f"the reviewer's reply was not a verdict: {text[:200]}"]}


Reviewer = Callable[[str], Awaitable[dict[str, Any]]]


async def verify(
    reviewer: Reviewer | None,
    instruction: str,
    changes: Sequence[FileChange],
    before: TestReport | None,
    after: TestReport | None,
    *,
    no_signal: str | None = None,
) -> dict[str, Any]:
    """The verdict: ``{"approved", "notes", "rules", "review", "test_signal"}``.

    ``reviewer`` gets the review request (task, tests, findings, diff) and returns
    ``{"approved", "notes"}``; :mod:`delegate.agent.reviewer` runs it as a model with
    read-only tools. ``no_signal`` says why the tests say nothing, when they do not; the
    verdict carries it as ``test_signal`` so nobody mistakes it for green."""
    findings = rule_checks(changes)
    risky = risk_findings(changes, instruction)  # blocking: risky and not asked for
    findings += [Finding(r.rule, r.path, r.message, "block") for r in risky]
    notes = [f"{f.severity}: {f.message}" for f in findings]
    blocked = any(f.severity == "block" for f in findings)
    review: dict[str, Any] = {"approved": True, "notes": []}
    if not changes:
        review = {"approved": False, "notes": ["the task produced no changes"]}
    elif reviewer is not None:
        message = prompts.verifier_message(
            instruction,
            unified_diff(changes),
            before,
            after,
            [f.message for f in findings],
            no_signal,
        )
        try:
            review = await reviewer(message)
        except ModelError as error:
            review = {"approved": False, "notes": [f"review unavailable: {error}"]}
    if no_signal:
        notes.append(f"no test signal: {no_signal}")
    notes.extend(str(n) for n in review["notes"])
    return {
        "approved": bool(review["approved"]) and not blocked,
        "notes": notes,
        "rules": [asdict(f) for f in findings],
        "review": review,
        "test_signal": no_signal is None,
    }
