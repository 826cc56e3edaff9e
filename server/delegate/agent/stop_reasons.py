"""What the loop does with each ``stop_reason`` of a reply, other than running its tools.

A reply that hit ``max_tokens`` ends wherever the limit fell, often inside a tool call: the
SDK's partial-JSON parse then hands over an input that lacks its last field (an edit without
its ``new_str``). Running such a call would act on half an instruction, so it is answered
with an error instead and the next request gets a higher limit. ``refusal`` ends the task;
``pause_turn`` (a server tool paused a long turn) is continued by sending the conversation
back as it is; ``model_context_window_exceeded`` is a cut-off that also asks for compaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

Block = dict[str, Any]
StopKind = Literal["done", "tools", "cut", "refusal", "pause", "window"]
MAX_TOKENS_CEILING = 128_000

CUT_TOOL_CALL = (
    "Your reply was cut off at the output limit (max_tokens) while you were writing this tool "
    "call, so it was NOT run and nothing changed. The limit is now {limit} tokens. Do the work "
    "in smaller steps: several short str_replace or insert edits instead of one large one, or "
    "create a large file in parts (create a first part, then insert the rest)."
)
CUT_TEXT = (
    "Your reply was cut off at the output limit (max_tokens); the limit is now {limit} tokens. "
    "Continue from where you stopped, more briefly."
)


def stop_kind(stop_reason: str | None, has_tool_calls: bool) -> StopKind:
    """What a reply's ``stop_reason`` asks of the loop."""
    if stop_reason == "max_tokens":
        return "cut"
    if stop_reason == "model_context_window_exceeded":
        return "window"
    if stop_reason == "refusal":
        return "refusal"
    if stop_reason == "pause_turn":
        return "pause"
    return "tools" if has_tool_calls else "done"


def raised_limit(current: int) -> int:
    """The max_tokens for the request after a cut-off: twice as many, within the API's bound."""
    return min(max(current, 1024) * 2, MAX_TOKENS_CEILING)


def cut_tool_results(calls: Sequence[Block], limit: int) -> list[Block]:
    """Error results for the tool calls of a cut-off reply, none of which is run."""
    message = CUT_TOOL_CALL.format(limit=limit)
    return [
        {"type": "tool_result", "tool_use_id": call.get("id"), "content": message, "is_error": True}
        for call in calls
    ]


def refusal_message(text: str) -> str:
    said = f": {text.strip()[:300]}" if text.strip() else ""
    return f"the model declined to continue this task (stop_reason refusal){said}"
