"""A long task that would overflow the context window completes by clearing and compacting.

The fake model is a policy, not a script: it reads sixty files (two per turn, with notes
of its own that grow the history), then edits the bug, runs the tests, reacts to what they
say, and finishes; it writes a summary when asked to and reviews through ``submit_review``.
The fake API refuses any prompt over its window, so the task only completes if the loop
keeps every request inside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.agent.scenarios import KEY, TEST_COMMAND, project
from tests.fakes.fake_anthropic import FakeAnthropic, RecordedRequest, Reply, text, tool_use

from delegate.agent.engine import run_task
from delegate.agent.task import TaskSpec
from delegate.settings import load_settings

WINDOW = 24_000
READS = 60


class BugFixPolicy:
    """Reads many files, fixes clamp, runs the tests, and acts on their result."""

    def __init__(self) -> None:
        self.read = 0
        self.edited = False
        self.summaries = 0

    def __call__(self, request: RecordedRequest) -> Reply:
        last = request.last_user_text()
        if request.body.get("tool_choice") == {"type": "none"}:
            self.summaries += 1
            return Reply(
                [text(f"Summary: read {self.read} helper modules; clamp line 8 is wrong.")]
            )
        if "submit_review" in request.tool_names:
            return Reply([tool_use("submit_review", {"approved": True, "notes": ["ok"]})])
        if "str_replace_based_edit_tool" not in request.tool_names:
            return Reply([text("Plan: survey the helpers, then fix clamp's upper bound.")])
        results = [request.tool_result_text(b) for b in request.tool_results()]
        if self.read < READS:
            calls = [
                tool_use("read_file", {"path": f"helpers/mod{self.read + i:02d}.py"})
                for i in range(2)
            ]
            self.read += 2
            note = f"Notes on modules {self.read - 2} and {self.read - 1}: " + "nothing. " * 150
            return Reply([text(note), *calls])
        if not self.edited:
            self.edited = True
            return Reply(
                [
                    tool_use(
                        "str_replace_based_edit_tool",
                        {
                            "command": "str_replace",
                            "path": "calc.py",
                            "old_str": "return low  # above range",
                            "new_str": "return high  # above range",
                        },
                    )
                ]
            )
        if results and results[0].startswith("Edited"):
            return Reply([tool_use("run_tests", {})])
        if results and "Tests FAILED" in results[0]:
            raise AssertionError(f"the fix should have made the tests pass: {results[0]}")
        if "The tests fail" in last:
            raise AssertionError("unexpected red round")
        return Reply([tool_use("finish", {"summary": "clamp returns high above the range"})])


async def test_a_sixty_read_task_completes_by_compacting(tmp_path: Path) -> None:
    folder = project(tmp_path, "calc")
    helpers = folder / "helpers"
    helpers.mkdir()
    for n in range(READS):
        body = "".join(f"def helper_{n}_{i}(x):\n    return x + {i}\n\n" for i in range(60))
        (helpers / f"mod{n:02d}.py").write_text(body)
    policy = BugFixPolicy()
    with FakeAnthropic([], policy=policy, context_window=WINDOW) as fake:
        settings, warnings = load_settings(
            {
                "api": {
                    "base_url": fake.base_url,
                    "max_retries": 0,
                    "context_window_tokens": WINDOW,
                },
                "budget": {"max_iterations": 2, "max_tool_calls": 200},
                "tests": {"command": TEST_COMMAND},
            }
        )
        assert not warnings
        spec = TaskSpec(task_id="t1", folder=folder, instruction="fix clamp above the range")
        result = await run_task(spec, settings, api_key=KEY)
    assert result.state == "succeeded", result.message
    assert policy.read == READS
    assert policy.summaries >= 1
    assert all(fake.prompt_tokens(r) <= WINDOW for r in fake.requests)
    total_read = sum(len(p.read_text()) for p in helpers.iterdir()) // 4
    assert total_read > WINDOW  # without clearing and compaction it could never fit
    trace = [
        json.loads(line)
        for line in (folder / ".delegate" / "runs" / "t1" / "trace.jsonl").read_text().splitlines()
    ]
    events = {e["event"] for e in trace}
    assert {"context_cleared", "context_compacted"} <= events
    compacted: list[dict[str, Any]] = [e for e in trace if e["event"] == "context_compacted"]
    assert all(e["tokens_after"] < e["tokens_before"] for e in compacted)
    after = next(
        r
        for r in fake.requests
        if "summarised to fit" in json.dumps(r.messages[0]) and r.body.get("tool_choice") is None
    )
    # the current tool cycle survives verbatim: its results were not cleared unread
    fresh = [after.tool_result_text(b) for b in after.tool_results()]
    assert fresh and all("cleared to save context" not in r for r in fresh)
    opening = json.dumps(after.messages[0])
    assert "Task: fix clamp above the range" in opening  # the task survives
    assert "Your plan:" in opening and "Your changes so far" in opening


async def test_a_prompt_the_api_refuses_as_too_long_is_compacted_and_retried(
    tmp_path: Path,
) -> None:
    folder = project(tmp_path, "calc")
    helpers = folder / "helpers"
    helpers.mkdir()
    for n in range(READS):
        (helpers / f"mod{n:02d}.py").write_text(f"X_{n} = {n}\n" * 300)
    policy = BugFixPolicy()
    # the loop believes in a far larger window than the API has: only the 400 tells it
    with FakeAnthropic([], policy=policy, context_window=WINDOW) as fake:
        settings, warnings = load_settings(
            {
                "api": {"base_url": fake.base_url, "max_retries": 0},
                "budget": {"max_iterations": 2, "max_tool_calls": 200},
                "tests": {"command": TEST_COMMAND},
            }
        )
        assert not warnings
        spec = TaskSpec(task_id="t1", folder=folder, instruction="fix clamp above the range")
        result = await run_task(spec, settings, api_key=KEY)
    assert result.state == "succeeded", result.message
    refused = [r for r in fake.requests if fake.prompt_tokens(r) > WINDOW]
    assert refused  # the API did refuse, and the task went on
    trace = (folder / ".delegate" / "runs" / "t1" / "trace.jsonl").read_text()
    assert "prompt is too long" in trace and '"context_compacted"' in trace
