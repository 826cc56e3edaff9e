"""``workspace/executeCommand`` commands. Commands that start work return ``{"taskId"}`` at once.

delegate.task, delegate.generateTests, delegate.cancel, delegate.tasks, delegate.reindex,
delegate.status. Review commands (accept/reject hunks) are registered by the review module.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from delegate.lsp.converters import task_record_json, uri_to_path
from delegate.lsp.indexing import in_background, index_folder
from delegate.lsp.language_server import DelegateServer
from delegate.lsp.session import FolderState
from delegate.lsp.task_runs import start_task


def _first_mapping(args: tuple[Any, ...]) -> Mapping[str, Any]:
    return args[0] if args and isinstance(args[0], Mapping) else {}


def folders_named(ls: DelegateServer, folder: Any) -> list[FolderState]:
    """All folders, or the one whose URI (or path) is ``folder``."""
    if not folder:
        return list(ls.session.folders.values())
    path = uri_to_path(folder) if str(folder).startswith("file:") else Path(folder).resolve()
    state = ls.session.folders.get(path) if path else None
    if state is None:
        raise JsonRpcInvalidParams(message=f"unknown workspace folder: {folder}")
    return [state]


def folder_status(state: FolderState) -> dict[str, Any]:
    indexer = state.indexer
    stats = indexer.last_stats
    return {
        "folder": state.uri,
        "indexed": stats is not None,
        "updating": indexer.updating,
        "readOnly": indexer.read_only,
        "error": indexer.error,
        "files": stats.files_total if stats else None,
        "chunks": stats.chunks_total if stats else None,
        "lastIndexSeconds": round(stats.seconds, 3) if stats else None,
        "indexLocation": indexer.index.uri if indexer.index is not None else None,
    }


def status(ls: DelegateServer) -> dict[str, Any]:
    """Index stats per folder, active tasks, whether an API key is present (never the key)."""
    return {
        "folders": [folder_status(s) for s in ls.session.folders.values()],
        "tasks": [task_record_json(r) for r in ls.session.registry.active()],
        "maxConcurrentTasks": ls.session.registry.limit,
        "apiKeyPresent": bool(ls.session.api_key),
    }


def register(server: DelegateServer) -> None:
    @server.command("delegate.task")
    def delegate_task(ls: DelegateServer, *args: Any) -> dict[str, str]:
        return start_task(ls, "task", args)

    @server.command("delegate.generateTests")
    def delegate_generate_tests(ls: DelegateServer, *args: Any) -> dict[str, str]:
        return start_task(ls, "tests", args)

    @server.command("delegate.cancel")
    def delegate_cancel(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        arg = _first_mapping(args)
        task_id = arg.get("taskId") or (args[0] if args and isinstance(args[0], str) else None)
        if not task_id:
            raise JsonRpcInvalidParams(message="`taskId` is required")
        return {"taskId": task_id, "cancelled": ls.session.registry.cancel(str(task_id))}

    @server.command("delegate.tasks")
    def delegate_tasks(ls: DelegateServer, *args: Any) -> list[dict[str, Any]]:
        return [task_record_json(r) for r in ls.session.registry.records()]

    @server.command("delegate.reindex")
    def delegate_reindex(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        chosen = folders_named(ls, _first_mapping(args).get("folder"))
        for state in chosen:
            state.indexer.cancel_update()  # the rebuild queues behind the cancelled update
            in_background(ls, index_folder(ls, state, rebuild=True))
        return {"folders": [s.uri for s in chosen]}

    @server.command("delegate.status")
    def delegate_status(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        return status(ls)
