"""Proposals as JSON documents, with a schema version so old files stay readable.

A task's file holds every version of its proposal (revisions append). Texts are stored as
JSON strings with ASCII escapes, so CRLF, a missing final newline and characters outside
the Basic Multilingual Plane come back exactly. Loading validates shape and raises
``ValueError`` on anything it does not understand; the store decides what to do then.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, cast, get_args

from delegate.proposals.model import FileOp, FileProposal, Hunk, HunkKind, HunkState, Proposal

SCHEMA_VERSION = 1


def proposal_to_dict(proposal: Proposal) -> dict[str, Any]:
    data = asdict(proposal)
    data["files"] = [asdict(fp) for fp in proposal.files]
    return data


def _expect(value: object, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ValueError(f"{what}: unexpected value {value!r}")
    return value


def _choice(value: object, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise ValueError(f"{what}: {value!r} is not one of {allowed}")
    return str(value)


def hunk_from_dict(data: dict[str, Any]) -> Hunk:
    return Hunk(
        id=_expect(data["id"], str, "hunk id"),
        kind=cast(HunkKind, _choice(data["kind"], get_args(HunkKind), "hunk kind")),
        base_start=_expect(data["base_start"], int, "base_start"),
        base_end=_expect(data["base_end"], int, "base_end"),
        old_text=_expect(data["old_text"], str, "old_text"),
        new_text=_expect(data["new_text"], str, "new_text"),
        proposed_start=_expect(data["proposed_start"], int, "proposed_start"),
        state=cast(HunkState, _choice(data["state"], get_args(HunkState), "hunk state")),
        comment=_expect(data.get("comment", ""), str, "comment"),
        detached=_expect(data.get("detached", False), bool, "detached"),
    )


def file_from_dict(data: dict[str, Any]) -> FileProposal:
    return FileProposal(
        path=_expect(data["path"], str, "path"),
        op=cast(FileOp, _choice(data["op"], get_args(FileOp), "op")),
        base=_expect(data["base"], (str, type(None)), "base"),
        proposed=_expect(data["proposed"], (str, type(None)), "proposed"),
        hunks=tuple(hunk_from_dict(h) for h in _expect(data["hunks"], list, "hunks")),
        old_path=_expect(data.get("old_path"), (str, type(None)), "old_path"),
    )


def proposal_from_dict(data: dict[str, Any]) -> Proposal:
    try:
        return Proposal(
            task_id=_expect(data["task_id"], str, "task_id"),
            version=_expect(data["version"], int, "version"),
            created_at=_expect(data["created_at"], str, "created_at"),
            files=tuple(file_from_dict(f) for f in _expect(data["files"], list, "files")),
            plan=data.get("plan"),
            summary=_expect(data.get("summary", ""), str, "summary"),
            tests_before=data.get("tests_before"),
            tests_after=data.get("tests_after"),
            verdict=data.get("verdict"),
            cost_usd=float(_expect(data.get("cost_usd", 0.0), (int, float), "cost_usd")),
            trace_id=_expect(data.get("trace_id"), (str, type(None)), "trace_id"),
            comment=_expect(data.get("comment", ""), str, "comment"),
            extra=_expect(data.get("extra", {}), dict, "extra"),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"malformed proposal: {exc!r}") from exc


def task_document(versions: list[Proposal]) -> dict[str, Any]:
    """The JSON document for one task: every version, oldest first."""
    return {
        "schema": SCHEMA_VERSION,
        "task_id": versions[0].task_id,
        "versions": [proposal_to_dict(p) for p in versions],
    }


def versions_from_document(data: object) -> list[Proposal]:
    """The versions in a task document, oldest first; ValueError if it is not one."""
    if not isinstance(data, dict):
        raise ValueError("a task document is a JSON object")
    schema = data.get("schema")
    if schema != SCHEMA_VERSION:
        raise ValueError(f"unknown proposal schema {schema!r}")
    raw = _expect(data.get("versions"), list, "versions")
    versions = sorted(
        (proposal_from_dict(_expect(v, dict, "version")) for v in raw), key=lambda p: p.version
    )
    if not versions or any(p.task_id != data.get("task_id") for p in versions):
        raise ValueError("a task document holds versions of exactly its own task")
    return versions
