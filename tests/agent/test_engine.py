"""Scenarios for the agent loop on fixture projects copied into tmp_path.

Everything is real except the model: the anthropic SDK talks HTTP to the fake Messages API,
and the loop works in a real sandbox (:func:`delegate.agent.workspace.open_workspace`) with
the real tools (``read_file``, ``str_replace_based_edit_tool``, ``finish``, ``search_code`` on
a real :class:`WorkspaceIndex`, …) and the real test runner running the fixture's pytest.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from tests.agent.scenarios import KEY, TEST_COMMAND, project
from tests.fakes.fake_anthropic import Fail, FakeAnthropic, RecordedRequest, Reply, text, tool_use

from delegate.agent.engine import CodeIndex, TaskRun, run_task, should_auto_apply
from delegate.agent.task import TaskEvent, TaskResult, TaskSpec
from delegate.index.workspace import WorkspaceIndex
from delegate.settings import Settings, load_settings

APPROVE = Reply([text('{"approved": true, "notes": ["fixes the bug"]}')])
READ_ONLY = {"search_code", "repo_map", "find_symbol", "grep", "read_file", "list_dir"}


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
    folder: Path,
    fake: FakeAnthropic,
    instruction: str = "fix clamp",
    *,
    index: CodeIndex | None = None,
    **budget: Any,
) -> tuple[TaskResult, list[TaskEvent]]:
    events: list[TaskEvent] = []
    spec = TaskSpec(task_id="t1", folder=folder, instruction=instruction)
    result = await run_task(
        spec, settings_for(fake, **budget), api_key=KEY, index=index, events=events.append
    )
    return result, events


def edit(old: str, new: str, path: str = "calc.py") -> dict[str, Any]:
    return tool_use(
        "str_replace_based_edit_tool",
        {"command": "str_replace", "path": path, "old_str": old, "new_str": new},
    )


def results_of(request: RecordedRequest) -> list[tuple[bool, str]]:
    """(is_error, text) of each tool result the request carries back to the model."""
    return [(bool(b.get("is_error")), request.tool_result_text(b)) for b in request.tool_results()]


FINISH = Reply([tool_use("finish", {"summary": "clamp returns high above the range"})])


@pytest.fixture
def indexed_calc(tmp_path: Path) -> Iterator[tuple[Path, WorkspaceIndex]]:
    folder = project(tmp_path, "calc")
    settings = Settings().index.model_copy(update={"workers": 1})
    with WorkspaceIndex.open(folder, settings) as index:
        index.update()
        yield folder, index


async def test_bug_fixed_on_second_round_with_the_right_diff(
    indexed_calc: tuple[Path, WorkspaceIndex],
) -> None:
    folder, index = indexed_calc
    before = (folder / "calc.py").read_text()
    script = [
        Reply(
            [
                tool_use("search_code", {"query": "clamp upper bound", "limit": 3}),
                tool_use("read_file", {"path": "calc.py", "start_line": 4, "end_line": 10}),
            ]
        ),
        Reply([text("Plan: 1. fix the upper bound in clamp 2. calc.py 3. run pytest")]),
        Reply([edit("return high  # nowhere", "return high")]),  # a miss the model corrects
        Reply([edit("return low  # above range", "return value  # above range")]),
        FINISH,
        Reply([edit("return value  # above range", "return high  # above range")]),
        Reply([tool_use("run_tests", {"tests": ["tests/test_calc.py::test_clamp_above"]})]),
        FINISH,
        APPROVE,
    ]
    with FakeAnthropic(script) as fake:
        result, events = await run(folder, fake, index=index)
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

    requests = fake.requests
    # planning is read-only; the repo map from the index is part of the system prompt
    assert set(requests[0].tool_names) == READ_ONLY
    assert "calc.py" in requests[0].system_text
    (search_error, found), (read_error, lines) = results_of(requests[1])
    assert not search_error and re.search(r"^\d\. calc\.py:4-10  function clamp", found, re.M)
    assert not read_error and "return low  # above range" in lines and "     9" in lines
    # coding adds the editor (the SDK's versioned text editor type), run_tests, finish, bash
    editor = next(t for t in requests[2].tools if t["name"] == "str_replace_based_edit_tool")
    assert editor["type"] == "text_editor_20250728"
    assert set(requests[2].tool_names) == READ_ONLY | {
        "str_replace_based_edit_tool",
        "run_tests",
        "finish",
        "bash",
    }
    [(missed, why)] = results_of(requests[3])
    assert missed and "not found" in why.lower()
    # the second round was told which test failed
    assert "test_clamp_above" in requests[5].last_user_text()
    [(tests_error, tests_output)] = results_of(requests[7])
    assert not tests_error and tests_output.startswith("Tests PASSED: 1 passed")
    assert {e.phase for e in events} >= {
        "snapshot",
        "planning",
        "editing",
        "testing",
        "verifying",
        "done",
    }


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
                tool_use(
                    "str_replace_based_edit_tool",
                    {
                        "command": "insert",
                        "path": "cart.py",
                        "insert_line": 3,
                        "new_str": "from discount import apply_discount\n",
                    },
                ),
            ]
        ),
        FINISH,
        APPROVE,
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake, "add a percentage discount")
    assert result.state == "succeeded", result.message
    assert [error for error, _ in results_of(fake.requests[2])] == [False] * 5
    by_path = {c.path: c for c in result.changes}
    assert set(by_path) == {"cart.py", "discount.py", "tests/test_discount.py"}
    assert by_path["discount.py"].operation == "create"
    assert by_path["discount.py"].proposed == discount
    cart = by_path["cart.py"].proposed or ""
    assert "from discount import apply_discount\n" in cart
    assert "apply_discount(sum(self.prices), self.percent)" in cart
    assert result.tests_after is not None and "2 passed" in result.tests_after.summary
    assert not (folder / "discount.py").exists()


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
    assert [c.path for c in result.changes] == ["calc.py"]
    assert "return 0" in (result.changes[0].proposed or "")
    assert "return sum(values) / len(values)" in (folder / "calc.py").read_text()


async def test_stuck_detector_nudges_then_stops_repeated_identical_tool_calls(
    tmp_path: Path,
) -> None:
    folder = project(tmp_path, "calc")
    same = Reply([tool_use("read_file", {"path": "calc.py"})])
    with FakeAnthropic([same, same, same, same, same]) as fake:
        result, _ = await run(folder, fake)
    assert result.state == "failed"
    assert "stuck" in result.message and "three times" in result.message
    assert "after being told" in result.message
    assert len(fake.requests) == 4  # the nudge came with the third result; the fourth call stops
    assert "going in circles" in fake.requests[3].last_user_text()
    assert "going in circles" not in fake.requests[2].last_user_text()


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
    seen: list[tuple[bool, str]] = []
    escapes = [
        tool_use("read_file", {"path": "../secret.txt"}),
        tool_use("read_file", {"path": str(tmp_path / "secret.txt")}),
        tool_use("grep", {"pattern": "do not", "path_glob": "../*"}),
        tool_use(
            "str_replace_based_edit_tool",
            {"command": "create", "path": "../evil.py", "file_text": "x = 1\n"},
        ),
    ]

    def policy(request: RecordedRequest) -> Reply:
        results = results_of(request)
        if not results:
            return Reply(escapes)
        seen.extend(results)
        return Reply([text("cannot reach it")])

    with FakeAnthropic([], policy=policy) as fake:
        result, _ = await run(folder, fake, max_iterations=1)
    assert len(seen) == 8  # four attempts in planning (read-only tools) and four in coding
    refused = [is_error for is_error, _ in seen]
    assert refused == [True, True, False, True] * 2, seen
    assert all("No matches" in out or "no match" in out.lower() for _, out in seen[2::4])
    assert "do not read" not in str(seen)
    assert not (tmp_path / "evil.py").exists()
    assert result.changes == []


async def test_verifier_rejects_deleting_the_failing_test(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    failing = "def test_clamp_above() -> None:\n    assert clamp(42, 0, 10) == 10\n"
    script = [
        Reply([text("Plan: make the tests pass")]),
        Reply([edit(failing, "", "tests/test_calc.py")]),
        FINISH,
        APPROVE,  # even a careless reviewer is overruled by the rule check
        FINISH,  # told why, the model insists
        APPROVE,
    ]
    with FakeAnthropic(script) as fake:
        result, _ = await run(folder, fake, max_iterations=2)
    assert result.tests_after is not None and result.tests_after.passed
    assert result.state == "failed"
    assert "the verifier rejected the change" in result.message
    told = fake.requests[4].last_user_text()
    assert "A reviewer rejected your change" in told and "removed from tests/test_calc.py" in told
    assert result.verdict["approved"] is False
    assert "deleted-test" in {r["rule"] for r in result.verdict["rules"]}
    assert not should_auto_apply(result, Settings(autonomy="apply-when-green"))
    assert "test_clamp_above" in (folder / "tests" / "test_calc.py").read_text()


async def test_cancellation_cleans_up_processes_and_sandbox(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    (folder / "tests" / "test_slow.py").write_text(
        "import time\n\ndef test_slow():\n    time.sleep(60)\n"
    )
    temp_root = Path(tempfile.gettempdir())
    before_dirs = set(temp_root.iterdir())
    # processes this test run had already (an index pool's resource tracker lives on)
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    with FakeAnthropic([Reply([text("plan")])]) as fake:
        spec = TaskSpec(task_id="t-cancel", folder=folder, instruction="x")
        started = asyncio.Event()

        def on_event(event: TaskEvent) -> None:
            if event.phase == "testing":
                started.set()

        task = asyncio.create_task(run_task(spec, settings_for(fake), api_key=KEY, events=on_event))
        await asyncio.wait_for(started.wait(), 10)
        await asyncio.sleep(0.5)  # let pytest start
        started_here = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
        assert started_here  # the test run is under way
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert [p for p in psutil.Process().children(recursive=True) if p.pid not in before] == []
    assert not {p for p in set(temp_root.iterdir()) - before_dirs if "delegate-sbx" in p.name}
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
    assert all(KEY not in r.api_key for r in fake.requests)


async def test_missing_key_is_a_clear_failure(tmp_path: Path) -> None:
    spec = TaskSpec(task_id="t", folder=tmp_path, instruction="x")
    result = await run_task(spec, Settings(), api_key=None)
    assert result.state == "failed" and "ANTHROPIC_API_KEY" in result.message


def test_task_run_is_importable_for_testgen() -> None:
    assert TaskRun.agent_turns
