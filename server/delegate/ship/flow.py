"""One ship from start to end, as the command line and the language server both run it.

1. :func:`prepare` — changes nothing of the user's: checks the repository (a named branch
   at a commit), the proposal (every hunk decided, or ``accepted_only``; one accepted at
   least), the branch name (new, or already holding this very task's commit), and works out
   the content: the accepted hunks laid onto HEAD's files.
2. :func:`commit_prepared` — the commit on its new branch, made away from the user's
   working tree, index, stash and current branch, with the repository's hooks
   (``commit.py``). Cheap to undo (``git branch -D``), so autonomy may do it unasked.
3. :func:`gate_for` → the :class:`Gate`: what leaving the machine would do — remote, branch,
   subject, files, and how a pull request would be opened. The caller shows it and gets
   an answer; :func:`deliver` then pushes and opens the pull request, or does nothing.

Every step and every gate answer is written to the task's trace (:func:`trace_event`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from delegate.agent.redact import Redactor
from delegate.agent.trace import TraceWriter
from delegate.proposals import FileChange, Proposal
from delegate.settings import Settings
from delegate.ship.commit import build_tree, commit_with_hooks, create_branch, tree_of
from delegate.ship.content import changes_onto_head, check_decided
from delegate.ship.errors import ShipRefused
from delegate.ship.git import git_text
from delegate.ship.message import TASK_TRAILER, CommitMessage, write_message
from delegate.ship.remote import (
    Forge,
    Remote,
    choose_remote,
    forge_for,
    forge_ready,
    open_pull_request,
    push,
)
from delegate.ship.report import pull_request_body
from delegate.ship.repository import (
    Repository,
    branch_tip,
    check_branch_name,
    head_file,
    open_repository,
    task_of_commit,
    task_slug,
)
from delegate.ship.task_info import TaskInfo, task_info
from delegate.state_dir import atomic_write_text, state_dir

log = logging.getLogger(__name__)

GateAnswer = Literal["push", "push-pr", "cancel"]
GATE_ANSWERS: tuple[GateAnswer, ...] = ("push", "push-pr", "cancel")


@dataclass(frozen=True)
class Prepared:
    folder: Path
    repo: Repository
    proposal: Proposal
    info: TaskInfo
    changes: list[FileChange]  # folder-relative; ``base`` is HEAD's text
    branch: str
    tree: str  # the tree the commit holds
    existing: str | None  # the branch's commit when an earlier ship of this task made it


@dataclass(frozen=True)
class Shipped:
    branch: str
    commit: str
    base: str  # the branch it was made from, the pull request's target
    message: CommitMessage
    files: tuple[str, ...]
    reused: bool  # the branch already held this commit; nothing was committed now


def branch_name(template: str, info: TaskInfo) -> str:
    slug = task_slug(info.instruction) or info.task_id
    return template.replace("{slug}", slug).replace("{task}", info.task_id)


def _head_reader(repo: Repository) -> Any:
    def read(path: str) -> str | None:
        found = head_file(repo, repo.repo_path(path))
        if found is None:
            return None
        try:
            return found[0].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ShipRefused(
                "conflict", f"{path} is not UTF-8 text in HEAD: ship it by hand"
            ) from exc

    return read


def prepare(
    folder: Path,
    proposal: Proposal | None,
    settings: Settings,
    *,
    task_id: str = "",
    branch: str | None = None,
    accepted_only: bool = False,
    instruction: str = "",
) -> Prepared:
    """Check everything and work out the commit's content and tree (blocking).

    Nothing the user has changes: the only writes are git objects (the new blobs and tree),
    which no ref points at until the commit is made.
    """
    repo = open_repository(folder)
    if proposal is None:
        raise ShipRefused(
            "no_proposal",
            f"there is no proposal for task {task_id or '?'} in {folder}: "
            "list tasks with `delegate/tasks` or ship from the folder the task ran in",
        )
    check_decided(proposal, accepted_only)
    info = task_info(folder, proposal, instruction)
    name = check_branch_name(repo, branch or branch_name(settings.ship.branch, info))
    if name == repo.branch:
        raise ShipRefused(
            "branch_exists",
            f"branch {name} is the current branch: ship to a new one (--branch NAME)",
        )
    changes = changes_onto_head(proposal, _head_reader(repo))
    if not changes:
        raise ShipRefused(
            "nothing_accepted",
            f"the accepted changes of task {proposal.task_id} are already in HEAD: "
            "there is nothing to commit",
        )
    tree = build_tree(repo, changes)
    tip = branch_tip(repo, name)
    existing = None
    if tip is not None:
        ours = task_of_commit(repo, tip) == proposal.task_id
        if not ours or tree_of(repo, tip) != tree:
            which = "an earlier ship of this task" if ours else "other work"
            raise ShipRefused(
                "branch_exists",
                f"branch {name} already exists and holds {which}: ship with another name "
                f"(--branch NAME) or delete it (`git branch -D {name}`)",
            )
        existing = tip
    return Prepared(folder, repo, proposal, info, changes, name, tree, existing)


def commit_prepared(prepared: Prepared, message: CommitMessage) -> Shipped:
    """Commit the prepared tree on its new branch (blocking: run it off the event loop)."""
    files = tuple(c.path for c in prepared.changes)
    repo = prepared.repo
    if prepared.existing is not None:
        return Shipped(prepared.branch, prepared.existing, repo.branch, message, files, True)
    commit = commit_with_hooks(repo, prepared.tree, message.text())
    create_branch(repo, prepared.branch, commit)
    return Shipped(prepared.branch, commit, repo.branch, message, files, False)


def existing_message(prepared: Prepared) -> CommitMessage:
    """The message of the commit an earlier ship left on the branch, trailer removed."""
    assert prepared.existing is not None
    top = prepared.repo.toplevel
    subject = git_text(top, "log", "-1", "--format=%s", prepared.existing)
    body = git_text(top, "log", "-1", "--format=%b", prepared.existing)
    lines = [ln for ln in body.splitlines() if not ln.startswith(f"{TASK_TRAILER}:")]
    return CommitMessage(subject, "\n".join(lines).strip(), prepared.info.task_id, "commit")


async def ship_commit(
    prepared: Prepared, settings: Settings, api_key: str | None, trace: TraceWriter | None
) -> Shipped:
    """Write the message (model or template) and commit; reuse an earlier ship's commit."""
    if prepared.existing is not None:
        message = await asyncio.to_thread(existing_message, prepared)
    else:
        message = await write_message(prepared.info, prepared.changes, settings.api, api_key, trace)
    return await asyncio.to_thread(commit_prepared, prepared, message)


