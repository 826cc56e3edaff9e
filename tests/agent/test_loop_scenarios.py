"""Scenarios for the loop's newer parts, through the real SDK against the fake Messages API.

Each one is a behaviour the strongest agents have and an earlier Delegate lacked: a reply cut
off at max_tokens is not executed, refusal and pause_turn are handled, thinking blocks go
back as they came, a syntax error comes back with the edit, the reviewer's rejection becomes
another round, a reproduction that passes before the fix is caught, a suite that cannot be
collected is "no test signal" (never green), the tests of the task must pass whatever the
baseline, and the project's AGENTS.md reaches the system prompt.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.agent.scenarios import KEY, TEST_COMMAND, project
from tests.agent.test_engine import FINISH, edit, results_of, run
from tests.fakes.fake_anthropic import FakeAnthropic, Reply, text, thinking, tool_use

from delegate.agent.engine import run_task, should_auto_apply
from delegate.agent.task import TaskResult, TaskSpec
from delegate.settings import Settings, load_settings

FIXED = "return high  # above range"
BUGGY = "return low  # above range"


def approve(note: str = "fixes the cause") -> Reply:
    return Reply([tool_use("submit_review", {"approved": True, "notes": [note]})])


def reject(note: str) -> Reply:
    return Reply([tool_use("submit_review", {"approved": False, "notes": [note]})])


async def run_with(
    folder: Path, fake: FakeAnthropic, instruction: str = "fix clamp", **sections: Any
) -> TaskResult:
    """``run_task`` with the scenario settings merged with ``sections`` (``tests={…}``, …)."""
    config: dict[str, Any] = {
        "api": {"base_url": fake.base_url, "max_retries": 0},
        "tests": {"command": TEST_COMMAND},
    }
    for key, value in sections.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    settings, warnings = load_settings(config)
    assert not warnings
    return await run_task(TaskSpec("t1", folder, instruction), settings, api_key=KEY)


def trace_events(folder: Path, task_id: str = "t1") -> list[dict[str, Any]]:
    path = folder / ".delegate" / "runs" / task_id / "trace.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_a_cut_off_edit_deletes_nothing(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    before = (folder / "calc.py").read_text()
    cut = edit(BUGGY, FIXED)
    # the stream ends inside new_str: the SDK's partial parse keeps path and old_str only
    encoded = json.dumps(cut["input"])
    script = [
        Reply([text("Plan: fix the upper bound")]),
        Reply([cut], stop_reason="max_tokens", cut_tool_input_at=encoded.index('"new_str"') + 14),
        FINISH,
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake, max_iterations=1)
    assert result.changes == []  # the old line was not deleted
    assert result.state == "failed"
    answered = results_of(fake.requests[2])
    assert len(answered) == 1 and answered[0][0] is True
    assert "cut off" in answered[0][1] and "NOT run" in answered[0][1]
    assert fake.requests[1].body["max_tokens"] == 32000
    assert fake.requests[2].body["max_tokens"] == 64000  # raised for the next try
    assert (folder / "calc.py").read_text() == before
    cut_offs = [e for e in trace_events(folder) if e["event"] == "reply_cut_off"]
    assert cut_offs and cut_offs[0]["unexecuted"] == ["str_replace_based_edit_tool"]


async def test_an_edit_without_new_str_is_refused() -> None:
    from delegate.agent.edit_tool import EditError, run_command

    root = Path(__file__).resolve().parents[1] / "fixtures" / "repos" / "calc"
    try:
        run_command(root, {"command": "str_replace", "path": "calc.py", "old_str": BUGGY})
    except EditError as error:
        assert "new_str" in str(error) and "nothing was changed" in str(error)
    else:
        raise AssertionError("a str_replace without new_str was carried out")


async def test_refusal_ends_the_task_with_the_reason(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    script = [Reply([text("I can't help with that.")], stop_reason="refusal")]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake)
    assert result.state == "failed"
    assert "declined" in result.message and "refusal" in result.message
    assert len(fake.requests) == 1


async def test_pause_turn_is_continued_as_it_stands(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    script = [
        Reply([text("Looking at the code")], stop_reason="pause_turn"),
        Reply([text("Plan: fix the upper bound in clamp")]),
        Reply([edit(BUGGY, FIXED)]),
        FINISH,
        approve(),
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake)
    assert result.state == "succeeded", result.message
    continued = fake.requests[1].messages
    assert continued[-1]["role"] == "assistant"  # sent back unchanged for the model to go on
    assert continued[-1]["content"][0]["text"] == "Looking at the code"


async def test_thinking_blocks_round_trip_with_tool_use(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    first = thinking("The bug is probably in the upper branch; read the file.")
    second = thinking("Line 8 returns low; it should return high.")
    script = [
        Reply([first, tool_use("read_file", {"path": "calc.py"})]),
        Reply([thinking("Enough seen."), text("Plan: return high above the range")]),
        Reply([second, edit(BUGGY, FIXED)]),
        Reply([thinking("Done."), tool_use("finish", {"summary": "clamp returns high"})]),
        Reply([thinking("Looks right."), *approve().content]),
    ]
    # the fake refuses a tool-use turn that comes back without its thinking block
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake)
    assert result.state == "succeeded", result.message
    assert all(r.body.get("thinking") == {"type": "adaptive"} for r in fake.requests)
    echoed = fake.requests[1].messages[-2]
    assert echoed["role"] == "assistant" and echoed["content"][0] == first
    assert fake.requests[3].messages[-2]["content"][0] == second


async def test_budgeted_thinking_for_older_models_and_effort(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    script = [Reply([text("I can't.")], stop_reason="refusal")]
    with FakeAnthropic(script) as fake:
        settings, warnings = load_settings(
            {
                "api": {
                    "base_url": fake.base_url,
                    "model": "claude-sonnet-4-5",
                    "effort": "high",
                    "thinking_budget_tokens": 6000,
                },
                "tests": {"command": TEST_COMMAND},
            }
        )
        assert not warnings
        spec = TaskSpec(task_id="t1", folder=folder, instruction="fix clamp")
        await run_task(spec, settings, api_key=KEY)
    body = fake.requests[0].body
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 6000}
    assert body["output_config"] == {"effort": "high"}
    assert body["max_tokens"] > 6000
    assert "interleaved-thinking-2025-05-14" in fake.requests[0].headers["anthropic-beta"]


async def test_a_syntax_error_comes_back_with_the_edit(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    script = [
        Reply([text("Plan: fix clamp")]),
        Reply([edit("    if value > high:", "    if value > high")]),
        Reply([edit("    if value > high", "    if value > high:")]),
        Reply([edit(BUGGY, FIXED)]),
        FINISH,
        approve(),
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake)
    assert result.state == "succeeded", result.message
    [(is_error, broken)] = results_of(fake.requests[2])
    assert not is_error and "does not parse" in broken and "line 8: expected" in broken
    [(_, repaired)] = results_of(fake.requests[3])
    assert "does not parse" not in repaired


async def test_a_rejection_leads_to_a_second_round_that_passes(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    script = [
        Reply([text("Plan: fix clamp")]),
        Reply([edit(BUGGY, FIXED)]),
        FINISH,
        Reply([tool_use("read_file", {"path": "tests/test_calc.py"})]),  # the reviewer reads
        reject("add a test for a value exactly at the upper bound"),
        Reply(
            [
                tool_use(
                    "str_replace_based_edit_tool",
                    {
                        "command": "insert",
                        "path": "tests/test_calc.py",
                        "insert_line": 13,
                        "new_str": "\n\ndef test_clamp_at_high() -> None:\n"
                        "    assert clamp(10, 0, 10) == 10\n",
                    },
                )
            ]
        ),
        FINISH,
        approve("bound covered"),
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake)
    assert result.state == "succeeded", result.message
    assert result.verdict["approved"] is True
    reviewer_request = fake.requests[3]
    assert "submit_review" in reviewer_request.tool_names
    assert "read_file" in reviewer_request.tool_names
    assert "str_replace_based_edit_tool" not in reviewer_request.tool_names
    feedback = fake.requests[5].last_user_text()
    assert "A reviewer rejected your change" in feedback and "upper bound" in feedback
    assert {c.path for c in result.changes} == {"calc.py", "tests/test_calc.py"}


async def test_the_last_rejection_fails_the_task(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    script = [
        Reply([text("Plan: fix clamp")]),
        Reply([edit(BUGGY, FIXED)]),
        FINISH,
        reject("wrong approach"),
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake, max_iterations=1)
    assert result.state == "failed"
    assert "rejected" in result.message and "wrong approach" in result.message


async def test_a_reproduction_that_passes_before_the_fix_is_caught(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    weak = (
        "from calc import clamp\n\n\ndef test_repro() -> None:\n    assert clamp(5, 0, 10) == 5\n"
    )
    script = [
        Reply([text("Plan: reproduce with a test, then fix the upper bound")]),
        Reply(
            [
                tool_use(
                    "str_replace_based_edit_tool",
                    {"command": "create", "path": "tests/test_repro.py", "file_text": weak},
                ),
                edit(BUGGY, FIXED),
            ]
        ),
        FINISH,
        Reply([edit("clamp(5, 0, 10) == 5", "clamp(42, 0, 10) == 10", "tests/test_repro.py")]),
        FINISH,
        approve(),
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(
            folder, fake, instruction="fix clamp: values above the range are wrong"
        )
    assert result.state == "succeeded", result.message
    told = fake.requests[3].last_user_text()
    assert "PASSES on the original code" in told and "tests/test_repro.py" in told
    assert result.extra["reproduced"] == "yes"
    assert "reproduced: yes" in result.message
    assert result.verdict["reproduced"] == "yes"  # the proposal carries the verdict
    assert result.verdict["reproduction"] == ["tests/test_repro.py"]
    assert "Reproduce first" in fake.requests[1].last_user_text()
    assert "calc.py" in {c.path for c in result.changes}
    assert BUGGY in (folder / "calc.py").read_text()  # the original came back after the check


async def test_an_uncollectable_suite_is_no_test_signal_and_never_applied(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    (folder / "tests" / "test_calc.py").write_text("import not_a_module_anywhere\n")
    script = [
        Reply([text("Plan: fix clamp")]),
        Reply([edit(BUGGY, FIXED)]),
        FINISH,
        approve(),
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake)
    assert result.tests_before is not None and not result.tests_before.passed
    assert result.verdict["test_signal"] is False
    assert any("no test signal" in note for note in result.verdict["notes"])
    assert "no test signal" in result.message
    assert "NO TEST SIGNAL" in fake.requests[3].messages[0]["content"][0]["text"]
    assert not should_auto_apply(result, Settings(autonomy="apply-when-green"))


async def test_the_tasks_own_failing_tests_must_pass_whatever_the_baseline(
    tmp_path: Path,
) -> None:
    folder = project(tmp_path, "calc")
    script = [
        Reply([text("Plan: fix clamp")]),
        Reply([edit(BUGGY, "pass  # above range")]),  # deletes the buggy line: still failing
        FINISH,
        FINISH,
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake, max_iterations=2)
    assert result.state == "failed"
    told = fake.requests[3].last_user_text()
    assert "concern your task and still fail" in told and "test_clamp_above" in told
    assert not should_auto_apply(result, Settings(autonomy="apply-when-green"))


async def test_agents_md_reaches_the_system_prompt(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    (folder / "AGENTS.md").write_text("Always run pytest with -q. Use type hints everywhere.\n")
    script = [Reply([text("no")], stop_reason="refusal")]
    with FakeAnthropic(script) as fake:
        await run(folder, fake)
    system = fake.requests[0].system_text
    assert "Project guidance from `AGENTS.md`" in system
    assert "Use type hints everywhere." in system
    assert "nothing you do reaches their files until" in system.lower()


async def test_the_prompt_tells_the_truth_under_apply_when_green(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    with FakeAnthropic([Reply([text("no")], stop_reason="refusal")]) as fake:
        await run_with(folder, fake, autonomy="apply-when-green")
    system = fake.requests[0].system_text
    assert "applied to their files without a review" in system
    assert "until they review" not in system
    with FakeAnthropic([Reply([text("no")], stop_reason="refusal")]) as fake:
        spec = TaskSpec("t2", folder, "fix clamp", autonomy="commit-when-green")
        await run_task(spec, Settings(api={"base_url": fake.base_url}), api_key=KEY)
    assert "committed to its own branch" in fake.requests[0].system_text  # the task's own level


async def test_a_change_that_stops_the_tests_from_running_is_not_green(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    script = [
        Reply([text("Plan: fix clamp")]),
        Reply(
            [edit("def mean(values: list[float]) -> float:", "def mean(values: list[float]) ->")]
        ),
        FINISH,
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake, max_iterations=1)
    assert result.tests_before is not None and "passed" in result.tests_before.summary
    assert result.tests_after is not None and not result.tests_after.passed
    assert result.state == "failed", result.message
    assert not should_auto_apply(result, Settings(autonomy="apply-when-green"))
    assert len(fake.requests) == 3  # no review of a change whose tests no longer run


async def test_read_only_calls_of_one_reply_run_concurrently(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    reads = [tool_use("read_file", {"path": p}) for p in ("calc.py", "tests/test_calc.py")]
    mixed = [tool_use("read_file", {"path": "calc.py"}), edit(BUGGY, FIXED)]
    script = [
        Reply(reads),
        Reply([text("Plan: fix clamp")]),
        Reply(mixed),
        FINISH,
        approve(),
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake)
    assert result.state == "succeeded", result.message
    tools = [e["event"] for e in trace_events(folder) if e["event"] in ("tool_call", "tool_result")]
    # both reads started before either finished; the read and the edit ran one after the other
    assert tools[:4] == ["tool_call", "tool_call", "tool_result", "tool_result"]
    assert tools[4:8] == ["tool_call", "tool_result", "tool_call", "tool_result"]
    first = results_of(fake.requests[1])
    assert "calc.py (" in first[0][1] and "test_calc.py (" in first[1][1]  # in call order


async def test_the_reproduction_can_be_left_out_of_the_proposal(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    repro = (
        "from calc import clamp\n\n\ndef test_repro() -> None:\n    assert clamp(42, 0, 10) == 10\n"
    )
    create = {"command": "create", "path": "tests/test_repro.py", "file_text": repro}
    script = [
        Reply([text("Plan: reproduce, then fix")]),
        Reply([tool_use("str_replace_based_edit_tool", create), edit(BUGGY, FIXED)]),
        FINISH,
        approve(),
    ]
    with FakeAnthropic(script) as fake:
        instruction = "fix clamp: wrong above the range"
        result = await run_with(folder, fake, instruction, tests={"keep_reproduction": False})
    assert result.state == "succeeded", result.message
    assert result.extra["reproduced"] == "yes" and "reproduced: yes" in result.message
    assert [c.path for c in result.changes] == ["calc.py"]


async def test_the_project_linter_reports_on_the_edited_file(tmp_path: Path) -> None:
    import sys

    folder = project(tmp_path, "calc")
    lint = [
        sys.executable,
        "-c",
        "import sys; text = open(sys.argv[1]).read(); "
        "bad = 'high  #' in text; print(sys.argv[1] + ':8: E261 two spaces before #' if bad else '');"
        "sys.exit(1 if bad else 0)",
    ]
    script = [
        Reply([text("Plan: fix clamp")]),
        Reply([edit(BUGGY, FIXED)]),
        Reply([edit(FIXED, "return high # above range")]),
        FINISH,
        approve(),
    ]
    with FakeAnthropic(script) as fake:
        result = await run_with(folder, fake, tests={"lint_command": lint})
    assert result.state == "succeeded", result.message
    [(_, linted)] = results_of(fake.requests[2])
    assert "The linter" in linted and "calc.py:8: E261" in linted
    [(_, clean)] = results_of(fake.requests[3])
    assert "The linter" not in clean


async def test_a_reply_stopped_by_the_context_window_is_not_executed(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    cut = edit(BUGGY, FIXED)
    script = [
        Reply([text("Plan: fix clamp")]),
        Reply([cut], stop_reason="model_context_window_exceeded"),
        Reply([edit(BUGGY, FIXED)]),
        FINISH,
        approve(),
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake)
    assert result.state == "succeeded", result.message
    [(is_error, said)] = results_of(fake.requests[2])
    assert is_error and "NOT run" in said
    assert fake.requests[2].body["max_tokens"] == 32000  # a full window is no reason to raise it


async def test_a_history_that_never_fits_fails_as_a_limit_with_what_to_do(tmp_path: Path) -> None:
    # every request is over the (tiny) window: compaction is tried, then the task stops
    # with a message and an errorKind an editor can act on, not an internal error
    folder = project(tmp_path, "calc")
    script = [Reply([text("Plan: fix clamp")])] * 4
    with FakeAnthropic(script, context_window=50) as fake:
        result = await run_with(folder, fake)
    assert result.state == "failed"
    assert result.extra.get("errorKind") == "budget"
    assert result.message.startswith("context window full even after compacting")
    assert "narrower task" in result.message
    assert any(e["event"] == "context_compacted" for e in trace_events(folder))
