"""Why a task failed, as one of a few kinds a client can act on, and a message that names
the cause and the fix.

The final ``delegate/taskChanged`` of a failed task carries ``errorKind`` (docs/protocol.md)
so an editor can offer the right next step — ask for a key, retry later, raise a budget —
without parsing English. The engine says why it stopped in one sentence; this module sorts
that sentence into a kind (or takes ``errorKind`` from the result's ``extra`` when the
engine names it itself) and appends the fix when the sentence does not already say it.
"""

from __future__ import annotations

from typing import Literal, get_args

from delegate.agent.task import TaskResult

ErrorKind = Literal["no_api_key", "model_unreachable", "budget", "interrupted", "tests", "internal"]
ERROR_KINDS: frozenset[str] = frozenset(get_args(ErrorKind))

INTERRUPTED_MESSAGE = "Interrupted: the server stopped before the task finished."

# the start or a part of the engine's sentence for each kind, checked in this order
_SIGNS: tuple[tuple[ErrorKind, tuple[str, ...]], ...] = (
    ("no_api_key", ("no api key", "no anthropic api key", "rejected the api key")),
    ("interrupted", ("interrupted",)),
    ("budget", ("budget reached", "wall-clock limit", "stuck:", "context window full")),
    (
        "model_unreachable",
        ("anthropic api unavailable", "anthropic api timed out", "anthropic api error"),
    ),
)

FIXES: dict[ErrorKind, str] = {
    "no_api_key": "set ANTHROPIC_API_KEY or send delegate/setApiKey",
    "model_unreachable": "check the network and api.base_url, then run the task again",
    "budget": "raise the limit in the [budget] settings or give a narrower task",
    "interrupted": "run the task again",
    "tests": "look at the test output in the task's trace, or revise the task",
    "internal": "see .delegate/logs/server.log and report the problem",
}


def error_kind(message: str, result: TaskResult | None = None) -> ErrorKind:
    """The kind of failure ``message`` (the task's last sentence) describes."""
    named = result.extra.get("errorKind") if result is not None else None
    if isinstance(named, str) and named in ERROR_KINDS:
        return named  # type: ignore[return-value]  # checked against ERROR_KINDS
    lowered = message.lower()
    for kind, signs in _SIGNS:
        if any(sign in lowered for sign in signs):
            return kind
    if result is not None and result.tests_after is not None and not result.tests_after.passed:
        return "tests"
    if result is not None and "test" in lowered:
        return "tests"
    return "internal"


def failure_message(kind: ErrorKind, message: str) -> str:
    """``message`` with the fix for ``kind`` appended, unless it already names one."""
    text = message.strip().rstrip(".") or "The task failed"
    fix = FIXES[kind]
    if fix.lower() in text.lower():
        return text + "."
    return f"{text} — {fix}."
