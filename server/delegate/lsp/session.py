"""The language server's state: folders with their settings and indexes, tasks, the API key.

Mutated only on the event loop (handlers, and callbacks scheduled onto it); background work
gets plain values out of it. The ``on_task_finished`` hooks, the ``document_listeners`` and
the server's ``code_action_providers`` are the seams where proposal review plugs in without
touching the core handlers.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from delegate.agent.task import TaskResult
from delegate.lsp.index_worker import FolderIndexer
from delegate.lsp.logs import ServerLogging
from delegate.lsp.outline_cache import OutlineCache
from delegate.settings import Settings
from delegate.tasks import TaskRecord, TaskRegistry

if TYPE_CHECKING:
    from delegate.lsp.progress import ProgressHandle


@dataclass
class FolderState:
    """One workspace folder."""

    path: Path
    uri: str
    settings: Settings
    indexer: FolderIndexer
    # set by the first ``open_folder``: a folder added while ``initialized`` is still
    # opening the others must not be opened (and indexed) twice
    opened: bool = False


TaskFinishedHook = Callable[[TaskRecord, TaskResult | None], None]
DocumentCallback = Callable[[str], None]  # receives the document's uri


@dataclass(frozen=True)
class DocumentListener:
    """What a feature wants to hear about open documents; every callback is optional.

    pygls allows one handler per LSP method, so ``documents`` owns the text-sync
    notifications and calls each listener after pygls has updated its copy of the text.
    """

    on_open: DocumentCallback | None = None
    on_change: DocumentCallback | None = None
    on_close: DocumentCallback | None = None
    on_save: DocumentCallback | None = None


@dataclass
class Session:
    registry: TaskRegistry
    logging: ServerLogging
    init_options: dict[str, Any] = field(default_factory=dict)
    client_settings: dict[str, Any] = field(default_factory=dict)
    folder_client_settings: dict[Path, dict[str, Any]] = field(default_factory=dict)
    folders: dict[Path, FolderState] = field(default_factory=dict)
    api_key: str | None = field(default_factory=lambda: os.environ.get("ANTHROPIC_API_KEY"))
    log_file: Path | None = None  # from --log-file; else .delegate/logs/ of the first folder
    shown_warnings: set[str] = field(default_factory=set)
    task_progress: dict[str, ProgressHandle] = field(default_factory=dict)
    task_results: dict[str, TaskResult] = field(default_factory=dict)
    on_task_finished: list[TaskFinishedHook] = field(default_factory=list)
    # a task's own autonomy (``autonomy`` in delegate.task's argument), until it finishes
    task_autonomy: dict[str, str] = field(default_factory=dict)
    document_listeners: list[DocumentListener] = field(default_factory=list)
    # the text of the file holding a task's ``delegate:`` comment, as the task saw it when it
    # started (not when it was queued): the proposal removes the comment from it even if
    # the agent left the file alone
    trigger_snapshots: dict[str, str] = field(default_factory=dict)
    # ``{task id: text of its file at submit}`` for queued tasks with focus lines or a
    # ``delegate:`` comment; an entry lives until its task starts or ends (``task_runs``)
    submitted_texts: dict[str, str] = field(default_factory=dict)
    # fields an ``on_task_finished`` hook adds to the task's final ``delegate/taskChanged``
    # (review: the ``proposal`` it saved); ``task_runs`` sends it once every hook ran
    final_fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    # answers whether a finished task still has work the user is deciding on (review: a
    # pending proposal), so its ``delegate:`` comment does not offer a second task
    trigger_busy: list[Callable[[str], bool]] = field(default_factory=list)
    pending_changes: dict[Path, set[str]] = field(default_factory=dict)  # folder -> rel paths
    outlines: OutlineCache = field(default_factory=OutlineCache)
    background: set[asyncio.Task[Any]] = field(default_factory=set)
    initialized: bool = False

    def settings(self) -> Settings:
        """Settings that are not per folder (log level, task limit): the first folder's."""
        for state in self.folders.values():
            return state.settings
        return Settings()

    def folder_for(self, path: Path) -> FolderState | None:
        from delegate.lsp.converters import folder_containing

        found = folder_containing(path, self.folders)
        return self.folders.get(found) if found else None
