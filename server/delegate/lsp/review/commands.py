"""Review commands: accept or reject a hunk, a file or a whole proposal, show a hunk's diff
or a created, deleted or renamed file's content (``previews``), and ask the agent to revise.

Arguments are one object: ``{taskId, uri | path, hunkId}`` for a hunk, ``{taskId, uri |
path}`` for a file, ``{taskId, preview?}`` for everything, ``{taskId, comment?}`` to revise.
``path`` is relative to the task's workspace folder; ``uri`` is the document's. Unknown
tasks, files and hunks are a clear ``InvalidParams`` error, never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcInvalidRequest

from delegate.agent.task import TaskSpec
from delegate.lsp.converters import relative_posix, uri_to_path
from delegate.lsp.language_server import DelegateServer
from delegate.lsp.review.decisions import Located, Review
from delegate.lsp.review.lenses import (
    ACCEPT_ALL,
    ACCEPT_FILE,
    ACCEPT_HUNK,
    DIFF_FILE,
    DIFF_HUNK,
    REJECT_ALL,
    REJECT_FILE,
    REJECT_HUNK,
)
from delegate.lsp.review.previews import show_file
from delegate.lsp.review.protocol import hunk_diff, summary_line
from delegate.lsp.task_runs import submit_task
from delegate.proposals import comment_proposal, revise_request

REVISE = "delegate.revise"


def argument(args: tuple[Any, ...]) -> Mapping[str, Any]:
    if len(args) != 1 or not isinstance(args[0], Mapping):
        raise JsonRpcInvalidParams(message="expected one argument object with `taskId`")
    return args[0]


def file_path(where: Located, arg: Mapping[str, Any]) -> str:
    """The proposal's path for ``arg``'s ``path`` or ``uri`` (a rename matches either name)."""
    rel = arg.get("path")
    uri = arg.get("uri")
    if not rel and isinstance(uri, str):
        path = uri_to_path(uri)
        if path is None or not (path == where.state.path or where.state.path in path.parents):
            raise JsonRpcInvalidParams(message=f"{uri} is not in the task's workspace folder")
        rel = relative_posix(path, where.state.path)
    if not isinstance(rel, str) or not rel:
        raise JsonRpcInvalidParams(message="`uri` or `path` is required")
    for fp in where.proposal.files:
        if rel in (fp.path, fp.old_path):
            return fp.path
    raise JsonRpcInvalidParams(message=f"task {where.proposal.task_id} does not change {rel}")


def hunk_id(arg: Mapping[str, Any]) -> str:
    value = arg.get("hunkId")
    if not isinstance(value, str) or not value:
        raise JsonRpcInvalidParams(message="`hunkId` is required")
    return value


def diff(review: Review, arg: Mapping[str, Any]) -> dict[str, Any]:
    where = review.locate(arg.get("taskId"))
    fp = where.proposal.file(file_path(where, arg))
    try:
        hunk = fp.hunk(hunk_id(arg))
    except KeyError as exc:
        raise JsonRpcInvalidParams(message=str(exc.args[0])) from exc
    text = hunk_diff(fp, hunk)
    review.show(types.MessageType.Info, text)
    return {"taskId": where.proposal.task_id, "path": fp.path, "hunkId": hunk.id, "diff": text}


async def revise(review: Review, arg: Mapping[str, Any]) -> dict[str, Any]:
    """Start a follow-up task whose result becomes the next version of the same proposal.

    Under the review lock, like every decision: the request tells the agent which hunks
    were accepted, rejected or left pending, so no accept may be half-way through.
    """
    async with review.lock:
        return _revise(review.ls, review.locate(arg.get("taskId")), arg)


def _revise(ls: DelegateServer, where: Located, arg: Mapping[str, Any]) -> dict[str, Any]:
    proposal = where.proposal
    record = ls.session.registry.get(proposal.task_id)
    if record is not None and not record.finished:
        raise JsonRpcInvalidRequest(message=f"task {proposal.task_id} is still running")
    comment = arg.get("comment")
    if isinstance(comment, str) and comment.strip():
        proposal = comment_proposal(proposal, comment.strip())
        where.store.save(proposal)
    request = revise_request(proposal)
    folder = where.state.path
    spec = TaskSpec(
        task_id=proposal.task_id,
        folder=folder,
        instruction=record.instruction if record else summary_line(proposal),
        kind="revise",
        file=record.file if record else None,
        start_line=record.start_line if record else None,
        end_line=record.end_line if record else None,
        revise=request,
    )
    submit_task(ls, spec, trigger=record.trigger if record else None)
    return {"taskId": proposal.task_id, "revising": proposal.version}


def register(server: DelegateServer, review: Review) -> None:

    @server.command(ACCEPT_HUNK)
    async def accept_hunk(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        arg = argument(args)
        where = review.locate(arg.get("taskId"))
        return await review.accept(
            where.proposal.task_id, [(file_path(where, arg), [hunk_id(arg)])]
        )

    @server.command(REJECT_HUNK)
    async def reject_hunk(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        arg = argument(args)
        where = review.locate(arg.get("taskId"))
        return await review.reject(
            where.proposal.task_id, [(file_path(where, arg), [hunk_id(arg)])]
        )

    @server.command(ACCEPT_FILE)
    async def accept_file(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        arg = argument(args)
        where = review.locate(arg.get("taskId"))
        return await review.accept(where.proposal.task_id, [(file_path(where, arg), None)])

    @server.command(REJECT_FILE)
    async def reject_file(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        arg = argument(args)
        where = review.locate(arg.get("taskId"))
        return await review.reject(where.proposal.task_id, [(file_path(where, arg), None)])

    @server.command(ACCEPT_ALL)
    async def accept_all(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        arg = argument(args)
        return await review.accept(arg.get("taskId"), None, preview=bool(arg.get("preview")))

    @server.command(REJECT_ALL)
    async def reject_all(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        return await review.reject(argument(args).get("taskId"), None)

    @server.command(DIFF_HUNK)
    def diff_hunk(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        return diff(review, argument(args))

    @server.command(DIFF_FILE)
    async def diff_file(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        arg = argument(args)
        where = review.locate(arg.get("taskId"))
        return await show_file(review, where, where.proposal.file(file_path(where, arg)))

    @server.command(REVISE)
    async def revise_command(ls: DelegateServer, *args: Any) -> dict[str, Any]:
        return await revise(review, argument(args))
