"""Data-driven tests of the loop's pure parts: stuck patterns, test signal, the task's tests,
project instructions, edit checks, stop reasons, thinking settings and the context window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from delegate.agent import context_window, stop_reasons
from delegate.agent.edit_check import new_syntax_errors, syntax_errors
from delegate.agent.project_instructions import find_instructions
from delegate.agent.stuck import Stuck, StuckDetector
from delegate.agent.task import TaskSpec
from delegate.agent.task import TestReport as Report
from delegate.agent.task_tests import concerning_failures
from delegate.agent.test_signal import no_signal_reason
from delegate.agent.thinking import thinking_params
from delegate.proposals.changes import FileChange
from delegate.settings import ApiSettings


def _feed(detector: StuckDetector, calls: list[tuple[str, str, bool]]) -> list[str | None]:
    return [detector.record(name, {"path": arg}, out, err) for name, arg, out, err in calls]


@pytest.mark.parametrize(
    ("calls", "pattern"),
    [
        ([("read_file", "a", "x", False)] * 3, "same input three times"),
        (
            [("read_file", "a", "x", False), ("grep", "b", "y", False)] * 2,
            "alternated between the same two calls",
        ),
        (
            [
                ("str_replace", "a", "old_str was not found", True),
                ("str_replace", "b", "old_str was not found", True),
                ("str_replace", "c", "old_str was not found", True),
            ],
            "same error came back three times",
        ),
    ],
)
def test_stuck_patterns_nudge_once_then_stop(
    calls: list[tuple[str, str, str, bool]], pattern: str
) -> None:
    detector = StuckDetector()
    nudges = [detector.record(n, {"path": a}, o, e) for n, a, o, e in calls]
    assert nudges[:-1] == [None] * (len(calls) - 1)
    assert nudges[-1] is not None and pattern in nudges[-1]
    with pytest.raises(Stuck, match="after being told"):
        name, arg, out, err = calls[-1]
        for _ in range(3):
            detector.record(name, {"path": arg}, out, err)


def test_varied_work_is_not_stuck() -> None:
    detector = StuckDetector()
    for n in range(20):
        assert detector.record("read_file", {"path": f"f{n}.py"}, "text", False) is None


def _report(summary: str, exit_code: int, failures: list[str] | None = None, **kw: Any) -> Report:
    command = kw.pop("command", ["python", "-m", "pytest", "-q"])
    return Report(command, exit_code == 0, exit_code, summary, failures or [], **kw)


@pytest.mark.parametrize(
    ("report", "reason"),
    [
        (None, "no test command"),
        (_report("no tests ran", 5), "no tests were collected"),
        (
            _report(
                "1 error", 2, ["ERROR tests/test_x.py"], output_tail="1 error during collection"
            ),
            "could not be collected",
        ),
        (_report("could not start", 127), "could not start"),
        (_report("2 failed, 3 passed", 1), None),
        (_report("5 passed", 0), None),
        (_report("Tests: 0 total, no tests found", 1, command=["npx", "jest"]), "no tests ran"),
        (_report("failed (exit code 1)", 1, command=["make", "test"]), None),
    ],
)
def test_no_signal_reason(report: Report | None, reason: str | None) -> None:
    found = no_signal_reason(report)
    if reason is None:
        assert found is None
    else:
        assert found is not None and reason in found


def test_failures_of_the_changed_module_concern_the_task(tmp_path: Path) -> None:
    before = _report(
        "2 failed, 2 passed",
        1,
        ["tests/test_calc.py::test_clamp_above - assert 0 == 10", "tests/test_io.py::test_read"],
    )
    after = before
    changes = [FileChange("calc.py", "a\n", "b\n")]
    spec = TaskSpec("t", tmp_path, "fix the bug")
    found = concerning_failures(before, after, changes, spec)
    assert [f.split(" - ")[0] for f in found] == ["tests/test_calc.py::test_clamp_above"]
    named = TaskSpec("t", tmp_path, "make test_read pass")
    assert len(concerning_failures(before, after, [], named)) == 1
    assert concerning_failures(None, after, changes, spec) == []


def test_project_instructions_nearest_first(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("root rules")
    (tmp_path / "web" / "src").mkdir(parents=True)
    (tmp_path / "web" / "CLAUDE.md").write_text("web rules")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "copilot-instructions.md").write_text("ignored: AGENTS.md wins")
    found = find_instructions(tmp_path, "web/src/app.ts")
    assert [(i.path, i.text) for i in found] == [
        ("web/CLAUDE.md", "web rules"),
        ("AGENTS.md", "root rules"),
    ]
    assert [i.path for i in find_instructions(tmp_path, None)] == ["AGENTS.md"]
    (tmp_path / "AGENTS.md").unlink()
    assert [i.path for i in find_instructions(tmp_path)] == [".github/copilot-instructions.md"]


def test_a_linked_instruction_file_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("from elsewhere")
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "AGENTS.md").symlink_to(outside)
    assert find_instructions(tmp_path / "repo") == []


@pytest.mark.parametrize(
    ("path", "text", "line"),
    [
        ("a.py", "def f(:\n    pass\n", 1),
        ("a.ts", "export function f(x: number {\n  return x;\n}\n", 1),
        ("main.go", "package main\n\nfunc main() {\n\tprintln(1)\n", 5),
        ("lib.rs", "fn main() {\n    let x = ;\n}\n", 2),
        ("A.java", "class A {\n  void f() {\n    int x = 1\n  }\n}\n", 3),
    ],
)
def test_syntax_errors_per_language(path: str, text: str, line: int) -> None:
    errors = syntax_errors(path, text)
    assert errors and errors[0][0] == line, errors


def test_only_new_syntax_errors_are_reported() -> None:
    broken = "def f(:\n    pass\n"
    assert new_syntax_errors("a.py", broken, broken + "x = 1\n") == []
    assert new_syntax_errors("a.py", "x = 1\n", broken) != []
    assert syntax_errors("notes.md", "# (unbalanced") == []
    assert syntax_errors("ok.ts", "export const x: number = 1;\n") == []


def test_stop_kinds_and_cut_results() -> None:
    assert stop_reasons.stop_kind("max_tokens", True) == "cut"
    assert stop_reasons.stop_kind("tool_use", True) == "tools"
    assert stop_reasons.stop_kind("end_turn", False) == "done"
    assert stop_reasons.stop_kind("refusal", False) == "refusal"
    assert stop_reasons.stop_kind("pause_turn", False) == "pause"
    assert stop_reasons.stop_kind("model_context_window_exceeded", True) == "window"
    assert stop_reasons.raised_limit(32000) == 64000
    assert stop_reasons.raised_limit(100000) == stop_reasons.MAX_TOKENS_CEILING
    [result] = stop_reasons.cut_tool_results([{"id": "toolu_1"}], 64000)
    assert (
        result["is_error"] and result["tool_use_id"] == "toolu_1" and "64000" in result["content"]
    )


@pytest.mark.parametrize(
    ("settings", "model", "expected"),
    [
        ({}, "claude-sonnet-4-6", {"thinking": {"type": "adaptive"}}),
        ({}, "claude-opus-4-5", {"thinking": {"type": "enabled", "budget_tokens": 8000}}),
        ({"thinking": "off"}, "claude-sonnet-4-6", {}),
        (
            {"effort": "low"},
            "claude-opus-4-7",
            {"thinking": {"type": "adaptive"}, "output_config": {"effort": "low"}},
        ),
        (
            {"thinking": "enabled", "thinking_budget_tokens": 9000},
            "x",
            {"thinking": {"type": "enabled", "budget_tokens": 3096}},
        ),
    ],
)
def test_thinking_params(settings: dict[str, Any], model: str, expected: dict[str, Any]) -> None:
    limit = 4120 if settings.get("thinking_budget_tokens") == 9000 else 32000
    assert thinking_params(ApiSettings(**settings), model, limit) == expected


def test_clearing_keeps_the_newest_results_and_the_structure() -> None:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Task: x"}]
    for n in range(6):
        messages.append(
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": f"t{n}", "name": "r", "input": {}}],
            }
        )
        messages.append(
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": f"t{n}", "content": "x" * 100}],
            }
        )
    assert context_window.clear_old_tool_results(messages, keep=2) == 4
    contents = [m["content"][0].get("content") for m in messages[2::2]]
    assert contents[:4] == [context_window.CLEARED] * 4 and contents[4:] == ["x" * 100] * 2
    assert context_window.clear_old_tool_results(messages, keep=2) == 0
    short = context_window.compacted(messages, "I read six files.", "Your changes so far: none")
    assert [m["role"] for m in short] == ["user", "assistant", "user"]
    assert "Task: x" in short[0]["content"][0]["text"]
    assert "I read six files." in short[0]["content"][0]["text"]
    assert short[1] == messages[-2] and short[2] == messages[-1]


def test_the_window_calibrates_from_usage() -> None:
    window = context_window.ContextWindow(limit=1000)
    window.observe(prompt_chars=8000, prompt_tokens=2000)
    assert window.tokens(4000) == 1000
    assert window.should_clear(2400) and not window.should_compact(2400)
    assert window.should_compact(3200)
