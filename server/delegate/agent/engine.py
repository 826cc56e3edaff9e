"""The agent loop: snapshot → baseline tests → plan → code ⇄ test → verify → result.

:func:`run_task` is the one entry point for the language server and ``delegate run``. It owns
the task's bounds — iterations, tool calls, cost, wall clock and a stuck detector — and its
clean-up: whatever happens (success, failure, a model outage, cancellation) the model client
is closed, test processes are gone and the sandbox is removed (unless kept on request).
A failed task still returns the partial diff so the user can see how far it got.

The pieces it drives are injected where a test or a caller may want its own: the model client
(``client_factory``) and the workspace, i.e. sandbox plus tools (``workspace_factory``).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from delegate.agent import prompts
from delegate.agent.client import (
    ClientFactory,
    ModelClient,
    ModelError,
    ModelReply,
    default_client_factory,
)
from delegate.agent.loop_types import TaskStopped as TaskStopped
from delegate.agent.loop_types import Tool as Tool
from delegate.agent.loop_types import ToolPhase as ToolPhase
from delegate.agent.loop_types import Workspace as Workspace
from delegate.agent.loop_types import WorkspaceFactory as WorkspaceFactory
from delegate.agent.redact import Redactor
from delegate.agent.task import EventSink, Phase, TaskEvent, TaskResult, TaskSpec, TestReport
from delegate.agent.tools.base import CodeIndex as CodeIndex
from delegate.agent.trace import TraceWriter
from delegate.agent.verify import verify
from delegate.proposals.changes import FileChange
from delegate.settings import Settings

NO_KEY = "No Anthropic API key: set ANTHROPIC_API_KEY or send delegate/setApiKey."
_PLAN_TURNS = 12  # model turns allowed for planning before the plan is taken as it stands
_TURNS_PER_ITERATION = 40


@dataclass
class Budget:
    """Counts spending against ``settings.budget``; raises TaskStopped at a bound."""

    max_tool_calls: int
    max_cost_usd: float
    tool_calls: int = 0
    cost_usd: float = 0.0
    last_call_cost: float = 0.0
    recent_calls: list[str] = field(default_factory=list)

    def before_model_call(self) -> None:
        # stop *before* a call that would likely cross the limit, judged by the last one
        if self.cost_usd + self.last_call_cost > self.max_cost_usd:
            raise TaskStopped(
                f"cost budget reached: ${self.cost_usd:.4f} spent, the next call would exceed "
                f"the ${self.max_cost_usd:g} limit (budget.max_cost_usd)"
            )

    def charge(self, cost: float) -> None:
        self.cost_usd += cost
        self.last_call_cost = cost
        if self.cost_usd >= self.max_cost_usd:
            raise TaskStopped(
                f"cost budget reached: ${self.cost_usd:.4f} of ${self.max_cost_usd:g} "
                "(budget.max_cost_usd)"
            )

    def tool_call(self, name: str, input: dict[str, Any]) -> None:
        self.tool_calls += 1
        if self.tool_calls > self.max_tool_calls:
            raise TaskStopped(
                f"tool call budget reached: {self.max_tool_calls} calls (budget.max_tool_calls)"
            )
        key = name + json.dumps(input, sort_keys=True, default=str)
        self.recent_calls = [*self.recent_calls[-2:], key]
        if len(self.recent_calls) == 3 and len(set(self.recent_calls)) == 1:
            raise TaskStopped(
                f"stuck: the model called {name} with the same input three times in a row"
            )


def add_user_text(messages: list[dict[str, Any]], text: str) -> None:
    """Append a user text, joining the previous user turn (e.g. tool results) if it is last:
    the Messages API expects user and assistant turns to alternate."""
    if messages and messages[-1]["role"] == "user":
        content = messages[-1]["content"]
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        messages[-1] = {"role": "user", "content": [*content, {"type": "text", "text": text}]}
    else:
        messages.append({"role": "user", "content": text})


def should_auto_apply(result: TaskResult, settings: Settings) -> bool:
    """True when autonomy allows applying without review: green tests and an approved verdict."""
    return (
        settings.autonomy == "apply-when-green"
        and result.state == "succeeded"
        and bool(result.changes)
        and bool(result.verdict.get("approved"))
        and (result.tests_after is None or result.tests_after.passed)
    )


class TaskRun:
    """The state of one running task; :meth:`agent_turns` is shared with test generation."""

    def __init__(
        self,
        spec: TaskSpec,
        settings: Settings,
        client: ModelClient,
        workspace: Workspace,
        trace: TraceWriter,
        events: EventSink | None,
    ) -> None:
        self.spec = spec
        self.settings = settings
        self.client = client
        self.workspace = workspace
        self.trace = trace
        self._events = events
        self.budget = Budget(settings.budget.max_tool_calls, settings.budget.max_cost_usd)
        self.phase: Phase = "snapshot"
        self.iteration = 0
        self.summary = ""
        self.finished = False

    # -- events and tests --------------------------------------------------------------------
    def emit(
        self,
        phase: Phase,
        message: str = "",
        tests: tuple[int, int | None] | None = None,
    ) -> None:
        self.phase = phase
        if self._events is None:
            return
        done, total = tests if tests else (None, None)
        self._events(
            TaskEvent(
                self.spec.task_id,
                phase,
                message,
                self.iteration,
                done,
                total,
                round(self.budget.cost_usd, 6),
            )
        )

    async def run_tests(
        self, label: str, selection: Sequence[str] = (), timeout_s: float | None = None
    ) -> TestReport | None:
        """Run the tests (``timeout_s`` overrides ``tests.timeout_seconds``), traced."""
        self.emit("testing", f"running tests ({label})")

        def progress(done: int, total: int | None) -> None:
            self.emit("testing", f"running tests ({label})", (done, total))

        self.trace.write("test_start", phase="testing", iteration=self.iteration, label=label)
        report = await self.workspace.run_tests(progress, selection, timeout_s)
        if report is None:
            self.trace.write("test_run", phase="testing", label=label, summary="no test command")
            return None
        self.trace.write(
            "test_run",
            phase="testing",
            iteration=self.iteration,
            label=label,
            command=report.command,
            passed=report.passed,
            exit_code=report.exit_code,
            summary=report.summary,
            failures=report.failures,
            duration_s=round(report.duration_s, 3),
        )
        return report

    # -- the model loop ------------------------------------------------------------------------
    async def model_call(
        self, system: Sequence[str], messages: list[dict[str, Any]], tools: Sequence[Tool]
    ) -> ModelReply:
        self.budget.before_model_call()
        reply = await self.client.complete(
            system=system,
            messages=messages,
            tools=[t.definition() for t in tools],
            role="planner" if self.phase == "planning" else "coder",
            trace_fields={"phase": self.phase, "iteration": self.iteration},
        )
        messages.append({"role": "assistant", "content": reply.content})
        self.budget.charge(reply.cost_usd)
        self.emit(self.phase, f"model: {reply.stop_reason}")
        return reply

    async def execute_tool(self, block: dict[str, Any], tools: dict[str, Tool]) -> dict[str, Any]:
        name, raw_input = str(block.get("name")), block.get("input")
        tool_input: dict[str, Any] = raw_input if isinstance(raw_input, dict) else {}
        self.budget.tool_call(name, tool_input)
        fields = {"phase": self.phase, "iteration": self.iteration}
        self.trace.write("tool_call", name=name, input=tool_input, id=block.get("id"), **fields)
        started = time.monotonic()
        tool = tools.get(name)
        if tool is None:
            text, is_error = f"unknown tool {name!r} in this phase", True
        else:
            try:
                output = await tool.execute(tool_input)
                text, is_error = output.text, output.is_error
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a tool bug must reach the model, not end the task
                text, is_error = f"{type(error).__name__}: {error}", True
        self.trace.write(
            "tool_result",
            name=name,
            is_error=is_error,
            output=text,
            seconds=round(time.monotonic() - started, 3),
            **fields,
        )
        if name == "finish" and not is_error:
            self.finished = True
            self.summary = str(tool_input.get("summary") or text or "").strip()
        return {
            "type": "tool_result",
            "tool_use_id": block.get("id"),
            "content": text or "(no output)",
            "is_error": is_error,
        }

    async def agent_turns(
        self,
        system: Sequence[str],
        messages: list[dict[str, Any]],
        tools: Sequence[Tool],
        max_turns: int,
    ) -> ModelReply:
        """Call the model and run its tools until it stops asking, calls ``finish``, or
        ``max_turns`` is reached. Returns the last reply."""
        by_name = {t.name: t for t in tools}
        self.finished = False
        reply = await self.model_call(system, messages, tools)
        for _ in range(max_turns - 1):
            calls = reply.tool_uses
            if not calls:
                break
            results = [await self.execute_tool(call, by_name) for call in calls]
            messages.append({"role": "user", "content": results})
            if self.finished:
                break
            reply = await self.model_call(system, messages, tools)
        else:
            if reply.tool_uses:  # answer the dangling calls so the conversation stays valid
                messages.append(
                    {
                        "role": "user",
                        "content": [
                            {
                                "type": "tool_result",
                                "tool_use_id": c.get("id"),
                                "content": "turn limit reached; stop and summarise",
                                "is_error": True,
                            }
                            for c in reply.tool_uses
                        ],
                    }
                )
        return reply


@dataclass
class _Outcome:
    state: Literal["succeeded", "failed"]
    message: str
    plan: str = ""
    tests_before: TestReport | None = None
    tests_after: TestReport | None = None
    verdict: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def _repo_map(index: CodeIndex | None, spec: TaskSpec) -> str | None:
    if index is None:
        return None
    try:
        focus = [spec.file] if spec.file else []
        return index.repo_map(max_tokens=2000, focus=focus, query=spec.instruction)
    except Exception:  # the map is a help, never a reason to fail the task
        return None


async def _code_task(run: TaskRun, index: CodeIndex | None, outcome: _Outcome) -> None:
    spec, settings = run.spec, run.settings
    outcome.tests_before = await run.run_tests("baseline")
    system = prompts.system_prompt(_repo_map(index, spec))
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": prompts.task_message(spec, outcome.tests_before)}
    ]
    run.emit("planning", "planning")
    plan_reply = await run.agent_turns(system, messages, run.workspace.tools("plan"), _PLAN_TURNS)
    outcome.plan = plan_reply.text
    run.trace.write("plan", phase="planning", text=outcome.plan)
    add_user_text(messages, prompts.code_message())
    code_tools = run.workspace.tools("code")
    max_iterations = settings.budget.max_iterations
    failure_history: list[str] = []
    told_only_old = False
    for iteration in range(1, max_iterations + 1):
        run.iteration = iteration
        run.emit("editing", f"editing (round {iteration}/{max_iterations})")
        await run.agent_turns(system, messages, code_tools, _TURNS_PER_ITERATION)
        report = await run.run_tests(f"round {iteration}")
        outcome.tests_after = report
        if report is None or report.passed:
            return
        only_old = _no_new_failures(outcome.tests_before, report)
        if only_old and told_only_old:
            return  # the model was told these failures pre-date it and kept its change
        told_only_old = told_only_old or only_old
        failure_history = [*failure_history[-2:], "\n".join(report.failures) or report.summary]
        if len(failure_history) == 3 and len(set(failure_history)) == 1:
            raise TaskStopped(
                "stuck: the same tests failed the same way three rounds in a row "
                f"({report.summary})"
            )
        if iteration < max_iterations:
            feedback = prompts.test_feedback(report, iteration, max_iterations)
            if only_old:
                feedback += "\n\n" + prompts.PREEXISTING_ONLY
            add_user_text(messages, feedback)
    assert outcome.tests_after is not None
    raise TaskStopped(
        f"iteration budget exhausted: tests still fail after {max_iterations} rounds "
        f"({outcome.tests_after.summary}; budget.max_iterations)"
    )


def _no_new_failures(before: TestReport | None, after: TestReport) -> bool:
    """Pre-existing failures are not the task's fault: green means no failure beyond them."""
    if before is None or before.passed or not after.failures:
        return False
    known = {line.split("\n", 1)[0].split(" - ", 1)[0] for line in before.failures}
    return all(line.split("\n", 1)[0].split(" - ", 1)[0] in known for line in after.failures)


