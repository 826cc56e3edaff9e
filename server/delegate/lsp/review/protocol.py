"""Proposals as the JSON the review protocol sends: ``delegate/proposal``, ``delegate/proposals``.

Pure functions from a proposal and the files' current texts to plain dictionaries, so the
shapes documented in docs/protocol.md ("Proposals") are tested without a server. Ranges are
LSP ranges in the negotiated position encoding, computed from the *current* text: a hunk
moves as the user edits around it, and a hunk that no longer fits has no range (null).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from typing import Any

from delegate.proposals.lines import line_start_position, split_lines, strip_terminator
from delegate.proposals.model import OPEN, FileProposal, Hunk, Proposal
from delegate.proposals.positions import PositionEncoding, units
from delegate.proposals.review import current_hunk_ranges


def json_value(value: Any) -> Any:
    """Agent reports (dataclasses such as ``TestReport``) as JSON-able data."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def encoding_of(value: object) -> PositionEncoding:
    """The proposals package's name for pygls' negotiated encoding (UTF-16 when unknown)."""
    text = str(getattr(value, "value", value) or "").lower()
    if text in ("utf-8", "utf-32"):
        return "utf-8" if text == "utf-8" else "utf-32"
    return "utf-16"


def position_json(lines: list[str], index: int, encoding: PositionEncoding) -> dict[str, int]:
    """The LSP position of the start of line ``index`` (``len(lines)``: the end of the text)."""
    index = max(0, min(index, len(lines)))
    line, col = line_start_position(lines, index)
    if col:
        col = units(strip_terminator(lines[line]), encoding)
    return {"line": line, "character": col}


def lines_range_json(
    text: str, start: int, end: int, encoding: PositionEncoding
) -> dict[str, dict[str, int]]:
    """An LSP range covering lines ``start:end`` of ``text`` (empty for an insertion)."""
    lines = split_lines(text)
    return {
        "start": position_json(lines, start, encoding),
        "end": position_json(lines, end, encoding),
    }


def summary_line(proposal: Proposal) -> str:
    """The first line of the agent's summary, or a name for the task when it gave none."""
    for line in proposal.summary.splitlines():
        if line.strip():
            return line.strip()
    return f"task {proposal.task_id}"


def is_open(hunk: Hunk) -> bool:
    return hunk.state in OPEN and not hunk.detached


def open_count(proposal: Proposal) -> int:
    return sum(1 for fp in proposal.files for h in fp.hunks if is_open(h))


def hunk_diff(fp: FileProposal, hunk: Hunk) -> str:
    """A unified diff of one hunk (line numbers of the base and of the proposed text)."""
    old = split_lines(hunk.old_text)
    new = split_lines(hunk.new_text)
    source = fp.old_path or fp.path
    header = [
        f"--- {'/dev/null' if fp.op == 'create' else 'a/' + source}\n",
        f"+++ {'/dev/null' if fp.op == 'delete' else 'b/' + fp.path}\n",
        f"@@ -{hunk.base_start + (1 if old else 0)},{len(old)} "
        f"+{hunk.proposed_start + (1 if new else 0)},{len(new)} @@\n",
    ]
    body = [f"-{_terminated(line)}" for line in old] + [f"+{_terminated(line)}" for line in new]
    return "".join(header + body)


def _terminated(line: str) -> str:
    return line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"


def hunk_json(
    fp: FileProposal,
    hunk: Hunk,
    place: tuple[int, int] | None,
    current: str | None,
    encoding: PositionEncoding,
) -> dict[str, Any]:
    rng = None
    if place is not None and is_open(hunk):
        rng = lines_range_json(current or "", place[0], place[1], encoding)
    return {
        "id": hunk.id,
        "kind": hunk.kind,
        "state": hunk.state,
        "detached": hunk.detached,
        "comment": hunk.comment,
        "baseStart": hunk.base_start,
        "baseEnd": hunk.base_end,
        "proposedStart": hunk.proposed_start,
        "oldText": hunk.old_text,
        "newText": hunk.new_text,
        "range": rng,
        "diff": hunk_diff(fp, hunk),
    }


def file_json(
    fp: FileProposal, current: str | None, uri: str, encoding: PositionEncoding
) -> dict[str, Any]:
    """One file of ``delegate/proposal``: texts and hunks with their current ranges."""
    places = current_hunk_ranges(fp, current)
    return {
        "path": fp.path,
        "uri": uri,
        "oldPath": fp.old_path,
        "op": fp.op,
        "base": fp.base,
        "current": current,
        "proposed": fp.proposed,
        "hunks": [hunk_json(fp, h, places.get(h.id), current, encoding) for h in fp.hunks],
    }


def proposal_json(
    proposal: Proposal,
    *,
    folder_uri: str,
    uris: Mapping[str, str],
    currents: Mapping[str, str | None],
    encoding: PositionEncoding,
    versions: list[int],
) -> dict[str, Any]:
    """The answer to ``delegate/proposal``. ``uris`` and ``currents`` are keyed by the
    path whose text a file's hunks are placed in (its ``source_path``)."""
    return {
        **proposal_summary_json(proposal, folder_uri),
        "versions": versions,
        "plan": json_value(proposal.plan),
        "testsBefore": json_value(proposal.tests_before),
        "testsAfter": json_value(proposal.tests_after),
        "verdict": json_value(proposal.verdict),
        "traceId": proposal.trace_id,
        "comment": proposal.comment,
        "positionEncoding": encoding,
        "files": [
            file_json(fp, currents.get(fp.source_path), uris.get(fp.source_path, ""), encoding)
            for fp in proposal.files
        ],
    }


def proposal_summary_json(proposal: Proposal, folder_uri: str) -> dict[str, Any]:
    """One entry of ``delegate/proposals``: enough to list it and to ask for the rest."""
    return {
        "taskId": proposal.task_id,
        "version": proposal.version,
        "folder": folder_uri,
        "createdAt": proposal.created_at,
        "summary": proposal.summary,
        "costUsd": proposal.cost_usd,
        "counts": dict(proposal.counts()),
        "openHunks": open_count(proposal),
        "paths": [fp.path for fp in proposal.files],
    }
