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
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from delegate.agent import context_window, prompts, reproduction, stop_reasons
from delegate.agent.client import (
    ClientFactory,
    ModelClient,
    ModelError,
    ModelReply,
    default_client_factory,
)
from delegate.agent.context_window import ContextWindow
from delegate.agent.conversation import add_user_text as add_user_text
from delegate.agent.loop_types import TaskStopped as TaskStopped
from delegate.agent.loop_types import Tool as Tool
from delegate.agent.loop_types import ToolPhase as ToolPhase
from delegate.agent.loop_types import Workspace as Workspace
from delegate.agent.loop_types import WorkspaceFactory as WorkspaceFactory
from delegate.agent.project_instructions import find_instructions
from delegate.agent.redact import Redactor
from delegate.agent.stuck import Stuck, StuckDetector
from delegate.agent.task import EventSink, Phase, TaskEvent, TaskResult, TaskSpec, TestReport
from delegate.agent.task_tests import concerning_failures, test_id
from delegate.agent.test_signal import no_signal_reason
from delegate.agent.tools.base import CodeIndex as CodeIndex
from delegate.agent.trace import TraceWriter
from delegate.agent.verify import unified_diff, verify
from delegate.proposals.changes import FileChange
from delegate.settings import Settings

NO_KEY = "No Anthropic API key: set ANTHROPIC_API_KEY or send delegate/setApiKey."
_PLAN_TURNS = 12  # model turns allowed for planning before the plan is taken as it stands
_TURNS_PER_ITERATION = 40
# tools that only read: several of them in one reply run concurrently
READ_ONLY_TOOLS = frozenset(
    {"search_code", "repo_map", "find_symbol", "grep", "read_file", "list_dir"}
)
_STATE_DIFF_CHARS = 20_000


@dataclass
class Budget:
    """Counts spending against ``settings.budget``; raises TaskStopped at a bound."""

    max_tool_calls: int
    max_cost_usd: float
    tool_calls: int = 0
    cost_usd: float = 0.0
    last_call_cost: float = 0.0

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

    def tool_call(self) -> None:
        self.tool_calls += 1
        if self.tool_calls > self.max_tool_calls:
            raise TaskStopped(
                f"tool call budget reached: {self.max_tool_calls} calls (budget.max_tool_calls)"
            )


