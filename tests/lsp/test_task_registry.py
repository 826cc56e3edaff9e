"""The task registry: ids, states, phases, cancellation, the concurrency limit, persistence."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from delegate.agent.task import EventSink, TaskEvent, TaskResult, TaskSpec
from delegate.tasks import TaskRecord, TaskRegistry, TaskStore, new_task_id
from delegate.tasks.outcomes import failure_message
from delegate.tasks.registry import INTERRUPTED_MESSAGE


def spec(folder: Path, instruction: str = "do it") -> TaskSpec:
    return TaskSpec(task_id=new_task_id(), folder=folder, instruction=instruction)


class GatedRunner:
    """A runner that reports two phases and then waits until the test opens its gate."""

    def __init__(self) -> None:
        self.gates: dict[str, asyncio.Event] = {}
        self.started: list[str] = []

    async def __call__(self, task: TaskSpec, events: EventSink) -> TaskResult:
        self.started.append(task.task_id)
        gate = self.gates.setdefault(task.task_id, asyncio.Event())
        events(TaskEvent(task.task_id, "planning", "reading code", cost_usd=0.01))
        events(TaskEvent(task.task_id, "testing", iteration=1, tests_done=1, tests_total=3))
        await gate.wait()
        return TaskResult(task.task_id, "succeeded", "all green", cost_usd=0.05)

    def release(self, task_id: str) -> None:
        self.gates.setdefault(task_id, asyncio.Event()).set()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def test_task_ids_are_unique_and_sortable() -> None:
    ids = [new_task_id() for _ in range(50)]
    assert len(set(ids)) == 50
    assert all(len(i.split("-")) == 3 for i in ids)


async def test_a_task_runs_through_its_phases_and_is_saved(tmp_path: Path) -> None:
    runner = GatedRunner()
    registry = TaskRegistry(runner, max_concurrent=2)
    seen: list[tuple[str, str]] = []
    registry.on_change(lambda r: seen.append((r.state, r.phase)))
    task = spec(tmp_path)

    record = registry.submit(task)
    assert record.state == "queued"
    await settle()
    running = registry.get(task.task_id)
    assert running is not None
    assert (running.state, running.phase, running.iteration) == ("running", "testing", 1)
    assert (running.tests_done, running.tests_total) == (1, 3)

    runner.release(task.task_id)
    await settle()
    done = registry.get(task.task_id)
    assert done is not None and done.state == "succeeded" and done.message == "all green"
    assert done.cost_usd == 0.05
    assert seen[0] == ("queued", "queued") and seen[-1] == ("succeeded", "done")
    assert ("running", "planning") in seen

    saved = json.loads((tmp_path / ".delegate/tasks" / f"{task.task_id}.json").read_text())
    assert saved["state"] == "succeeded"
    assert (tmp_path / ".delegate/.gitignore").read_text() == "*\n"


async def test_the_limit_queues_extra_tasks_until_a_slot_frees(tmp_path: Path) -> None:
    runner = GatedRunner()
    registry = TaskRegistry(runner, max_concurrent=1)
    first, second = spec(tmp_path, "one"), spec(tmp_path, "two")
    registry.submit(first)
    registry.submit(second)
    await settle()
    assert runner.started == [first.task_id]
    waiting = registry.get(second.task_id)
    assert waiting is not None and waiting.state == "queued"

    runner.release(first.task_id)
    await settle()
    assert runner.started == [first.task_id, second.task_id]
    runner.release(second.task_id)
    await settle()
    assert [r.state for r in registry.records()] == ["succeeded", "succeeded"]


async def test_raising_the_limit_starts_waiting_tasks(tmp_path: Path) -> None:
    runner = GatedRunner()
    registry = TaskRegistry(runner, max_concurrent=1)
    tasks = [spec(tmp_path) for _ in range(3)]
    for task in tasks:
        registry.submit(task)
    await settle()
    assert len(runner.started) == 1
    registry.set_limit(3)
    await settle()
    assert len(runner.started) == 3
    await registry.shutdown()


async def test_cancel_a_running_and_a_queued_task(tmp_path: Path) -> None:
    runner = GatedRunner()
    registry = TaskRegistry(runner, max_concurrent=1)
    finished: list[str] = []
    registry.on_finish(lambda record, result: finished.append(record.task_id))
    running, queued = spec(tmp_path), spec(tmp_path)
    registry.submit(running)
    registry.submit(queued)
    await settle()

    assert registry.cancel(queued.task_id)
    assert registry.cancel(running.task_id)
    await settle()
    states = {r.task_id: r.state for r in registry.records()}
    assert states == {running.task_id: "cancelled", queued.task_id: "cancelled"}
    assert sorted(finished) == sorted([running.task_id, queued.task_id])
    assert not registry.cancel(running.task_id)  # already over
    assert not registry.cancel("no-such-task")


async def test_a_runner_crash_fails_the_task_with_its_message(tmp_path: Path) -> None:
    async def broken(task: TaskSpec, events: EventSink) -> TaskResult:
        raise RuntimeError("agent not available")

    registry = TaskRegistry(broken)
    task = spec(tmp_path)
    registry.submit(task)
    await settle()
    record = registry.get(task.task_id)
    assert record is not None and record.state == "failed"
    assert "agent not available" in record.message


async def test_reload_marks_interrupted_tasks_failed(tmp_path: Path) -> None:
    store = TaskStore(tmp_path)
    store.save(TaskRecord("a", str(tmp_path), "old", state="succeeded", created_at=1.0))
    store.save(TaskRecord("b", str(tmp_path), "cut off", state="running", created_at=2.0))
    (store.directory / "broken.json").write_text("{not json")

    registry = TaskRegistry(GatedRunner())
    loaded = registry.load(tmp_path)
    assert [r.task_id for r in loaded] == ["a", "b"]
    states = {r.task_id: (r.state, r.message) for r in registry.records()}
    assert states["a"][0] == "succeeded"
    assert states["b"] == ("failed", failure_message("interrupted", INTERRUPTED_MESSAGE))
    # the correction is persisted, so a second restart agrees
    assert TaskStore(tmp_path).load_all()[1].state == "failed"


def test_records_round_trip_through_json_and_ignore_unknown_keys() -> None:
    record = TaskRecord("x", "/w", "do", trigger={"startLine": 1})
    data = record.to_json() | {"from_the_future": True}
    assert TaskRecord.from_json(data) == record
