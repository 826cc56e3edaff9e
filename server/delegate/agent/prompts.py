"""Every word the agent says to the model, kept apart from the loop that says it.

Prompts change more often than control flow, and reviewing them is easier when they are
plain functions of the task: :func:`system_prompt`, :func:`task_message` (the plan request),
:func:`code_message`, :func:`test_feedback`, :func:`verifier_message`, and the test
generation prompts. None of them does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from delegate.agent.task import TaskSpec, TestReport
from delegate.agent.untrusted import UNTRUSTED_RULE, untrusted_block

SYSTEM = """\
You are Delegate, a careful software engineer working on a task a developer handed you from \
their editor. You work in a sandbox copy of their project; nothing you do reaches their files \
until they review your change hunk by hunk.

How to work:
- First understand: use search_code, repo_map, find_symbol, grep, read_file and list_dir.
- Make the smallest change that does the task well, in the project's existing style.
- Never delete, skip or weaken existing tests to make them pass; fix the code instead.
- Do not touch version control metadata, CI configuration or lockfiles unless asked.
- Never write secrets or credentials into files.
- Paths are relative to the project root.
- When the change is complete, call `finish` with a short summary of what you changed and why."""

PLAN_REQUEST = """\
Before editing anything, study the code with the read-only tools, then reply with a short plan:
1. the steps, 2. the files you will change or create, 3. how you will test the change.
Do not edit files yet."""

CODE_REQUEST = """\
Now carry out the plan with the editing tools. Run the tests when you think you are done, \
then call `finish` with a summary."""

PREEXISTING_ONLY = """\
Every test that still fails also failed before your change. If fixing them is part of the \
task, keep going; if they are unrelated, call `finish` again without further changes."""

VERIFIER_SYSTEM = """\
You review a change an automated agent made for a developer. Judge only the diff against the \
task. Reject it if it does not do the task, if it deletes, skips or weakens tests, if it \
touches unrelated files, or if it adds secrets. Reply with JSON only: \
{"approved": true|false, "notes": ["short reason", ...]}"""
VERIFIER_SYSTEM += "\n\n" + UNTRUSTED_RULE  # the diff may quote the repository's text

TESTGEN_REQUEST = """\
Write unit tests for `{symbol}`{where}. Follow the project's conventions:
{conventions}
Create the tests in a new file `{test_path}` using the editing tool. Cover normal cases, edge \
cases and error handling. Test the behaviour the code has now; if you believe the code has a \
bug, still write the test for the correct behaviour and name it `test_..._suspected_bug`. \
Then call `finish` with a summary."""


def system_prompt(repo_map: str | None = None) -> list[str]:
    """System blocks: the stable rules, then the repo map (both cached as one prefix)."""
    blocks = [f"{SYSTEM}\n\n{UNTRUSTED_RULE}"]
    if repo_map:
        blocks.append(
            "Map of the repository (most relevant files first):\n"
            + untrusted_block("repo map", repo_map)
        )
    return blocks


def _focus(spec: TaskSpec) -> str:
    if not spec.file:
        return ""
    if spec.start_line is not None:
        end = spec.end_line or spec.start_line
        return f"\nFocus: `{spec.file}` lines {spec.start_line}-{end}."
    return f"\nFocus: `{spec.file}`."


def _baseline(report: TestReport | None) -> str:
    if report is None:
        return "\nNo test command was found for this project."
    if report.passed:
        return f"\nBefore your change the tests pass ({report.summary})."
    failing = "\n".join(f"- {line}" for line in report.failures[:10])
    return (
        f"\nBefore your change some tests already fail ({report.summary}); you are not "
        f"expected to fix those unless the task asks for it:\n"
        f"{untrusted_block('test output', failing)}"
    )


#: Longest text of the hunks quoted in a revision request; the rest is cut.
REVISION_HUNKS_LIMIT = 6000


def _quoted_hunk(hunk: Mapping[str, Any]) -> str:
    """One hunk of ``proposals.revise_request``: where, the user's note, before and after."""
    where = f"`{hunk.get('path')}` line {hunk.get('line')}"
    if hunk.get("operation") not in (None, "modify"):
        where += f" ({hunk.get('operation')})"
    note = str(hunk.get("comment") or "").strip()
    return (
        f"- {where}" + (f" — their note: {note}" if note else "") + "\n"
        f"  was:\n```\n{hunk.get('base') or ''}```\n"
        f"  you proposed:\n```\n{hunk.get('proposed') or ''}```"
    )


