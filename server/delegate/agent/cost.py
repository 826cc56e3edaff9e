"""Token usage and its price, so every model call can be charged against the task's budget.

Prices come from ``settings.api.price_for(model)`` (US dollars per million tokens). Cached
prompt tokens are billed differently from fresh ones, so usage keeps the four counts apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from delegate.settings import ModelPrice

_PER_TOKEN = 1 / 1_000_000


@dataclass(frozen=True)
class Usage:
    """Token counts of one or more model calls."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_creation_input_tokens + other.cache_creation_input_tokens,
            self.cache_read_input_tokens + other.cache_read_input_tokens,
        )

    @classmethod
    def from_sdk(cls, usage: Any) -> Usage:
        """Read an SDK ``Usage`` (optional cache fields may be None)."""
        return cls(
            int(getattr(usage, "input_tokens", 0) or 0),
            int(getattr(usage, "output_tokens", 0) or 0),
            int(getattr(usage, "cache_creation_input_tokens", 0) or 0),
            int(getattr(usage, "cache_read_input_tokens", 0) or 0),
        )

    def to_json(self) -> dict[str, int]:
        return {
            "input": self.input_tokens,
            "output": self.output_tokens,
            "cache_write": self.cache_creation_input_tokens,
            "cache_read": self.cache_read_input_tokens,
        }


def cost_usd(usage: Usage, price: ModelPrice) -> float:
    """What ``usage`` costs at ``price``."""
    return _PER_TOKEN * (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_creation_input_tokens * price.cache_write
        + usage.cache_read_input_tokens * price.cache_read
    )
