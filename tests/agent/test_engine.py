"""Scenarios for the agent loop through the real SDK, the fake Messages API, the real sandbox
and the real test runner, on fixture projects copied into tmp_path.

The loop takes its tools from the workspace; until the agent tool set lands these scenarios
use three small stand-in tools (read_file, the text editor's str_replace/create, finish) that
resolve every path with the real ``resolve_inside``.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
from tests.fakes.fake_anthropic import Fail, FakeAnthropic, RecordedRequest, Reply, text, tool_use

from delegate.agent.engine import CodeIndex, TaskRun, Tool, run_task, should_auto_apply
from delegate.agent.paths import PathEscape, resolve_inside
from delegate.agent.sandbox import Sandbox
from delegate.agent.task import TaskEvent, TaskSpec
from delegate.agent.task import TestReport as Report
from delegate.agent.testrunner import TestRunner
from delegate.proposals.changes import FileChange
from delegate.settings import Settings, load_settings

KEY = "sk-ant-api03-DISTINCTIVE-SCENARIO-KEY-7f3a9c"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "repos"
APPROVE = Reply([text('{"approved": true, "notes": ["fixes the bug"]}')])
TEST_COMMAND = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


@dataclass
class Output:
    text: str
    is_error: bool = False


class StandInTool:
    def __init__(self, name: str, run: Callable[[dict[str, Any]], str]) -> None:
        self.name = name
        self._run = run

    def definition(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.name, "input_schema": {"type": "object"}}

    async def execute(self, input: dict[str, Any]) -> Output:
        try:
            return Output(self._run(input))
        except (PathEscape, OSError, KeyError, ValueError) as error:
            return Output(f"{type(error).__name__}: {error}", True)


class StandInWorkspace:
    def __init__(self, sandbox: Sandbox, runner: TestRunner) -> None:
        self.sandbox, self.root, self.runner = sandbox, sandbox.root, runner

    def _read(self, args: dict[str, Any]) -> str:
        return resolve_inside(self.root, args["path"]).read_text()

    def _edit(self, args: dict[str, Any]) -> str:
        path = resolve_inside(self.root, args["path"])
        if args["command"] == "create":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(args["file_text"])
            return "created"
        source = path.read_text()
        if source.count(args["old_str"]) != 1:
            raise ValueError("old_str must occur exactly once")
        path.write_text(source.replace(args["old_str"], args["new_str"]))
        return "edited"

    def tools(self, phase: str) -> list[Tool]:
        tools = [StandInTool("read_file", self._read)]
        if phase == "code":
            tools += [
                StandInTool("str_replace_based_edit_tool", self._edit),
                StandInTool("finish", lambda args: "finished"),
            ]
        return tools  # type: ignore[return-value]

    async def run_tests(self, on_progress: Any = None, selection: Sequence[str] = ()) -> Report:
        return await self.runner.run(selection, on_progress=on_progress)

    def changes(self) -> list[FileChange]:
        return self.sandbox.changes()

    async def close(self) -> None:
        await self.sandbox.close()


async def stand_in_workspace(
    spec: TaskSpec, settings: Settings, index: CodeIndex | None
) -> StandInWorkspace:
    sandbox = await Sandbox.create(spec.folder, spec.overrides, settings.index)
    runner = TestRunner(sandbox.root, TEST_COMMAND, timeout_s=30, max_output_chars=20000)
    return StandInWorkspace(sandbox, runner)


def project(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(FIXTURES / name, folder)
    return folder


def settings_for(fake: FakeAnthropic, **budget: Any) -> Settings:
    settings, warnings = load_settings(
        {
            "api": {"base_url": fake.base_url, "max_retries": 1, "timeout_seconds": 10},
            "budget": {"max_iterations": 3, **budget},
            "tests": {"command": TEST_COMMAND},
        }
    )
    assert not warnings
    return settings


async def run(
    folder: Path, fake: FakeAnthropic, instruction: str = "fix clamp", **budget: Any
) -> Any:
    events: list[TaskEvent] = []
    spec = TaskSpec(task_id="t1", folder=folder, instruction=instruction)
    result = await run_task(
        spec,
        settings_for(fake, **budget),
        api_key=KEY,
        events=events.append,
        workspace_factory=stand_in_workspace,
    )
    return result, events


def edit(old: str, new: str, path: str = "calc.py") -> dict[str, Any]:
    return tool_use(
        "str_replace_based_edit_tool",
        {"command": "str_replace", "path": path, "old_str": old, "new_str": new},
    )


FINISH = Reply([tool_use("finish", {"summary": "clamp returns high above the range"})])


async def test_bug_fixed_on_second_round_with_the_right_diff(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    before = (folder / "calc.py").read_text()
    script = [
        Reply([tool_use("read_file", {"path": "calc.py"})]),
        Reply([text("Plan: 1. fix the upper bound in clamp 2. calc.py 3. run pytest")]),
        Reply([edit("return low  # above range", "return value  # above range")]),
        FINISH,
        Reply([edit("return value  # above range", "return high  # above range")]),
        FINISH,
        APPROVE,
    ]
    with FakeAnthropic(script) as fake:
        result, events = await run(folder, fake)
    assert result.state == "succeeded", result.message
    assert [c.path for c in result.changes] == ["calc.py"]
    assert result.changes[0].proposed == before.replace(
        "return low  # above range", "return high  # above range"
    )
    assert (folder / "calc.py").read_text() == before  # the user's folder is untouched
    assert result.tests_before is not None and not result.tests_before.passed
    assert result.tests_after is not None and result.tests_after.passed
    assert result.plan.startswith("Plan:")
    assert result.summary == "clamp returns high above the range"
    assert result.verdict["approved"] is True
    assert result.cost_usd > 0
    # the second round was told which test failed
    feedback = fake.requests[4].last_user_text()
    assert "test_clamp_above" in feedback
    assert {e.phase for e in events} >= {
        "snapshot",
        "planning",
        "editing",
        "testing",
        "verifying",
        "done",
    }
    assert fake.requests[0].tool_names == ["read_file"]  # planning is read-only
    assert "str_replace_based_edit_tool" in fake.requests[2].tool_names


async def test_multi_file_change(tmp_path: Path) -> None:
    folder = project(tmp_path, "shop")
    discount = "def apply_discount(total: float, percent: float) -> float:\n    return total * (1 - percent / 100)\n"
    test = "from discount import apply_discount\n\n\ndef test_ten_percent() -> None:\n    assert apply_discount(200.0, 10) == 180.0\n"
    script = [
        Reply([text("Plan: new discount module, use it in Cart.total, test it")]),
        Reply(
            [
                tool_use(
                    "str_replace_based_edit_tool",
                    {"command": "create", "path": "discount.py", "file_text": discount},
                ),
                tool_use(
                    "str_replace_based_edit_tool",
                    {"command": "create", "path": "tests/test_discount.py", "file_text": test},
                ),
                edit(
                    "        return sum(self.prices)",
                    "        return apply_discount(sum(self.prices), self.percent)",
                    "cart.py",
                ),
                edit(
                    "    prices: list[float] = field(default_factory=list)\n",
                    "    prices: list[float] = field(default_factory=list)\n    percent: float = 0.0\n",
                    "cart.py",
                ),
                edit(
                    '"""A shopping cart."""\n',
                    '"""A shopping cart."""\n\nfrom discount import apply_discount\n',
                    "cart.py",
                ),
            ]
        ),
        FINISH,
        APPROVE,
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake, "add a percentage discount")
    assert result.state == "succeeded", result.message
    by_path = {c.path: c for c in result.changes}
    assert set(by_path) == {"cart.py", "discount.py", "tests/test_discount.py"}
    assert by_path["discount.py"].operation == "create"
    assert "apply_discount(sum(self.prices)" in (by_path["cart.py"].proposed or "")
    assert result.tests_after is not None and "2 passed" in result.tests_after.summary


async def test_iteration_budget_exhausted_keeps_the_partial_diff(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    wrong = ["return sum(values) / len(values)", "return sum(values)", "return 0"]
    script: list[Any] = [Reply([text("Plan: fix it")])]
    for old, new in itertools.pairwise(wrong):
        script += [Reply([edit(old, new)]), FINISH]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake, max_iterations=2)
    assert result.state == "failed"
    assert "iteration budget exhausted" in result.message and "2 rounds" in result.message
    assert "return 0" in (result.changes[0].proposed or "")


async def test_stuck_detector_stops_repeated_identical_tool_calls(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    same = Reply([tool_use("read_file", {"path": "calc.py"})])
    with FakeAnthropic([same, same, same, same]) as fake:
        result, _ = await run(folder, fake)
    assert result.state == "failed"
    assert "stuck" in result.message and "three times" in result.message
    assert len(fake.requests) == 3


async def test_cost_budget_stops_before_exceeding(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    expensive = Reply([tool_use("read_file", {"path": "calc.py"})], input_tokens=100_000)
    script = [
        expensive,
        Reply([tool_use("read_file", {"path": "tests/test_calc.py"})], input_tokens=100_000),
    ] * 3
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake, max_cost_usd=0.5)
    assert result.state == "failed"
    assert "cost budget" in result.message
    assert result.cost_usd <= 0.5
    assert len(fake.requests) == 1  # ~$0.30 per call: a second would cross $0.50


async def test_api_outage_retries_then_fails_clearly(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    with FakeAnthropic([Fail(529)] * 5) as fake:
        result, _ = await run(folder, fake)
    assert result.state == "failed"
    assert "unavailable after 1 retries" in result.message
    assert len(fake.requests) == 2


async def test_path_escape_is_refused_and_reported_to_the_model(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    (tmp_path / "secret.txt").write_text("do not read")
    seen: list[dict[str, Any]] = []

    def policy(request: RecordedRequest) -> Reply:
        results = request.tool_results()
        if not results:
            return Reply([tool_use("read_file", {"path": "../secret.txt"})])
        seen.extend(results)
        return Reply([text("cannot read it")])

    with FakeAnthropic([], policy=policy) as fake:
        await run(folder, fake, max_iterations=1)
    assert seen and seen[0]["is_error"] is True
    assert "do not read" not in str(seen)


async def test_verifier_rejects_deleting_the_failing_test(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    failing = "def test_clamp_above() -> None:\n    assert clamp(42, 0, 10) == 10\n"
    script = [
        Reply([text("Plan: make the tests pass")]),
        Reply([edit(failing, "", "tests/test_calc.py")]),
        FINISH,
        APPROVE,  # even a careless reviewer is overruled by the rule check
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake)
    assert result.tests_after is not None and result.tests_after.passed
    assert result.state == "failed"
    assert result.verdict["approved"] is False
    assert "deleted-test" in {r["rule"] for r in result.verdict["rules"]}
    assert not should_auto_apply(result, Settings(autonomy="apply-when-green"))


async def test_cancellation_cleans_up_processes_and_sandbox(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    (folder / "tests" / "test_slow.py").write_text(
        "import time\n\ndef test_slow():\n    time.sleep(60)\n"
    )
    temp_root = Path(tempfile.gettempdir())
    before_dirs = set(temp_root.iterdir())
    with FakeAnthropic([Reply([text("plan")])]) as fake:
        spec = TaskSpec(task_id="t-cancel", folder=folder, instruction="x")
        started = asyncio.Event()

        def on_event(event: TaskEvent) -> None:
            if event.phase == "testing":
                started.set()

        task = asyncio.create_task(
            run_task(
                spec,
                settings_for(fake),
                api_key=KEY,
                events=on_event,
                workspace_factory=stand_in_workspace,
            )
        )
        await asyncio.wait_for(started.wait(), 10)
        await asyncio.sleep(0.5)  # let pytest start
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert psutil.Process().children(recursive=True) == []
    assert set(temp_root.iterdir()) - before_dirs == set()
    trace = (folder / ".delegate" / "runs" / "t-cancel" / "trace.jsonl").read_text()
    assert '"cancelled"' in trace


async def test_no_key_in_any_trace_or_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = project(tmp_path, "calc")
    script = [
        Reply([text(f"Plan: I was given {KEY}")]),
        Reply([edit("return low  # above range", "return high  # above range")]),
        FINISH,
        APPROVE,
    ]
    caplog.set_level("DEBUG")
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake)
    assert result.state == "succeeded", result.message
    files = [p for p in (folder / ".delegate").rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert KEY not in path.read_text(errors="replace"), path
    assert KEY not in caplog.text


async def test_missing_key_is_a_clear_failure(tmp_path: Path) -> None:
    spec = TaskSpec(task_id="t", folder=tmp_path, instruction="x")
    result = await run_task(spec, Settings(), api_key=None)
    assert result.state == "failed" and "ANTHROPIC_API_KEY" in result.message


def test_task_run_is_importable_for_testgen() -> None:
    assert TaskRun.agent_turns
