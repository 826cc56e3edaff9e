"""initialize → initialized → shutdown → exit, and what the server does at each step.

``initialize`` only records the client's options (the answer must be fast); the real start
— settings, log file, folders, watchers, the first index — happens after ``initialized``.
``shutdown`` cancels running tasks and index updates and closes every index, so ``exit``
leaves no thread, lock or child process behind.
"""

from __future__ import annotations

import asyncio
import logging

from lsprotocol import types

from delegate.lsp.capabilities import client_ui
from delegate.lsp.configuration import apply_settings, fetch_client_settings, settings_section
from delegate.lsp.file_events import register_file_watchers
from delegate.lsp.language_server import DelegateServer
from delegate.lsp.workspace_folders import (
    attach_folder,
    initial_folders,
    open_folder,
    remove_folder,
)

log = logging.getLogger(__name__)

GENERIC_CLIENT = (
    "this editor does not announce a text prompt (capabilities.experimental.delegate): "
    "start a task from a comment such as `# delegate: add retries to fetch()` and its code "
    "action; outcomes come as messages, proposals as code lenses and diagnostics"
)

_MESSAGE_TYPES = (
    (logging.ERROR, types.MessageType.Error),
    (logging.WARNING, types.MessageType.Warning),
    (logging.INFO, types.MessageType.Info),
)


def message_type(level: int) -> types.MessageType:
    for threshold, kind in _MESSAGE_TYPES:
        if level >= threshold:
            return kind
    return types.MessageType.Log


async def start_session(ls: DelegateServer) -> None:
    session = ls.session
    await fetch_client_settings(ls)
    apply_settings(ls)
    for state in list(session.folders.values()):
        await open_folder(ls, state)
    if session.log_file is None and session.folders:
        first = next(iter(session.folders))
        session.log_file = first / ".delegate" / "logs" / "server.log"
    if session.log_file is not None:
        session.logging.log_to_file(session.log_file)
    session.initialized = True
    await register_file_watchers(ls)
    log.info(
        "Delegate ready: %d folder(s), API key %s",
        len(session.folders),
        "present" if session.api_key else "missing",
    )
    if not client_ui(ls.client_capabilities).prompt:
        log.info(GENERIC_CLIENT)


async def stop_session(ls: DelegateServer) -> None:
    session = ls.session
    for state in session.folders.values():
        state.indexer.cancel_update()
    await session.registry.shutdown()
    for path in list(session.folders):
        await remove_folder(ls, path)
    for task in list(session.background):
        task.cancel()


def register(server: DelegateServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: DelegateServer, params: types.InitializeParams) -> None:
        ls.session.init_options = settings_section(params.initialization_options or {})
        settings_level = ls.session.init_options.get("log_level") or ls.session.init_options.get(
            "logLevel"
        )
        if isinstance(settings_level, str):
            ls.session.logging.set_level(settings_level)
        # folders are known before `initialized`, so early commands find them
        for path in initial_folders(ls):
            attach_folder(ls, path)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: DelegateServer, params: types.InitializedParams) -> None:
        ls.session.logging.log_to_client(
            lambda level, text: ls.window_log_message(
                types.LogMessageParams(type=message_type(level), message=text)
            )
        )
        await start_session(ls)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: DelegateServer, params: None) -> None:
        log.info("shutting down")
        stopping = asyncio.ensure_future(stop_session(ls))
        try:
            await asyncio.shield(stopping)
        except asyncio.CancelledError:
            # the editor quit without waiting for the answer (Neovim does, on :qa): pygls
            # cancels this handler, the clean-up goes on; an expected end, one line
            log.info("the client left before shutdown finished; cleaning up anyway")