def _quoted_hunks(title: str, hunks: Sequence[Mapping[str, Any]]) -> str:
    text = "\n".join(_quoted_hunk(h) for h in hunks)
    if len(text) > REVISION_HUNKS_LIMIT:
        text = text[:REVISION_HUNKS_LIMIT] + "\n… [cut]"
    return f"{title}\n{text}"


def _revision(revise: Mapping[str, Any] | None) -> str:
    """The revision part of the task message, from ``proposals.revise_request``'s shape:
    ``comment``, ``summary``, ``rejected`` and ``conflicted`` hunks, ``accepted`` and
    ``pending`` hunk ids."""
    if not revise:
        return ""
    parts = ["\nThis is a revision of your earlier proposal; the developer reviewed it."]
    previous = str(revise.get("summary") or "").strip()
    if previous:
        parts.append(f"Your earlier summary: {previous}")
    comment = str(revise.get("comment") or "").strip()
    if comment:
        parts.append(f"Their comment: {comment}")
    rejected = list(revise.get("rejected") or [])
    if rejected:
        parts.append(_quoted_hunks("They rejected these changes; do them differently:", rejected))
    conflicted = list(revise.get("conflicted") or [])
    if conflicted:
        parts.append(
            _quoted_hunks(
                "These changes conflicted with their own edits; redo them on the current code:",
                conflicted,
            )
        )
    if revise.get("accepted"):
        parts.append(
            f"They accepted {len(revise['accepted'])} change(s); those are already in the files."
        )
    if revise.get("pending"):
        parts.append(
            f"{len(revise['pending'])} change(s) were left undecided and are not in the files; "
            "make them again if they are still right."
        )
    return "\n".join(parts)


def task_message(spec: TaskSpec, baseline: TestReport | None) -> str:
    """The first user message: the task, its focus, the baseline tests, and the plan request."""
    return (
        f"Task: {spec.instruction.strip()}{_focus(spec)}{_revision(spec.revise)}"
        f"{_baseline(baseline)}\n\n{PLAN_REQUEST}"
    )


def code_message() -> str:
    return CODE_REQUEST


def test_feedback(report: TestReport, iteration: int, max_iterations: int) -> str:
    """What the model hears after a red test run: condensed failures, never the whole log."""
    failures = "\n\n".join(report.failures[:10]) or report.output_tail[-3000:]
    failures = untrusted_block("test output", failures)
    return (
        f"The tests fail after your change ({report.summary}); round {iteration} of "
        f"{max_iterations}.\n\n{failures}\n\nFix the code (not the tests, unless a test itself "
        "is wrong for the task), then call `finish` again."
    )


def verifier_message(
    instruction: str,
    diff: str,
    before: TestReport | None,
    after: TestReport | None,
    findings: Sequence[str],
) -> str:
    tests = "no tests were run"
    if after is not None:
        was = before.summary if before else "unknown"
        tests = f"before: {was}; after: {after.summary}"
    flagged = "\n".join(f"- {f}" for f in findings) or "- none"
    quoted = untrusted_block("the change under review", f"```diff\n{diff[:60000]}\n```")
    return (
        f"Task: {instruction}\n\nTests: {tests}\n\nAutomatic checks flagged:\n{flagged}\n\n"
        f"Diff:\n{quoted}"
    )


def testgen_message(
    symbol: str, file: str | None, conventions: str, test_path: str, source: str
) -> str:
    where = f" in `{file}`" if file else ""
    request = TESTGEN_REQUEST.format(
        symbol=symbol, where=where, conventions=conventions, test_path=test_path
    )
    code = untrusted_block("code under test", f"```\n{source[:20000]}\n```")
    return f"{request}\n\nThe code under test:\n{code}"
