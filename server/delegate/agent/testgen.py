"""Test generation: write tests for one symbol, keep the ones that hold, and measure them.

Generated tests are only worth keeping if they pass on today's code and would fail if the
code were wrong. So the flow is: learn the project's test conventions → ask the model for a
test file → run it → drop the test functions that fail (a failure that looks like a wrong
result, not a broken test, is reported as a *suspected bug* — never dropped silently) →
mutate the target (flip a comparison, change a constant, return early) and run the kept tests
against each mutant; the share of mutants they catch is the mutation score in
``result.extra["mutation"]``. Mutation is done with :mod:`ast`, so it is Python only.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from delegate.agent import prompts, testgen_evidence, testgen_languages
from delegate.agent.conversation import add_user_text
from delegate.agent.loop_types import RunningTask, TaskOutcome, TaskStopped
from delegate.agent.paths import resolve_inside
from delegate.agent.task import TestReport
from delegate.proposals.changes import FileChange

if TYPE_CHECKING:
    from delegate.agent.tools.base import CodeIndex

MAX_MUTANTS = 12
MUTANT_MIN_TIMEOUT_S = 3.0
MUTANT_TIMEOUT_FACTOR = 5.0
_SKIP_DIRS = {".git", ".delegate", ".venv", "venv", "node_modules", "__pycache__", "build", "dist"}


@dataclass(frozen=True)
class Conventions:
    """How a project writes its tests, as far as its existing tests show."""

    framework: str  # "pytest" or "unittest"
    folder: str  # e.g. "tests" ("" for next to the code)
    prefix_style: bool  # test_<name>.py rather than <name>_test.py

    def describe(self) -> str:
        style = (
            "unittest.TestCase classes"
            if self.framework == "unittest"
            else "plain pytest functions with assert"
        )
        naming = "test_<module>.py" if self.prefix_style else "<module>_test.py"
        where = f"the `{self.folder}/` folder" if self.folder else "next to the code"
        return f"- framework: {style}\n- files named {naming} in {where}"

    def test_path(self, target: str, existing: set[str]) -> str:
        stem = PurePosixPath(target).stem
        name = f"test_{stem}_generated.py" if self.prefix_style else f"{stem}_generated_test.py"
        folder = self.folder or str(PurePosixPath(target).parent)
        path = str(PurePosixPath(folder) / name) if folder not in ("", ".") else name
        n = 2
        while path in existing:
            path = path.replace("_generated", f"_generated{n}", 1)
            n += 1
        return path


def _python_files(root: Path) -> Iterator[str]:
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if not _SKIP_DIRS.intersection(rel.parts[:-1]):
            yield rel.as_posix()


def learn_conventions(root: Path) -> Conventions:
    """Framework, folder and naming from the project's existing Python tests."""
    tests = [
        p
        for p in _python_files(root)
        if PurePosixPath(p).name.startswith("test_") or p.endswith("_test.py")
    ]
    if not tests:
        return Conventions("pytest", "tests", True)
    folders = Counter(str(PurePosixPath(p).parent) for p in tests)
    folder = folders.most_common(1)[0][0]
    prefix = sum(PurePosixPath(p).name.startswith("test_") for p in tests) * 2 >= len(tests)
    unittest_files = sum(
        "unittest.TestCase" in (root / p).read_text(encoding="utf-8", errors="replace")
        for p in tests
    )
    framework = "unittest" if unittest_files * 2 > len(tests) else "pytest"
    return Conventions(framework, "" if folder == "." else folder, prefix)


# -- keeping only passing tests ---------------------------------------------------------------

_ASSERTION = re.compile(r"\bassert|AssertionError|Failed: DID NOT RAISE", re.I)


@dataclass(frozen=True)
class FailedTest:
    name: str  # the test function, or the test file when ``file_level``
    failure: str
    suspected_bug: bool
    file_level: bool = False  # the file itself failed (collection): no function to drop
    evidence: str = ""  # the model's checked reason, for a suspected bug


