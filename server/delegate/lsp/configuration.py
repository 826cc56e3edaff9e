"""Settings from the client and the folders, merged, validated, and explained when wrong.

Sources, weakest first: ``initializationOptions``, the ``delegate`` section of
``workspace/configuration`` (re-read on ``didChangeConfiguration``), ``[tool.delegate]`` in
the folder's ``pyproject.toml``, and ``.delegate/config.toml``. A bad value becomes a
``window/showMessage`` warning naming the setting and the value; its default is used.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types

from delegate.lsp.capabilities import supports_configuration
from delegate.lsp.converters import to_plain
from delegate.lsp.server import DelegateServer
from delegate.settings import (
    Settings,
    SettingsWarning,
    load_settings,
    merge_sources,
    read_folder_settings,
)

log = logging.getLogger(__name__)
SECTION = "delegate"


def settings_section(raw: Any) -> dict[str, Any]:
    """Accept both ``{"delegate": {...}}`` and the bare ``{...}`` shape from clients."""
    plain = to_plain(raw)
    if not isinstance(plain, Mapping):
        return {}
    inner = plain.get(SECTION)
    return dict(inner) if isinstance(inner, Mapping) else dict(plain)


def resolve_settings(
    init_options: Mapping[str, Any],
    client_settings: Mapping[str, Any],
    folder: Path | None,
) -> tuple[Settings, list[SettingsWarning]]:
    """The settings of one folder (or of no folder) and the values that had to be dropped."""
    folder_raw: dict[str, Any] = {}
    warnings: list[SettingsWarning] = []
    if folder is not None:
        folder_raw, warnings = read_folder_settings(folder)
    settings, more = load_settings(merge_sources([init_options, client_settings, folder_raw]))
    return settings, warnings + more


async def fetch_client_settings(ls: DelegateServer) -> dict[str, Any]:
    """The ``delegate`` section of ``workspace/configuration``; empty when unsupported."""
    if not supports_configuration(ls.client_capabilities):
        return {}
    try:
        result = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
        )
    except Exception as exc:
        log.warning("workspace/configuration failed: %s", exc)
        return {}
    return settings_section(result[0]) if result else {}


def apply_settings(ls: DelegateServer) -> list[SettingsWarning]:
    """Recompute every folder's settings, show new warnings, adjust logging and the task limit."""
    session = ls.session
    warnings: list[SettingsWarning] = []
    for state in session.folders.values():
        state.settings, folder_warnings = resolve_settings(
            session.init_options, session.client_settings, state.path
        )
        state.indexer.settings = state.settings.index
        warnings.extend(folder_warnings)
    if not session.folders:
        _, warnings = resolve_settings(session.init_options, session.client_settings, None)
    current = session.settings()
    session.logging.set_level(current.log_level)
    session.registry.set_limit(current.budget.max_concurrent_tasks)
    show_new_warnings(ls, warnings)
    return warnings


def show_new_warnings(ls: DelegateServer, warnings: list[SettingsWarning]) -> None:
    """Show each distinct warning once per change, not once per folder or per refresh."""
    messages = list(dict.fromkeys(w.message() for w in warnings))
    fresh = [m for m in messages if m not in ls.session.shown_warnings]
    ls.session.shown_warnings = set(messages)
    for message in fresh:
        log.warning("%s", message)
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=message)
        )


def register(server: DelegateServer) -> None:
    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(
        ls: DelegateServer, params: types.DidChangeConfigurationParams
    ) -> None:
        pushed = settings_section(params.settings) if params.settings else {}
        if supports_configuration(ls.client_capabilities):
            pushed = await fetch_client_settings(ls)
        ls.session.client_settings = pushed
        apply_settings(ls)
