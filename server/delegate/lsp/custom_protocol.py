"""Delegate's own LSP methods (docs/protocol.md): ``delegate/tasks``, ``delegate/search``,
and the ``delegate/setApiKey`` notification. ``delegate/taskChanged`` is sent from
``task_runs``; ``delegate/proposal`` belongs to the review module."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from delegate.index.model import SearchHit
from delegate.lsp.commands import folders_named
from delegate.lsp.converters import path_to_uri, task_record_json, to_plain
from delegate.lsp.index_worker import IndexUnavailable
from delegate.lsp.language_server import DelegateServer
from delegate.lsp.session import FolderState

log = logging.getLogger(__name__)

DEFAULT_LIMIT = 20
MAX_LIMIT = 200


def _params(raw: Any) -> Mapping[str, Any]:
    plain = to_plain(raw)
    return plain if isinstance(plain, Mapping) else {}


def search_filters(params: Mapping[str, Any]) -> tuple[str, int, dict[str, Any]]:
    """Validate ``delegate/search`` params into (query, limit, index filters)."""
    query = params.get("query")
    if not isinstance(query, str) or not query.strip():
        raise JsonRpcInvalidParams(message="`query` is required")
    limit = params.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        raise JsonRpcInvalidParams(message="`limit` must be a positive integer")
    filters: dict[str, Any] = {}
    for ours, theirs in (("path", "path_glob"), ("lang", "language"), ("kind", "kind")):
        value = params.get(ours)
        if value:
            filters[theirs] = str(value)
    return query, min(limit, MAX_LIMIT), filters


def hit_json(state: FolderState, hit: SearchHit) -> dict[str, Any]:
    return {
        "folder": state.uri,
        "uri": path_to_uri(state.path / hit.path),
        "path": hit.path,
        "range": {
            "start": {"line": hit.start_line - 1, "character": 0},
            "end": {"line": hit.end_line, "character": 0},
        },
        "symbol": hit.symbol,
        "kind": hit.kind,
        "language": hit.language,
        "score": hit.score,
        "text": hit.text,
    }


async def search(ls: DelegateServer, params: Mapping[str, Any]) -> dict[str, Any]:
    query, limit, filters = search_filters(params)
    chosen = folders_named(ls, params.get("folder"))

    async def one(state: FolderState) -> list[dict[str, Any]]:
        try:
            hits = await state.indexer.search(query, limit=limit, **filters)
        except IndexUnavailable as exc:
            log.info("search skipped %s: %s", state.path.name, exc)
            return []
        return [hit_json(state, h) for h in hits]

    per_folder = await asyncio.gather(*(one(s) for s in chosen))
    hits = sorted((h for hits in per_folder for h in hits), key=lambda h: -h["score"])
    return {"hits": hits[:limit]}


def register(server: DelegateServer) -> None:
    @server.feature("delegate/tasks")
    def delegate_tasks(ls: DelegateServer, params: Any) -> dict[str, Any]:
        folder = _params(params).get("folder")
        chosen = {s.path for s in folders_named(ls, folder)} if folder else None
        records = ls.session.registry.records()
        return {
            "tasks": [
                task_record_json(r)
                for r in records
                if chosen is None or any(str(p) == r.folder for p in chosen)
            ]
        }

    @server.feature("delegate/search")
    async def delegate_search(ls: DelegateServer, params: Any) -> dict[str, Any]:
        return await search(ls, _params(params))

    @server.feature("delegate/setApiKey")
    def set_api_key(ls: DelegateServer, params: Any) -> None:
        key = _params(params).get("key")
        if not isinstance(key, str) or not key.strip():
            ls.session.api_key = None
            ls.session.logging.set_secret(None)
            log.info("API key cleared")
            return
        ls.session.api_key = key.strip()
        ls.session.logging.set_secret(ls.session.api_key)
        log.info("API key set for this session")
