"""Questions about what the connected client can do, answered from its capabilities.

Kept apart so handlers read as ``if supports_work_done_progress(caps)`` rather than a chain
of optional attributes, and so the answers are unit-testable against the pytest-lsp presets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lsprotocol import types


def supports_work_done_progress(caps: types.ClientCapabilities) -> bool:
    return bool(caps.window and caps.window.work_done_progress)


def supports_configuration(caps: types.ClientCapabilities) -> bool:
    return bool(caps.workspace and caps.workspace.configuration)


def supports_watched_files_registration(caps: types.ClientCapabilities) -> bool:
    watched = caps.workspace.did_change_watched_files if caps.workspace else None
    return bool(watched and watched.dynamic_registration)


def supports_show_document(caps: types.ClientCapabilities) -> bool:
    show = caps.window.show_document if caps.window else None
    return bool(show and show.support)


def supports_code_lens_refresh(caps: types.ClientCapabilities) -> bool:
    lens = caps.workspace.code_lens if caps.workspace else None
    return bool(lens and lens.refresh_support)


@dataclass(frozen=True)
class ClientUi:
    """What a client with its own Delegate UI announced under
    ``capabilities.experimental.delegate`` (docs/protocol.md, "Client capabilities").

    ``prompt``: it asks the user for a task's text itself; ``task_ui``: it shows task
    outcomes itself (no pop-ups from us); ``review``: it has its own review UI.
    """

    prompt: bool = False
    task_ui: bool = False
    review: bool = False


def client_ui(caps: types.ClientCapabilities) -> ClientUi:
    """The client's announced Delegate UI; a generic client announces none of it."""
    experimental = _mapping(caps.experimental)
    ours = _mapping(experimental.get("delegate"))
    if not ours:
        return ClientUi()
    return ClientUi(
        prompt=ours.get("prompt") is True,
        task_ui=ours.get("taskUi") is True,
        review=ours.get("review") is True,
    )


def _mapping(value: object) -> Mapping[str, Any]:
    """``value`` as a mapping (pygls may hand unknown JSON over as namedtuples); else {}."""
    as_dict = getattr(value, "_asdict", None)
    if callable(as_dict):
        value = as_dict()
    return value if isinstance(value, Mapping) else {}
