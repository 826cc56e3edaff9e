"""Conversions between LSP's shapes and our plain data: URIs, paths, ranges, loose params.

pygls hands the params of custom methods (``delegate/search``…) over as nested namedtuples;
:func:`to_plain` turns them back into dictionaries so the rest of the code sees plain JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from delegate.tasks.records import TaskRecord
from delegate.triggers import TriggerComment


def uri_to_path(uri: str) -> Path | None:
    """The local path of a ``file:`` URI; None for other schemes."""
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path).resolve() if path else None


def path_to_uri(path: Path) -> str:
    return str(from_fs_path(str(path)))


def to_plain(value: Any) -> Any:
    """Recursively turn namedtuples (pygls' view of unknown params) into dicts and lists."""
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: to_plain(v) for k, v in value._asdict().items()}
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


def folder_containing(path: Path, folders: Iterable[Path]) -> Path | None:
    """The innermost workspace folder that holds ``path`` (folders may nest)."""
    best: Path | None = None
    for folder in folders:
        inside = path == folder or folder in path.parents
        if inside and (best is None or len(folder.parts) > len(best.parts)):
            best = folder
    return best


def relative_posix(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def range_to_json(rng: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def range_from_json(data: Mapping[str, Any]) -> types.Range:
    start, end = data["start"], data["end"]
    return types.Range(
        start=types.Position(line=int(start["line"]), character=int(start["character"])),
        end=types.Position(line=int(end["line"]), character=int(end["character"])),
    )


def trigger_range(trigger: TriggerComment) -> types.Range:
    return types.Range(
        start=types.Position(line=trigger.start_line, character=trigger.start_character),
        end=types.Position(line=trigger.end_line, character=trigger.end_character),
    )


def trigger_from_json(data: Mapping[str, Any] | None, text: str) -> TriggerComment | None:
    """The recorded ``delegate:`` comment of a task (its range as sent, its instruction)."""
    if not data:
        return None
    try:
        rng = range_from_json(data)
    except (KeyError, TypeError, ValueError):
        return None
    return TriggerComment(
        text, rng.start.line, rng.start.character, rng.end.line, rng.end.character
    )


def task_changed_params(record: TaskRecord) -> dict[str, Any]:
    """The body of ``delegate/taskChanged`` (docs/protocol.md); a failed task's says why
    in ``errorKind``."""
    body: dict[str, Any] = {
        "taskId": record.task_id,
        "state": record.state,
        "phase": record.phase,
        "iteration": record.iteration,
        "costUsd": round(record.cost_usd, 6),
        "message": record.message,
    }
    if record.state == "failed":
        body["errorKind"] = record.error_kind or "internal"
    return body


def task_record_json(record: TaskRecord) -> dict[str, Any]:
    """One entry of ``delegate/tasks`` and ``delegate.tasks``."""
    return {
        **task_changed_params(record),
        "kind": record.kind,
        "instruction": record.instruction,
        "folder": path_to_uri(Path(record.folder)),
        "file": record.file,
        "startLine": record.start_line,
        "endLine": record.end_line,
        "symbol": record.symbol,
        "testsDone": record.tests_done,
        "testsTotal": record.tests_total,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
    }
