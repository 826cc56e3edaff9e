"""The Delegate language server: a pygls ``LanguageServer`` holding a :class:`Session`.

Each LSP feature lives in its own small module with a ``register(server)`` function; this
module only builds the server and calls them in order. Proposal review adds its own module
to :data:`FEATURE_MODULES` (and code actions through ``server.code_action_providers``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from delegate import __version__
from delegate.lsp.exit import DelegateProtocol
from delegate.lsp.logs import ServerLogging
from delegate.lsp.session import Session
from delegate.tasks import TaskRegistry

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

CodeActionProvider = Callable[["DelegateServer", types.CodeActionParams], list[types.CodeAction]]


class DelegateServer(LanguageServer):
    """pygls server plus our session; handlers receive it as their first argument."""

    def __init__(self, logging_: ServerLogging | None = None, **kwargs: Any) -> None:
        super().__init__(
            "delegate",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=DelegateProtocol,
            **kwargs,
        )
        from delegate.lsp.task_runs import run_task_with_engine

        registry = TaskRegistry(lambda spec, events: run_task_with_engine(self, spec, events))
        self.session = Session(registry=registry, logging=logging_ or ServerLogging())
        self.session.logging.set_secret(self.session.api_key)  # a key from the environment
        self.code_action_providers: list[CodeActionProvider] = []


def create_server(logging_: ServerLogging | None = None) -> DelegateServer:
    server = DelegateServer(logging_)
    for name in FEATURE_MODULES:
        importlib.import_module(name).register(server)
    return server
