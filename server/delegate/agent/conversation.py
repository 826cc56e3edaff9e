"""Helpers for the message list the loop and test generation send to the model.

Apart from ``engine.py`` so that ``testgen.py``, which the engine calls, can use them
without importing the engine back (``tests/unit/test_layering.py`` refuses import circles).
"""

from __future__ import annotations

from typing import Any


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