def classify_failures(report: TestReport) -> list[FailedTest]:
    """Which test functions failed, and whether each failure looks like a bug in the code
    (a wrong value: an assertion) rather than a broken test (an error in the test itself)."""
    failed = []
    for entry in report.failures:
        head = entry.split("\n", 1)[0].removeprefix("ERROR ")
        nodeid, _, message = head.partition(" - ")
        if "::" not in nodeid:  # e.g. "ERROR tests/test_x.py": it does not even import
            failed.append(FailedTest(nodeid.strip(), entry, False, file_level=True))
            continue
        name = re.sub(r"\[.*\]$", "", nodeid.split("::")[-1]).strip()
        if not name:
            continue
        suspected = "suspected_bug" in name or bool(_ASSERTION.search(message or entry))
        failed.append(FailedTest(name, entry, suspected))
    return failed


def drop_test_functions(source: str, names: set[str]) -> str:
    """``source`` without the test functions (or methods) called ``names``, decorators too."""
    tree = ast.parse(source)
    spans: list[tuple[int, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in names:
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            spans.append((start, node.end_lineno or node.lineno))
    lines = source.splitlines(keepends=True)
    for start, end in sorted(spans, reverse=True):
        del lines[start - 1 : end]
    return "".join(lines)


def count_tests(source: str) -> int:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return 0
    return sum(
        isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test")
        for n in ast.walk(tree)
    )


# -- mutation ---------------------------------------------------------------------------------

_FLIPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


def _find_target(tree: ast.Module, symbol: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    parts = symbol.split(".")
    scope: list[ast.stmt] = tree.body
    for depth, part in enumerate(parts):
        found = None
        for node in scope:
            if (
                isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and node.name == part
            ):
                found = node
        if found is None:
            return None
        if depth == len(parts) - 1:
            return found if not isinstance(found, ast.ClassDef) else None
        scope = found.body
    return None


def mutants(source: str, symbol: str) -> list[tuple[str, str]]:
    """(description, mutated source) for the function ``symbol`` in ``source``; pure."""
    tree = ast.parse(source)
    target = _find_target(tree, symbol)
    if target is None:
        return []
    sites: list[tuple[str, Any]] = []
    for node in ast.walk(target):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _FLIPS:
                    sites.append(("compare", (node, i)))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float, bool):
            sites.append(("constant", node))
    results: list[tuple[str, str]] = []
    for kind, site in sites:
        if kind == "compare":
            node, i = site
            original = node.ops[i]
            node.ops[i] = _FLIPS[type(original)]()
            results.append(
                (
                    f"line {node.lineno}: flip {type(original).__name__} → {type(node.ops[i]).__name__}",
                    ast.unparse(tree),
                )
            )
            node.ops[i] = original
        else:
            value = site.value
            new: Any = (not value) if isinstance(value, bool) else value + 1
            site.value = new
            results.append((f"line {site.lineno}: constant {value!r} → {new!r}", ast.unparse(tree)))
            site.value = value
    body = target.body
    start = (
        1
        if body
        and isinstance(body[0], ast.Expr)
        and isinstance(getattr(body[0], "value", None), ast.Constant)
        else 0
    )
    target.body = [*body[:start], ast.Return(ast.Constant(None)), *body[start:]]
    ast.fix_missing_locations(tree)
    results.append((f"line {target.lineno}: return early from {symbol}", ast.unparse(tree)))
    target.body = body
    return results[-MAX_MUTANTS:] if len(results) > MAX_MUTANTS else results


def mutant_timeout(kept_run_s: float, limit_s: float) -> float:
    """A mutant may loop forever (``n -= 2`` never reaching 0): give each mutant run a few
    times what the kept tests needed on the real code, not the whole test timeout."""
    return min(limit_s, max(MUTANT_MIN_TIMEOUT_S, MUTANT_TIMEOUT_FACTOR * kept_run_s))


async def mutation_score(
    run: RunningTask, target: str, symbol: str, test_path: str, timeout_s: float
) -> dict[str, Any]:
    """Run the kept tests against each mutant of ``symbol``; the file is restored after.
    A mutant counts as killed when the tests fail or time out on it."""
    if not target.endswith(".py"):
        suffix = PurePosixPath(target).suffix.lstrip(".") or "this file type"
        return {"available": False, "message": f"mutation check unavailable for {suffix}"}
    path = resolve_inside(run.workspace.root, target)
    original = path.read_text(encoding="utf-8")
    outcomes: list[dict[str, str]] = []
    cases = mutants(original, symbol)
    try:
        for description, source in cases:
            path.write_text(source, encoding="utf-8")
            report = await run.run_tests(f"mutant: {description}", [test_path], timeout_s)
            if report is None or report.passed:
                outcome = "survived"
            else:
                outcome = "timed out" if report.exit_code is None else "killed"
            outcomes.append({"mutant": description, "outcome": outcome})
    finally:
        path.write_text(original, encoding="utf-8")
    total = len(cases)
    killed = sum(o["outcome"] != "survived" for o in outcomes)
    return {
        "available": True,
        "killed": killed,
        "total": total,
        "score": round(killed / total, 3) if total else None,
        "survivors": [o["mutant"] for o in outcomes if o["outcome"] == "survived"],
        "mutants": outcomes,
        "timeout_s": round(timeout_s, 2),
    }


# -- the flow ---------------------------------------------------------------------------------


def _split_symbol(spec_file: str | None, symbol: str) -> tuple[str | None, str]:
    if ":" in symbol and spec_file is None:
        file, _, name = symbol.rpartition(":")
        return file, name
    return spec_file, symbol


async def generate_tests(run: RunningTask, index: CodeIndex | None, outcome: TaskOutcome) -> None:
    """The ``tests`` task kind. Fills ``outcome`` (plan, tests, extra); raises TaskStopped."""
    spec, root = run.spec, run.workspace.root
    target, symbol = _split_symbol(spec.file, spec.symbol or "")
    if not target or not symbol:
        raise TaskStopped("test generation needs a file and a symbol (PATH:SYMBOL)")
    source_path = resolve_inside(root, target)
    if not source_path.is_file():
        raise TaskStopped(f"{target} not found in the workspace")
    other = testgen_languages.conventions_for(root, target)
    if other is not None:
        await _generate_in_language(run, outcome, target, symbol, other)
        return
    conventions = learn_conventions(root)
    test_path = conventions.test_path(target, set(_python_files(root)))
    outcome.plan = f"Write {test_path} for {symbol} ({conventions.framework})."
    outcome.tests_before = await run.run_tests("baseline")

    message = prompts.testgen_message(
        symbol, target, conventions.describe(), test_path, source_path.read_text(encoding="utf-8")
    )
    run.emit("editing", f"writing tests for {symbol}")
    run.iteration = 1
    messages: list[dict[str, Any]] = [{"role": "user", "content": message}]
    await run.agent_turns(prompts.system_prompt(None), messages, run.workspace.tools("code"), 40)
    written = root / test_path
    reverted = revert_other_changes(root, run.workspace.changes(), test_path)
    if reverted:  # tests must judge the code as it is, so edits to it are undone
        run.trace.write("reverted", phase="editing", paths=reverted)
    if not written.is_file() or count_tests(written.read_text(encoding="utf-8")) == 0:
        raise TaskStopped(f"the model did not write any tests in {test_path}")

    report = await run.run_tests("generated tests", [test_path])
    failed = classify_failures(report) if report is not None and not report.passed else []
    unloadable = [f for f in failed if f.file_level]
    if unloadable:
        outcome.extra = {"test_file": test_path, "kept": 0, "reverted": reverted}
        raise TaskStopped(
            f"the generated tests in {test_path} do not load: {_first_error(unloadable[0])}"
        )
    failed = await _judged(run, messages, failed, source_path.read_text(encoding="utf-8"))
    if failed:
        kept = drop_test_functions(written.read_text(encoding="utf-8"), {f.name for f in failed})
        written.write_text(kept, encoding="utf-8")
        run.trace.write("tests_dropped", phase="testing", names=[f.name for f in failed])
    kept_count = count_tests(written.read_text(encoding="utf-8"))
    suspected = [
        {"test": f.name, "failure": f.failure[:800], "evidence": f.evidence}
        for f in failed
        if f.suspected_bug
    ]
    dropped = [f.name for f in failed if not f.suspected_bug]
    outcome.extra = {
        "test_file": test_path,
        "kept": kept_count,
        "dropped": dropped,
        "suspected_bugs": suspected,
        "reverted": reverted,
    }
    if kept_count == 0:
        written.unlink()
        raise TaskStopped(_message(0, dropped, suspected, None))

    outcome.tests_after = await run.run_tests("kept tests", [test_path])
    if outcome.tests_after is not None and not outcome.tests_after.passed:
        # a mutation score is only meaningful for tests that pass on the real code
        raise TaskStopped(
            f"the kept tests still fail after dropping the failing ones "
            f"({outcome.tests_after.summary})"
        )
    kept_run_s = outcome.tests_after.duration_s if outcome.tests_after else 0.0
    timeout_s = mutant_timeout(kept_run_s, run.settings.tests.timeout_seconds)
    mutation = await mutation_score(run, target, symbol, test_path, timeout_s)
    run.trace.write("mutation", phase="testing", **mutation)
    outcome.extra = {**outcome.extra, "mutation": mutation}
    run.summary = _message(kept_count, dropped, suspected, mutation)


async def _judged(
    run: RunningTask, messages: list[dict[str, Any]], failed: list[FailedTest], source: str
) -> list[FailedTest]:
    """Ask the model to justify each candidate bug; only checked evidence keeps the label."""

    candidates = [f for f in failed if f.suspected_bug]
    if not candidates:
        return failed
    judge = testgen_evidence.JudgeFailures()
    tools: list[Any] = [judge]
    add_user_text(messages, testgen_evidence.request([f.failure for f in candidates]))
    await run.agent_turns(
        prompts.system_prompt(None),
        messages,
        tools,
        3,
        stop_tools=frozenset({testgen_evidence.JUDGE_FAILURES}),
    )
    verdicts = {
        j.test: j
        for j in testgen_evidence.checked(judge.judgements, [f.name for f in candidates], source)
    }
    run.trace.write(
        "suspected_bugs_judged",
        phase="testing",
        judgements=[
            {"test": j.test, "bug": j.bug, "evidence": j.evidence} for j in verdicts.values()
        ],
    )
    return [
        replace(f, suspected_bug=verdicts[f.name].bug, evidence=verdicts[f.name].evidence)
        if f.name in verdicts
        else f
        for f in failed
    ]


async def _generate_in_language(
    run: RunningTask,
    outcome: TaskOutcome,
    target: str,
    symbol: str,
    conventions: testgen_languages.OtherConventions,
) -> None:
    """Tests for a non-Python target, in its own language: write, run, judge the failures,
    have the failing tests removed, and keep what passes. No mutation score (Python only)."""

    root, test_path = run.workspace.root, conventions.test_path
    source = resolve_inside(root, target).read_text(encoding="utf-8")
    outcome.plan = f"Write {test_path} for {symbol} ({conventions.framework})."
    outcome.tests_before = await run.run_tests("baseline")
    message = prompts.testgen_message(symbol, target, conventions.describe(), test_path, source)
    run.emit("editing", f"writing tests for {symbol}")
    run.iteration = 1
    messages: list[dict[str, Any]] = [{"role": "user", "content": message}]
    system, tools = prompts.system_prompt(None), run.workspace.tools("code")
    await run.agent_turns(system, messages, tools, 40)
    reverted = revert_other_changes(root, run.workspace.changes(), test_path)
    written = root / test_path
    if not written.is_file() or conventions.count_tests(written.read_text("utf-8")) == 0:
        raise TaskStopped(f"the model did not write any tests in {test_path}")
    folder = str(PurePosixPath(test_path).parent)
    selection = {"js": [test_path], "go": [f"./{folder}" if folder != "." else "./"]}
    narrowed = selection.get(conventions.family, [])
    report = await run.run_tests("generated tests", narrowed)
    suspected: list[dict[str, str]] = []
    dropped: list[str] = []
    if report is not None and not report.passed:
        judge = testgen_evidence.JudgeFailures()
        judge_tools: list[Any] = [judge]
        add_user_text(messages, testgen_evidence.request(report.failures or [report.summary]))
        stop = frozenset({testgen_evidence.JUDGE_FAILURES})
        await run.agent_turns(system, messages, judge_tools, 3, stop_tools=stop)
        names = [str(j.get("test", "")) for j in judge.judgements]
        for judged in testgen_evidence.checked(judge.judgements, names, source):
            if judged.bug:
                suspected.append({"test": judged.test, "failure": "", "evidence": judged.evidence})
            else:
                dropped.append(judged.test)
        add_user_text(messages, prompts.REMOVE_FAILING_TESTS.format(test_path=test_path))
        await run.agent_turns(system, messages, tools, 10)
        revert_other_changes(root, run.workspace.changes(), test_path)
        report = await run.run_tests("kept tests", narrowed)
        if report is not None and not report.passed:
            raise TaskStopped(f"the generated tests in {test_path} still fail ({report.summary})")
    outcome.tests_after = report
    kept = conventions.count_tests(written.read_text("utf-8")) if written.is_file() else 0
    outcome.extra = {
        "test_file": test_path,
        "kept": kept,
        "dropped": dropped,
        "suspected_bugs": suspected,
        "reverted": reverted,
        "mutation": {"available": False, "message": "mutation check is for Python only"},
    }
    if kept == 0:
        raise TaskStopped(_message(0, dropped, suspected, None))
    run.summary = _message(kept, dropped, suspected, outcome.extra["mutation"])


def revert_other_changes(root: Path, changes: list[FileChange], keep: str) -> list[str]:
    """Undo every change in the sandbox except to ``keep``; returns the paths undone."""
    undone: list[str] = []
    for change in changes:
        if change.path == keep:
            continue
        target = resolve_inside(root, change.path)
        if change.base is None or change.old_path is not None:
            target.unlink(missing_ok=True)
        if change.base is not None:
            original = resolve_inside(root, change.old_path or change.path)
            original.parent.mkdir(parents=True, exist_ok=True)
            original.write_text(change.base, encoding="utf-8")
        undone.append(change.path)
    return undone


def _first_error(failure: FailedTest) -> str:
    details = [line.strip() for line in failure.failure.splitlines()[1:]]
    errors = [line.removeprefix("E").strip() for line in details if line.startswith("E ")]
    return errors[0] if errors else failure.failure.splitlines()[0]


def _message(
    kept: int, dropped: list[str], suspected: list[dict[str, str]], mutation: dict[str, Any] | None
) -> str:
    parts = [f"kept {kept} passing test(s)"]
    if dropped:
        parts.append(f"dropped {len(dropped)} broken test(s)")
    if suspected:
        names = ", ".join(s["test"] for s in suspected)
        parts.append(f"suspected bug(s): {names} fail on the current code")
    if mutation and mutation.get("available") and mutation.get("total"):
        parts.append(f"mutation score {mutation['killed']}/{mutation['total']}")
    elif mutation:
        parts.append(str(mutation.get("message", "")))
    return "; ".join(parts)
