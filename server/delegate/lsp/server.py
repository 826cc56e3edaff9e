"""The Delegate language server: builds a :class:`DelegateServer` and registers the features.

Each LSP feature lives in its own small module with a ``register(server)`` function; this
module only lists them in :data:`FEATURE_MODULES` and calls them in order. Feature modules
take the server type from ``lsp/language_server.py``, never from here (this module imports
them all, so importing it back would be an import circle).
"""

from __future__ import annotations

import importlib

from delegate.lsp.language_server import CodeActionProvider, DelegateServer
from delegate.lsp.logs import ServerLogging

__all__ = ["FEATURE_MODULES", "CodeActionProvider", "DelegateServer", "create_server"]

FEATURE_MODULES = (
    "delegate.lsp.lifecycle",
    "delegate.lsp.documents",
    "delegate.lsp.configuration",
    "delegate.lsp.workspace_folders",
    "delegate.lsp.file_events",
    "delegate.lsp.code_actions",
    "delegate.lsp.commands",
    "delegate.lsp.custom_protocol",
    "delegate.lsp.task_runs",
    "delegate.lsp.review",
    "delegate.lsp.ship",  # after review: its task-finished hook runs after review's
    "delegate.lsp.trust",  # wraps lifecycle's `initialized`: keep after it
)


def create_server(logging_: ServerLogging | None = None) -> DelegateServer:
    server = DelegateServer(logging_)
    for name in FEATURE_MODULES:
        importlib.import_module(name).register(server)
    return server
