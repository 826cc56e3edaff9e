"""Workspace trust: settings in a folder's own files that run commands or send the key.

A repository's ``pyproject.toml`` and ``.delegate/config.toml`` are the repository's
words, not the user's. Most of what they set is harmless (budgets, index globs), but a few
settings run commands or decide where the API key goes (:data:`GATED_SETTINGS`): from a
folder's files those apply only once the user has trusted the folder *with those values*.
The answer is remembered outside the folder (:mod:`.store`), keyed by the folder and a
digest of the gated values, so a later commit that changes ``tests.command`` asks again.
Settings from the editor (initializationOptions, workspace/configuration) are the user's
own and are never gated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from delegate.trust.store import TrustStore, trusted_by_environment

# dotted names; each runs something, sends the key somewhere, or loosens a protection
GATED_SETTINGS: tuple[str, ...] = (
    "tests.command",
    "tests.env",
    "tests.lint_command",  # runs on every file the agent edits
    "api.base_url",
    "sandbox.require_isolation",
    "sandbox.dir",
    "autonomy",
    "index.uri",
    "ship.remote",  # where a shipped branch is pushed, with the user's git credentials
)


def gated_values(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The gated settings present in ``raw`` (snake_case keys), dotted name → value."""
    found: dict[str, Any] = {}
    for dotted in GATED_SETTINGS:
        node: Any = raw
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is not None:
            found[dotted] = node
    return found


def without_gated(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``raw`` with every gated setting removed."""
    copy: dict[str, Any] = json.loads(json.dumps(raw, default=str))
    for dotted in GATED_SETTINGS:
        *parents, leaf = dotted.split(".")
        node: Any = copy
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    return copy


def values_digest(gated: Mapping[str, Any]) -> str:
    """A stable digest of the gated values the user is asked to trust."""
    text = json.dumps(gated, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def describe(gated: Mapping[str, Any]) -> str:
    """``name = value`` for each gated setting, for the question put to the user."""
    return "; ".join(f"{name} = {json.dumps(value, default=str)}" for name, value in gated.items())


__all__ = [
    "GATED_SETTINGS",
    "TrustStore",
    "describe",
    "gated_values",
    "trusted_by_environment",
    "values_digest",
    "without_gated",
]
