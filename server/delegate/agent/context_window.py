"""Keep a task's conversation inside the model's context window.

History grows by every tool result; on a real project forty file reads fill a 200k window.
Before each request the loop estimates the prompt's size — the previous reply's ``usage``
says how many tokens the prompt had then, which calibrates a characters-per-token ratio for
what was added since (no extra ``count_tokens`` round trip per turn). Two steps keep it in:

1. at half the window, old tool results are replaced by a one-line placeholder (the newest
   few stay); the structure of the conversation, and every thinking block, is untouched;
2. at three quarters, the middle of the history is replaced by a summary the model writes of
   its own work, and the new first message restates the task, the current diff and the
   latest test results. The current tool-use cycle (the last assistant turn and its results)
   is kept verbatim, so thinking signatures stay valid.

A request the API still refuses as too long is compacted the same way and retried once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Message = dict[str, Any]
CLEARED = "[old tool result cleared to save context; call the tool again if you need it]"
KEEP_RECENT_RESULTS = 4
CLEAR_AT = 0.5
COMPACT_AT = 0.75

SUMMARY_REQUEST = """\
The conversation is about to be shortened to fit the context window. Write a summary of your \
work so far that lets you continue without the history: what you learned about the code \
(files, functions, line numbers that matter), what you changed and why, what the tests said, \
what is left to do, and any dead ends to avoid. Be specific and complete; do not call tools."""


@dataclass
class ContextWindow:
    """Size estimates for one conversation against ``limit`` tokens."""

    limit: int
    chars_per_token: float = 3.0  # cautious until the first reply calibrates it

    def observe(self, prompt_chars: int, prompt_tokens: int) -> None:
        """Calibrate from a request of ``prompt_chars`` that the API counted as ``prompt_tokens``."""
        if prompt_tokens > 0 and prompt_chars > 0:
            self.chars_per_token = max(1.0, prompt_chars / prompt_tokens)

    def tokens(self, prompt_chars: int) -> int:
        return int(prompt_chars / self.chars_per_token)

    def should_clear(self, prompt_chars: int) -> bool:
        return self.tokens(prompt_chars) > self.limit * CLEAR_AT

    def should_compact(self, prompt_chars: int) -> bool:
        return self.tokens(prompt_chars) > self.limit * COMPACT_AT


def prompt_chars(system: Sequence[str], tools: Sequence[Any], messages: Sequence[Message]) -> int:
    """The size of a request's prompt in characters of JSON, the unit the estimates use."""
    return len(json.dumps([list(system), list(tools), list(messages)], default=str))


def clear_old_tool_results(messages: list[Message], keep: int = KEEP_RECENT_RESULTS) -> int:
    """Replace the content of all but the newest ``keep`` tool results; returns how many."""
    results = [
        block
        for message in messages
        if message.get("role") == "user" and isinstance(message.get("content"), list)
        for block in message["content"]
        if isinstance(block, dict) and block.get("type") == "tool_result"
    ]
    cleared = 0
    for block in results[: max(0, len(results) - keep)]:
        if block.get("content") != CLEARED:
            block["content"] = CLEARED
            cleared += 1
    return cleared


def current_cycle_start(messages: Sequence[Message]) -> int:
    """Index of the messages kept verbatim by a compaction: the last assistant turn and the
    user turn answering it, or just the last user turn."""
    if len(messages) >= 2 and messages[-2].get("role") == "assistant":
        return len(messages) - 2
    return len(messages) - 1


def compacted(messages: Sequence[Message], summary: str, state: str) -> list[Message]:
    """The history with everything between the first message and the current cycle replaced
    by ``summary`` and ``state`` (the task's diff and latest tests), in one user message."""
    start = max(1, current_cycle_start(messages))
    first = _text_of(messages[0]) if messages else ""
    opening = (
        f"{first}\n\n--- The history so far was summarised to fit the context window. ---\n"
        f"Your summary of your work:\n{summary.strip() or '(no summary)'}\n\n{state}"
    )
    tail = [dict(m) for m in messages[start:]]
    head: Message = {"role": "user", "content": [{"type": "text", "text": opening}]}
    if tail and tail[0].get("role") == "user":  # keep the turns alternating
        extra = tail.pop(0)["content"]
        blocks = [{"type": "text", "text": extra}] if isinstance(extra, str) else list(extra)
        head["content"] = [*head["content"], *blocks_without_results(blocks)]
    return [head, *tail]


def blocks_without_results(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tool results cannot open a conversation: their calls were summarised away."""
    return [
        {"type": "text", "text": f"(result of an earlier tool call) {b.get('content')}"}
        if b.get("type") == "tool_result"
        else b
        for b in blocks
    ]


def _text_of(message: Message) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "\n".join(
        str(b.get("text", ""))
        for b in content or []
        if isinstance(b, dict) and b.get("type") == "text"
    )
