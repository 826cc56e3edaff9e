"""Questions about what the connected client can do, answered from its capabilities.

Kept apart so handlers read as ``if supports_work_done_progress(caps)`` rather than a chain
of optional attributes, and so the answers are unit-testable against the pytest-lsp presets.
"""

from __future__ import annotations

from lsprotocol import types


def supports_work_done_progress(caps: types.ClientCapabilities) -> bool:
    return bool(caps.window and caps.window.work_done_progress)


def supports_configuration(caps: types.ClientCapabilities) -> bool:
    return bool(caps.workspace and caps.workspace.configuration)


def supports_watched_files_registration(caps: types.ClientCapabilities) -> bool:
    watched = caps.workspace.did_change_watched_files if caps.workspace else None
    return bool(watched and watched.dynamic_registration)