def should_auto_apply(result: TaskResult, settings: Settings) -> bool:
    """True when autonomy allows applying without review: an approved verdict and a real
    green run (a run that collected nothing, or no test command at all, is not green)."""
    after = result.tests_after
    return (
        settings.autonomy == "apply-when-green"
        and result.state == "succeeded"
        and bool(result.changes)
        and bool(result.verdict.get("approved"))
        and after is not None
        and after.passed
        and no_signal_reason(after) is None
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
        self.max_tokens = settings.api.max_output_tokens
        self.window = ContextWindow(settings.api.context_window_tokens)
        self.stuck = StuckDetector()
        self.plan = ""  # kept through compactions
        self.latest_tests: TestReport | None = None

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
        if not selection:
            self.latest_tests = report
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
    def _role(self) -> str:
        return {"planning": "planner", "verifying": "verifier"}.get(self.phase, "coder")

    async def model_call(
        self,
        system: Sequence[str],
        messages: list[dict[str, Any]],
        tools: Sequence[Tool],
        role: str | None = None,
    ) -> ModelReply:
        """One model turn: the history is fitted to the window first, a request the API
        still finds too long is compacted and sent once more."""
        definitions = [t.definition() for t in tools]
        await self.fit_context(system, definitions, messages)
        try:
            reply = await self._complete(system, messages, definitions, role)
        except ModelError as error:
            if error.kind != "context_window":
                raise
            await self.compact(system, definitions, messages, reason=str(error))
            reply = await self._complete(system, messages, definitions, role)
        messages.append({"role": "assistant", "content": reply.content})
        self.emit(self.phase, f"model: {reply.stop_reason}")
        return reply

    async def _complete(
        self,
        system: Sequence[str],
        messages: list[dict[str, Any]],
        definitions: list[dict[str, Any]],
        role: str | None,
        **extra: Any,
    ) -> ModelReply:
        self.budget.before_model_call()
        chars = context_window.prompt_chars(system, definitions, messages)
        reply = await self.client.complete(
            system=system,
            messages=messages,
            tools=definitions,
            role=role or self._role(),
            max_tokens=self.max_tokens,
            trace_fields={"phase": self.phase, "iteration": self.iteration},
            **extra,
        )
        usage = reply.usage
        self.window.observe(
            chars,
            usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens,
        )
        self.budget.charge(reply.cost_usd)
        return reply

    async def fit_context(
        self, system: Sequence[str], definitions: list[dict[str, Any]], messages: list[Any]
    ) -> None:
        """Clear old tool results at half the window; summarise at three quarters."""
        chars = context_window.prompt_chars(system, definitions, messages)
        if not self.window.should_clear(chars):
            return
        cleared = context_window.clear_old_tool_results(messages)
        after = context_window.prompt_chars(system, definitions, messages)
        self.trace.write(
            "context_cleared",
            phase=self.phase,
            cleared=cleared,
            tokens_before=self.window.tokens(chars),
            tokens_after=self.window.tokens(after),
        )
        if self.window.should_compact(after):
            await self.compact(system, definitions, messages, reason="three quarters full")

    async def compact(
        self,
        system: Sequence[str],
        definitions: list[dict[str, Any]],
        messages: list[dict[str, Any]],
        reason: str,
    ) -> None:
        """Replace the middle of the history by the model's own summary of its work, keeping
        the task, the plan, the current diff, the latest tests and the current tool cycle."""
        before = self.window.tokens(context_window.prompt_chars(system, definitions, messages))
        # every result before the current cycle goes; the cycle's own the model has not read
        context_window.clear_old_tool_results(
            messages[: context_window.current_cycle_start(messages)], keep=0
        )
        request = [dict(m) for m in messages]
        if request[-1]["role"] == "assistant":  # a cut-off turn: close it before asking
            request.append({"role": "user", "content": "(continue)"})
        add_user_text(request, context_window.SUMMARY_REQUEST)
        try:
            reply = await self._complete(
                system, request, definitions, "compactor", tool_choice={"type": "none"}
            )
            summary = reply.text
        except ModelError as error:
            if error.kind != "context_window":
                raise
            summary = "(the summary could not be written: the history was too long)"
        messages[:] = context_window.compacted(messages, summary, self.state_text())
        after = self.window.tokens(context_window.prompt_chars(system, definitions, messages))
        self.trace.write(
            "context_compacted",
            phase=self.phase,
            reason=reason,
            tokens_before=before,
            tokens_after=after,
            summary=summary,
        )

    def state_text(self) -> str:
        """What a compaction must keep: the plan, the current diff, the latest tests."""
        parts = []
        if self.plan:
            parts.append(f"Your plan:\n{self.plan}")
        try:
            diff = unified_diff(self.workspace.changes())
        except Exception:  # the state is a help; a broken diff must not end the task
            diff = ""
        if len(diff) > _STATE_DIFF_CHARS:
            diff = diff[:_STATE_DIFF_CHARS] + "\n[… diff cut; view the files for the rest]"
        parts.append(f"Your changes so far:\n```diff\n{diff or '(none yet)'}\n```")
        report = self.latest_tests
        if report is not None:
            failures = "\n".join(report.failures[:10])
            parts.append(f"Latest test run: {report.summary}\n{failures}".rstrip())
        return "\n\n".join(parts)

    async def execute_tool(self, block: dict[str, Any], tools: dict[str, Tool]) -> dict[str, Any]:
        name, raw_input = str(block.get("name")), block.get("input")
        tool_input: dict[str, Any] = raw_input if isinstance(raw_input, dict) else {}
        self.budget.tool_call()
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
            self.summary = str(tool_input.get("summary") or text or "").strip()
        return {
            "type": "tool_result",
            "tool_use_id": block.get("id"),
            "content": text or "(no output)",
            "is_error": is_error,
        }

    async def execute_calls(
        self, calls: list[dict[str, Any]], tools: dict[str, Tool], stop_tools: frozenset[str]
    ) -> list[dict[str, Any]]:
        """Run one reply's tool calls (concurrently when all of them only read) and watch
        for loops; a nudge goes after the results, a second loop stops the task."""
        if len(calls) > 1 and all(c.get("name") in READ_ONLY_TOOLS for c in calls):
            results = list(await asyncio.gather(*(self.execute_tool(c, tools) for c in calls)))
        else:
            results = [await self.execute_tool(c, tools) for c in calls]
        nudge = None
        for call, result in zip(calls, results, strict=True):
            raw = call.get("input")
            try:
                nudge = (
                    self.stuck.record(
                        str(call.get("name")),
                        raw if isinstance(raw, dict) else {},
                        str(result["content"]),
                        bool(result["is_error"]),
                    )
                    or nudge
                )
            except Stuck as stuck:
                raise TaskStopped(str(stuck)) from None
            if call.get("name") in stop_tools and not result["is_error"]:
                self.finished = True
        content: list[dict[str, Any]] = list(results)
        if nudge:
            self.trace.write("stuck_nudge", phase=self.phase, message=nudge)
            content.append({"type": "text", "text": nudge})
        return content

    async def agent_turns(
        self,
        system: Sequence[str],
        messages: list[dict[str, Any]],
        tools: Sequence[Tool],
        max_turns: int,
        *,
        stop_tools: frozenset[str] = frozenset({"finish"}),
        role: str | None = None,
    ) -> ModelReply:
        """Call the model and run its tools until it stops asking, calls one of
        ``stop_tools``, or ``max_turns`` is reached. Returns the last reply.

        A reply cut off at ``max_tokens`` is never executed: its calls are answered with an
        error saying so and the limit is raised; ``refusal`` stops the task; ``pause_turn``
        is continued as it stands."""
        by_name = {t.name: t for t in tools}
        self.finished = False
        reply = await self.model_call(system, messages, tools, role)
        for _ in range(max_turns - 1):
            kind = stop_reasons.stop_kind(reply.stop_reason, bool(reply.tool_uses))
            if kind == "done":
                break
            if kind == "refusal":
                raise TaskStopped(stop_reasons.refusal_message(reply.text))
            if kind in ("cut", "window"):
                self._after_cut_off(messages, reply, kind)
            elif kind == "tools":
                content = await self.execute_calls(reply.tool_uses, by_name, stop_tools)
                messages.append({"role": "user", "content": content})
                if self.finished:
                    break
            # "pause": the assistant turn goes back as it is and the model continues it
            reply = await self.model_call(system, messages, tools, role)
        else:
            if reply.tool_uses and messages[-1]["role"] == "assistant":
                # answer the dangling calls so the conversation stays valid
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

    def _after_cut_off(self, messages: list[dict[str, Any]], reply: ModelReply, kind: str) -> None:
        if kind == "cut":
            self.max_tokens = stop_reasons.raised_limit(self.max_tokens)
        self.trace.write(
            "reply_cut_off",
            phase=self.phase,
            stop_reason=reply.stop_reason,
            unexecuted=[c.get("name") for c in reply.tool_uses],
            max_tokens=self.max_tokens,
        )
        if reply.tool_uses:
            results = stop_reasons.cut_tool_results(reply.tool_uses, self.max_tokens)
            messages.append({"role": "user", "content": results})
        else:
            add_user_text(messages, stop_reasons.CUT_TEXT.format(limit=self.max_tokens))


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


def _system(run: TaskRun, index: CodeIndex | None) -> list[str]:
    spec = run.spec
    try:
        guidance = [(g.path, g.text) for g in find_instructions(run.workspace.root, spec.file)]
    except OSError:
        guidance = []
    if guidance:
        run.trace.write("project_instructions", phase="planning", files=[p for p, _ in guidance])
    autonomy = spec.autonomy or run.settings.autonomy
    return prompts.system_prompt(_repo_map(index, spec), guidance, autonomy)


async def _code_task(run: TaskRun, index: CodeIndex | None, outcome: _Outcome) -> None:
    spec, settings = run.spec, run.settings
    outcome.tests_before = await run.run_tests("baseline")
    bug_fix = reproduction.is_bug_fix(spec)
    system = _system(run, index)
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": prompts.task_message(spec, outcome.tests_before, bug_fix)}
    ]
    run.emit("planning", "planning")
    plan_reply = await run.agent_turns(system, messages, run.workspace.tools("plan"), _PLAN_TURNS)
    outcome.plan = run.plan = plan_reply.text
    run.trace.write("plan", phase="planning", text=outcome.plan)
    add_user_text(messages, prompts.code_message(bug_fix))
    code_tools = run.workspace.tools("code")
    max_iterations = settings.budget.max_iterations
    failure_history: list[str] = []
    told_only_old = False
    for iteration in range(1, max_iterations + 1):
        run.iteration = iteration
        run.emit("editing", f"editing (round {iteration}/{max_iterations})")
        await run.agent_turns(system, messages, code_tools, _TURNS_PER_ITERATION)
        last_round = iteration == max_iterations
        if bug_fix and outcome.extra.get("reproduced") != "yes":
            repro_feedback = await _check_reproduction(run, outcome)
            if repro_feedback and not last_round:
                add_user_text(messages, repro_feedback)
                continue
        report = await run.run_tests(f"round {iteration}")
        outcome.tests_after = report
        feedback = _test_feedback(run, outcome, report, iteration, told_only_old)
        if feedback is None:
            changes = run.workspace.changes()
            outcome.verdict = await _review(run, outcome, changes)
            rejected = bool(changes) and not outcome.verdict.get("approved")
            if not rejected or last_round:
                return
            run.phase = "editing"
            add_user_text(
                messages,
                # every note: the rule checks' findings as well as the reviewer's
                prompts.review_feedback(outcome.verdict["notes"], iteration, max_iterations),
            )
            continue
        assert report is not None
        told_only_old = told_only_old or feedback.startswith(prompts.PREEXISTING_ONLY[:40])
        failure_history = [*failure_history[-2:], "\n".join(report.failures) or report.summary]
        if len(failure_history) == 3 and len(set(failure_history)) == 1:
            raise TaskStopped(
                "stuck: the same tests failed the same way three rounds in a row "
                f"({report.summary})"
            )
        if not last_round:
            add_user_text(messages, feedback)
    assert outcome.tests_after is not None
    raise TaskStopped(
        f"iteration budget exhausted: tests still fail after {max_iterations} rounds "
        f"({outcome.tests_after.summary}; budget.max_iterations)"
    )


