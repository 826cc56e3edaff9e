"""The type every handler receives: pygls' ``LanguageServer`` plus our :class:`Session`.

Feature modules import this module, never ``lsp/server.py``: that one imports every
feature module to register it, so a feature importing it back would close an import
circle (``tests/unit/test_layering.py`` checks there is none). The class holds state and
the seams features meet through — it knows no feature.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from delegate import __version__
from delegate.agent.task import EventSink, TaskResult, TaskSpec
from delegate.lsp.exit import DelegateProtocol
from delegate.lsp.logs import ServerLogging
from delegate.lsp.session import Session
from delegate.tasks import TaskRegistry
from delegate.tasks.registry import TaskRunner

CodeActionProvider = Callable[["DelegateServer", types.CodeActionParams], list[types.CodeAction]]

# the ``source`` of the diagnostics the server publishes (proposal hunks)
DIAGNOSTIC_SOURCE = "delegate"
NO_RUNNER = "no task runner is registered (delegate.lsp.task_runs was not loaded)"


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
        # set by ``task_runs.register``; the registry reaches the engine through it
        self.task_runner: TaskRunner | None = None
        registry = TaskRegistry(self._run_task)
        self.session = Session(registry=registry, logging=logging_ or ServerLogging())
        self.session.logging.set_secret(self.session.api_key)  # a key from the environment
        self.code_action_providers: list[CodeActionProvider] = []
        # the proposal review (``lsp/review``), set when it registers; ``review_of`` types it
        self.review: object | None = None

    async def _run_task(self, spec: TaskSpec, events: EventSink) -> TaskResult:
        if self.task_runner is None:
            raise RuntimeError(NO_RUNNER)
        return await self.task_runner(spec, events)