async def _finish(run: TaskRun, outcome: _Outcome, changes: list[FileChange]) -> None:
    run.emit("verifying", "reviewing the change")
    outcome.verdict = await verify(
        run.client,
        run.spec.instruction,
        changes,
        outcome.tests_before,
        outcome.tests_after,
        trace_fields={"phase": "verifying", "iteration": run.iteration},
    )
    run.budget.cost_usd = run.client.cost
    run.trace.write("verdict", phase="verifying", **outcome.verdict)
    green = (
        outcome.tests_after is None
        or outcome.tests_after.passed
        or (_no_new_failures(outcome.tests_before, outcome.tests_after))
    )
    if not changes:
        outcome.state, outcome.message = "failed", "the agent finished without changing anything"
    elif not outcome.verdict.get("approved"):
        notes = "; ".join(outcome.verdict.get("notes", [])[:3])
        outcome.state, outcome.message = "failed", f"the verifier rejected the change: {notes}"
    elif green:
        tests = outcome.tests_after.summary if outcome.tests_after else "no test command found"
        done = run.summary if run.spec.kind == "tests" and run.summary else "done"
        outcome.state, outcome.message = "succeeded", f"{done}; tests: {tests}"
    else:
        assert outcome.tests_after is not None
        outcome.state, outcome.message = "failed", f"tests fail: {outcome.tests_after.summary}"


