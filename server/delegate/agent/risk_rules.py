"""Rules that block a change doing something risky the task did not ask for.

A model steered by text in the repository (or just wrong) can add a line that runs a
command, reaches the network or pipes a download into a shell, or can edit CI and hook
configuration that runs later with real credentials. Green tests say nothing about that,
so :func:`risk_findings` looks at the lines a change adds and at the paths it touches, and
each finding blocks the change (:mod:`delegate.agent.verify`) unless the instruction itself
asks for that kind of change (it names a subprocess, the network, CI or hooks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from delegate.agent.redact import MASK
from delegate.proposals.changes import FileChange

_PROCESS = re.compile(
    r"\bos\.(?:system|popen|exec\w*|spawn\w*)\s*\(|\bsubprocess\.|\bPopen\s*\(|\bpty\.spawn\("
    r"|\bchild_process\b|\bexecSync\s*\(|\bspawnSync\s*\(|\bexec\.Command\s*\(|\bRuntime\.getRuntime\(\)\.exec"
)
_NETWORK = re.compile(
    r"\burllib\.request\b|\burlopen\s*\(|\brequests\.(?:get|post|put|delete|request)\s*\(|\bhttpx\."
    r"|\bhttp\.client\b|\bsocket\.(?:socket|create_connection)\s*\(|\bfetch\s*\(\s*['\"]https?:"
    r"|\bnet\.Dial\s*\(|\bhttp\.(?:Get|Post)\s*\("
)
_PIPE_TO_SHELL = re.compile(r"\b(?:curl|wget)\b[^|\n]*\|\s*(?:ba|z)?sh\b")
_DYNAMIC_CODE = re.compile(r"(?<![\w.])(?:eval|exec)\s*\(|\bnew\s+Function\s*\(|\bFunction\s*\(")
_CI_OR_HOOKS = (
    ".github/",
    ".gitlab-ci.yml",
    ".circleci/",
    ".buildkite/",
    "azure-pipelines.yml",
    ".travis.yml",
    "Jenkinsfile",
    ".pre-commit-config.yaml",
    ".husky/",
    ".githooks/",
    ".git/hooks/",
)
_ASKED_PROCESS = re.compile(r"(?i)subprocess|shell|command|process|\bexec|\beval")
_ASKED_NETWORK = re.compile(r"(?i)network|http|url|download|request|socket|fetch|api\b")
_ASKED_CI = re.compile(r"(?i)\bci\b|workflow|pipeline|github actions|hook|pre-commit")


@dataclass(frozen=True)
class RiskFinding:
    rule: str
    path: str
    message: str


def _added_lines(change: FileChange) -> list[str]:
    before = set((change.base or "").splitlines())
    return [line for line in (change.proposed or "").splitlines() if line not in before]


def risk_findings(changes: Sequence[FileChange], instruction: str) -> list[RiskFinding]:
    """The risky additions of ``changes`` that ``instruction`` does not ask for; pure."""
    line_rules = (
        ("pipe-to-shell", _PIPE_TO_SHELL, None, "pipes a download into a shell"),
        ("new-process-call", _PROCESS, _ASKED_PROCESS, "starts a process"),
        ("new-network-call", _NETWORK, _ASKED_NETWORK, "reaches the network"),
        ("dynamic-code", _DYNAMIC_CODE, _ASKED_PROCESS, "evaluates code built at run time"),
    )
    findings: list[RiskFinding] = []
    for change in changes:
        if change.path.startswith(_CI_OR_HOOKS) and not _ASKED_CI.search(instruction):
            findings.append(
                RiskFinding("ci-or-hook-change", change.path, f"edit to CI or hooks: {change.path}")
            )
        added = _added_lines(change)
        if any(MASK in line for line in added):
            findings.append(
                RiskFinding(
                    "masked-secret",
                    change.path,
                    f"{change.path}: a secret of the server's environment was written here "
                    "(masked as [REDACTED])",
                )
            )
        for rule, pattern, asked, what in line_rules:
            if asked is not None and asked.search(instruction):
                continue
            hits = [line.strip() for line in added if pattern.search(line)]
            if hits:
                findings.append(
                    RiskFinding(
                        rule, change.path, f"{change.path}: a new line {what}: {hits[0][:80]}"
                    )
                )
    return findings