def _test_feedback(
    run: TaskRun, outcome: _Outcome, report: TestReport | None, iteration: int, told: bool
) -> str | None:
    """What to tell the coder about a test run; None when the round can go to review."""
    if report is None or report.passed:
        return None
    if no_signal_reason(report) is not None:
        if _signal_lost(outcome.tests_before, report):
            return prompts.test_feedback(report, iteration, run.settings.budget.max_iterations)
        return None  # it said nothing before the change either: the review is told
    max_iterations = run.settings.budget.max_iterations
    concerning = concerning_failures(
        outcome.tests_before, report, run.workspace.changes(), run.spec
    )
    if concerning:
        return prompts.task_tests_fail(concerning)
    if _no_new_failures(outcome.tests_before, report):
        if told:
            return None  # the model was told these failures pre-date it and kept its change
        return prompts.PREEXISTING_ONLY
    return prompts.test_feedback(report, iteration, max_iterations)


async def _check_reproduction(run: TaskRun, outcome: _Outcome) -> str | None:
    """Run the model's reproduction on the original code; a message when it passes there."""
    changes = run.workspace.changes()
    tests = reproduction.reproduction_files(changes)
    outcome.extra["reproduction"] = tests
    if not tests:
        outcome.extra["reproduced"] = "no"
        return None

    async def run_selection(selection: Sequence[str]) -> TestReport | None:
        return await run.run_tests("reproduction on the original code", selection)

    report = await reproduction.run_on_original(run.workspace.root, changes, tests, run_selection)
    failed = report is not None and not report.passed and no_signal_reason(report) is None
    outcome.extra["reproduced"] = "yes" if failed else "no"
    run.trace.write(
        "reproduction", phase="testing", tests=tests, reproduced=outcome.extra["reproduced"]
    )
    if report is not None and report.passed:
        return prompts.reproduction_passes(tests, report)
    return None