# -- the gate ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """What answering Push (and open PR) would do; shown to the user before anything leaves."""

    remote: Remote
    forge: Forge
    branch: str
    base: str
    subject: str
    files: tuple[str, ...]
    forge_problem: str | None  # why the pull request would be a link instead, if it would

    def describe(self) -> str:
        files = ", ".join(self.files[:8]) + (
            f" and {len(self.files) - 8} more" if len(self.files) > 8 else ""
        )
        pr = (
            f"{self.forge.cli} opens it into {self.base}"
            if self.forge_problem is None
            else f"you get a link ({self.forge_problem})"
        )
        return (
            f"Push branch {self.branch} to {self.remote.name} ({self.remote.push_url})?\n"
            f"Commit: {self.subject}\nFiles: {files}\nPull request: {pr}"
        )


def gate_for(prepared: Prepared, shipped: Shipped, settings: Settings) -> Gate:
    remote = choose_remote(prepared.repo, settings.ship.remote)
    forge = forge_for(remote.url)
    problem = forge_ready(forge, prepared.repo.toplevel)
    return Gate(
        remote,
        forge,
        shipped.branch,
        shipped.base,
        shipped.message.subject,
        shipped.files,
        str(problem) if problem else None,
    )


@dataclass(frozen=True)
class Delivered:
    pushed: bool
    pr_url: str | None = None
    compare_url: str | None = None
    note: str = ""  # one sentence for the user

    def to_json(self) -> dict[str, Any]:
        return {
            "pushed": self.pushed,
            "prUrl": self.pr_url,
            "compareUrl": self.compare_url,
            "message": self.note,
        }


def deliver(
    prepared: Prepared,
    shipped: Shipped,
    gate: Gate,
    answer: GateAnswer,
    redactor: Redactor | None = None,
) -> Delivered:
    """Act on the gate's answer (blocking): nothing, a push, or a push and a pull request."""
    if answer == "cancel":
        return Delivered(
            False,
            note=f"Nothing was pushed; the commit is on branch {shipped.branch} "
            f"(push it with `git push {gate.remote.name} {shipped.branch}`).",
        )
    push(prepared.repo, gate.remote, shipped.branch)
    pushed = f"Pushed {shipped.branch} to {gate.remote.name}."
    if answer == "push":
        return Delivered(True, note=pushed)
    compare = gate.forge.compare_url(shipped.base, shipped.branch)
    problem = forge_ready(gate.forge, prepared.repo.toplevel)
    if problem is None:
        body = pull_request_body(prepared.info, shipped.message, prepared.changes, redactor)
        url = open_pull_request(
            prepared.repo, gate.forge, shipped.base, shipped.branch, shipped.message.subject, body
        )
        return Delivered(True, pr_url=url, note=f"{pushed} Pull request: {url}")
    where = (
        f"open the pull request at {compare}"
        if compare
        else f"the remote {gate.remote.name} has no web page: open a pull request for "
        f"{shipped.branch} on your forge"
    )
    return Delivered(True, compare_url=compare, note=f"{pushed} {problem}; {where}")


# -- records -----------------------------------------------------------------------------


def trace_event(folder: Path, task_id: str, event: str, api_key: str | None, **fields: Any) -> None:
    """Append one ship record to the task's trace; a trace that cannot be written is logged."""
    try:
        trace = TraceWriter.for_task(folder, task_id, Redactor([api_key]))
        try:
            trace.write(event, phase="ship", **fields)
        finally:
            trace.close()
    except (OSError, ValueError) as exc:
        log.warning("task %s: could not trace %s: %s", task_id, event, exc)


def ship_record_path(folder: Path, task_id: str) -> Path:
    return folder / ".delegate" / "ships" / f"{task_id}.json"


def save_ship_record(folder: Path, task_id: str, data: dict[str, Any]) -> None:
    state_dir(folder)
    path = ship_record_path(folder, task_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def pushed_before(folder: Path, task_id: str) -> bool:
    """True when the task's last ship reached its remote (by its record)."""
    try:
        data = json.loads(ship_record_path(folder, task_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("pushed") is True


def kept_local(shipped: Shipped) -> Delivered:
    """The outcome when the answer is not to push."""
    return Delivered(
        False,
        note=f"Nothing was pushed; the commit is on branch {shipped.branch} "
        "(ship again to push it).",
    )


def shipped_json(shipped: Shipped) -> dict[str, Any]:
    data = asdict(shipped)
    data["message"] = shipped.message.text()
    data["files"] = list(shipped.files)
    return data
