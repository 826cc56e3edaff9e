"""Which thinking and effort settings a request carries, from ``api.thinking`` and the model.

Claude 4.6 and later think adaptively (``{"type": "adaptive"}``, with ``output_config.effort``
steering how much); earlier thinking models take a fixed ``budget_tokens`` that must stay
below ``max_tokens``. Adaptive thinking interleaves thinking between tool calls on its own.
The blocks the model returns (``thinking`` with its ``signature``, or ``redacted_thinking``)
must be sent back unchanged in the assistant turn they came in; the loop keeps every reply's
content as it came, so that holds without help from here.
"""

from __future__ import annotations

import re
from typing import Any

from delegate.settings import ApiSettings

# models that think with a fixed budget only: Claude 3.7 and the 4.x line before 4.6
_BUDGET_ONLY = re.compile(r"claude-(?:3-7-sonnet|(?:sonnet|opus)-4-(?:[015]\b|20)|haiku-4-5)")


def thinking_mode(settings: ApiSettings, model: str) -> str:
    """ "adaptive", "enabled" or "off" for ``model``."""
    if settings.thinking != "auto":
        return settings.thinking
    return "enabled" if _BUDGET_ONLY.search(model) else "adaptive"


# budgeted thinking thinks between tool calls only with this beta (adaptive does it anyway)
INTERLEAVED_BETA = "interleaved-thinking-2025-05-14"


def thinking_headers(params: dict[str, Any]) -> dict[str, str]:
    """Extra request headers for ``params`` from :func:`thinking_params`."""
    thinking = params.get("thinking") or {}
    return {"anthropic-beta": INTERLEAVED_BETA} if thinking.get("type") == "enabled" else {}


def thinking_params(settings: ApiSettings, model: str, max_tokens: int) -> dict[str, Any]:
    """The ``thinking`` (and ``output_config``) request fields; empty when thinking is off."""
    params: dict[str, Any] = {}
    mode = thinking_mode(settings, model)
    if mode == "adaptive":
        params["thinking"] = {"type": "adaptive"}
    elif mode == "enabled":
        budget = min(settings.thinking_budget_tokens, max_tokens - 1024)
        if budget >= 1024:  # the API's floor; with less room there is no thinking at all
            params["thinking"] = {"type": "enabled", "budget_tokens": budget}
    if settings.effort:
        params["output_config"] = {"effort": settings.effort}
    return params