def _signal_lost(before: TestReport | None, after: TestReport | None) -> bool:
    """The tests ran before the change and no longer do (e.g. it broke their collection)."""
    return (
        before is not None
        and no_signal_reason(before) is None
        and no_signal_reason(after) is not None
    )


def _no_new_failures(before: TestReport | None, after: TestReport) -> bool:
    """Pre-existing failures are not the task's fault: green means no failure beyond them."""
    if before is None or before.passed or not after.failures:
        return False
    known = {test_id(line) for line in before.failures}
    return all(test_id(line) in known for line in after.failures)


async def _review(run: TaskRun, outcome: _Outcome, changes: list[FileChange]) -> dict[str, Any]:
    from delegate.agent.reviewer import reviewer_for

    run.emit("verifying", "reviewing the change")
    verdict = await verify(
        reviewer_for(run),
        run.spec.instruction,
        changes,
        outcome.tests_before,
        outcome.tests_after,
        no_signal=no_signal_reason(outcome.tests_after),
    )
    run.trace.write("verdict", phase="verifying", iteration=run.iteration, **verdict)
    return verdict


async def _finish(run: TaskRun, outcome: _Outcome, changes: list[FileChange]) -> None:
    if not outcome.verdict:
        outcome.verdict = await _review(run, outcome, changes)
    after = outcome.tests_after
    signal = no_signal_reason(after)
    concerning = (
        concerning_failures(outcome.tests_before, after, changes, run.spec)
        if after is not None and not after.passed and run.spec.kind != "tests"
        else []
    )
    lost = _signal_lost(outcome.tests_before, after)
    green = (signal is not None and not lost) or (
        after is not None
        and (after.passed or _no_new_failures(outcome.tests_before, after))
        and not concerning
    )
    reproduced = outcome.extra.get("reproduced")
    if reproduced:  # the verdict travels with the proposal: the reviewer of it sees this too
        outcome.verdict["reproduced"] = reproduced
        outcome.verdict["reproduction"] = list(outcome.extra.get("reproduction") or [])
    if not changes:
        outcome.state, outcome.message = "failed", "the agent finished without changing anything"
    elif not outcome.verdict.get("approved"):
        notes = "; ".join(outcome.verdict.get("review", {}).get("notes", [])[:3]) or "; ".join(
            outcome.verdict.get("notes", [])[:3]
        )
        outcome.state, outcome.message = "failed", f"the verifier rejected the change: {notes}"
    elif green:
        tests = f"no test signal ({signal})" if signal else (after.summary if after else "")
        done = run.summary if run.spec.kind == "tests" and run.summary else "done"
        if reproduced:
            tests += f"; reproduced: {reproduced}"
        outcome.state, outcome.message = "succeeded", f"{done}; tests: {tests}"
    elif lost:
        outcome.state, outcome.message = "failed", f"the tests no longer run: {signal}"
    elif concerning:
        outcome.state, outcome.message = (
            "failed",
            f"the tests of the task still fail ({len(concerning)}: "
            f"{', '.join(test_id(c) for c in concerning[:3])})",
        )
    else:
        assert after is not None
        outcome.state, outcome.message = "failed", f"tests fail: {after.summary}"


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
                if not settings.tests.keep_reproduction and outcome.extra.get("reproduction"):
                    dropped = set(outcome.extra["reproduction"])
                    changes = [c for c in changes if c.path not in dropped]
        except TimeoutError:
            outcome.message = (
                f"wall-clock limit reached after {settings.budget.max_wall_seconds:g} s "
                "(budget.max_wall_seconds)"
            )
        except TaskStopped as stop:
            outcome.message = str(stop)
        except ModelError as error:
            outcome.message = str(error)
            if error.kind == "context_window":
                # the history was compacted and is still too long: the task is too wide for
                # one window, a limit like the budgets (docs/protocol.md, errorKind)
                outcome.extra["errorKind"] = "budget"
                outcome.message = (
                    f"context window full even after compacting the history ({error}) "
                    "— give a narrower task"
                )
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