async def _default_workspace(
    spec: TaskSpec, settings: Settings, index: CodeIndex | None
) -> Workspace:
    from delegate.agent.workspace import open_workspace

    return await open_workspace(spec, settings, index)


async def run_task(
    spec: TaskSpec,
    settings: Settings,
    *,
    api_key: str | None,
    index: CodeIndex | None = None,
    events: EventSink | None = None,
    client_factory: ClientFactory = default_client_factory,
    workspace_factory: WorkspaceFactory | None = None,
) -> TaskResult:
    """Run one task to its end. Cancellation cleans up and re-raises."""
    if not api_key:
        return TaskResult(spec.task_id, "failed", NO_KEY)
    trace = TraceWriter.for_task(spec.folder, spec.task_id, Redactor([api_key]))
    trace.write(
        "task", phase="queued", kind=spec.kind, instruction=spec.instruction, file=spec.file
    )
    client = client_factory(settings.api, api_key, trace)
    workspace: Workspace | None = None
    run: TaskRun | None = None
    outcome = _Outcome("failed", "")
    changes: list[FileChange] = []
    try:
        try:
            async with asyncio.timeout(settings.budget.max_wall_seconds):
                if events:
                    events(TaskEvent(spec.task_id, "snapshot", "copying the workspace"))
                started = time.monotonic()
                workspace = await (workspace_factory or _default_workspace)(spec, settings, index)
                trace.write(
                    "snapshot",
                    phase="snapshot",
                    root=str(workspace.root),
                    seconds=round(time.monotonic() - started, 3),
                )
                run = TaskRun(spec, settings, client, workspace, trace, events)
                if spec.kind == "tests":
                    from delegate.agent.testgen import generate_tests

                    await generate_tests(run, index, outcome)
                else:
                    await _code_task(run, index, outcome)
                changes = workspace.changes()
                await _finish(run, outcome, changes)
        except TimeoutError:
            outcome.message = (
                f"wall-clock limit reached after {settings.budget.max_wall_seconds:g} s "
                "(budget.max_wall_seconds)"
            )
        except TaskStopped as stop:
            outcome.message = str(stop)
        except ModelError as error:
            outcome.message = str(error)
        if outcome.state == "failed" and workspace is not None and not changes:
            changes = workspace.changes()  # the partial diff, for inspection
    except asyncio.CancelledError:
        trace.write("cancelled", phase=run.phase if run else "snapshot")
        raise
    finally:
        await client.close()
        if workspace is not None:
            await _close_quietly(workspace)
        if outcome.message:
            trace.write("result", phase="done", state=outcome.state, message=outcome.message)
        trace.close()
    result = TaskResult(
        task_id=spec.task_id,
        state=outcome.state,
        message=outcome.message,
        changes=changes,
        plan=outcome.plan,
        summary=run.summary if run else "",
        tests_before=outcome.tests_before,
        tests_after=outcome.tests_after,
        verdict=outcome.verdict,
        cost_usd=round(client.cost, 6),
        trace_path=str(trace.path),
        extra=outcome.extra,
    )
    if events:
        events(TaskEvent(spec.task_id, "done", result.message, cost_usd=result.cost_usd))
    return result


async def _close_quietly(workspace: Workspace) -> None:
    # closing must finish even when the task is being cancelled
    closing = asyncio.ensure_future(workspace.close())
    try:
        await asyncio.shield(closing)
    except asyncio.CancelledError:
        await closing
        raise
