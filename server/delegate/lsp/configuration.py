"""Settings from the client and the folders, merged, validated, and explained when wrong.

Sources, weakest first: ``initializationOptions``, the ``delegate`` section of
``workspace/configuration`` — the global one, then the folder's own (asked with the
folder's ``scopeUri``, so folder-specific editor settings apply; both re-read on
``didChangeConfiguration``) — ``[tool.delegate]`` in the folder's ``pyproject.toml``, and
``.delegate/config.toml``. A bad value becomes a
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
from delegate.lsp.indexing import in_background, reopen_index
from delegate.lsp.language_server import DelegateServer
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
    folder_client_settings: Mapping[str, Any] | None = None,
) -> tuple[Settings, list[SettingsWarning]]:
    """The settings of one folder (or of no folder) and the values that had to be dropped.

    ``folder_client_settings`` is the editor's section for this folder (scopeUri); it
    overrides the editor's global section and is overridden by the folder's own files.
    """
    folder_raw: dict[str, Any] = {}
    warnings: list[SettingsWarning] = []
    if folder is not None:
        folder_raw, warnings = read_folder_settings(folder)
    sources = [init_options, client_settings, folder_client_settings or {}, folder_raw]
    settings, more = load_settings(merge_sources(sources))
    return settings, warnings + more


async def fetch_client_settings(ls: DelegateServer) -> None:
    """Read the ``delegate`` section of ``workspace/configuration`` into the session: the
    global one and one per folder (by ``scopeUri``), in one request. Nothing when the
    client does not support it, or the request fails (the last values are kept)."""
    if not supports_configuration(ls.client_capabilities):
        return
    folders = list(ls.session.folders.values())
    items = [types.ConfigurationItem(section=SECTION)]
    items += [types.ConfigurationItem(scope_uri=f.uri, section=SECTION) for f in folders]
    try:
        result = await ls.workspace_configuration_async(types.ConfigurationParams(items=items))
    except Exception as exc:
        log.warning("workspace/configuration failed: %s", exc)
        return
    sections = [settings_section(value) for value in result or []]
    ls.session.client_settings = sections[0] if sections else {}
    ls.session.folder_client_settings = {
        state.path: section for state, section in zip(folders, sections[1:], strict=False)
    }


def apply_settings(ls: DelegateServer) -> list[SettingsWarning]:
    """Recompute every folder's settings, show new warnings, adjust logging and the task limit."""
    session = ls.session
    warnings: list[SettingsWarning] = []
    for state in session.folders.values():
        state.settings, folder_warnings = resolve_settings(
            session.init_options,
            session.client_settings,
            state.path,
            session.folder_client_settings.get(state.path),
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
        if supports_configuration(ls.client_capabilities):
            await fetch_client_settings(ls)
        else:
            pushed = settings_section(params.settings) if params.settings else {}
            ls.session.client_settings = pushed
        apply_settings(ls)
        for state in list(ls.session.folders.values()):
            if state.opened and state.indexer.needs_reopen:
                in_background(ls, reopen_index(ls, state))
