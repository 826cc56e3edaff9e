"""Shipping from the editor, end to end: `delegate serve` on a real git repository whose
``origin`` is a local bare repository, the model faked at the HTTP level.

1. propose: the agent changes three functions; the user accepts two hunks and rejects one,
   the code action offers to ship, ``delegate.ship`` commits and asks the gate
   (``window/showMessageRequest``) — and while it asks, nothing is on the remote; "Push"
   puts the branch there, holding exactly the accepted hunks.
2. commit-when-green (the task's own ``autonomy``): the green result is applied and
   committed without a question, and the push still waits for the gate; "Cancel" keeps
   the remote as it was. The trace records the autonomy decision and every gate answer.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.fakes.fake_anthropic import FakeAnthropic
from tests.lsp.conftest import wait_for
from tests.lsp.helpers import Editor, code_actions, command, negotiated, request, span
from tests.ship.conftest import BASE, SUBJECT, agent, git

pytestmark = pytest.mark.slow

KEY = "sk-ant-api03-SHIP-E2E-KEY-0000"


def make_repo(tmp_path: Path, base_url: str) -> tuple[Path, Path]:
    work, remote = (tmp_path / "calc").resolve(), tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(remote))
    git(tmp_path, "init", "--quiet", "-b", "main", str(work))
    git(work, "config", "user.name", "Test User")
    git(work, "config", "user.email", "test@example.invalid")
    git(work, "config", "commit.gpgsign", "false")
    (work / "calc.py").write_text(BASE)
    git(work, "add", ".")
    git(work, "commit", "--quiet", "-m", "first")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "--quiet", "origin", "main")
    green = json.dumps([sys.executable, "-c", "pass"])
    (work / ".delegate").mkdir()
    (work / ".delegate" / ".gitignore").write_text("*\n")
    (work / ".delegate" / "config.toml").write_text(
        f"[index]\non_start = false\n[tests]\ncommand = {green}\n[budget]\nmax_iterations = 1\n"
        f'[api]\nbase_url = "{base_url}"\nmax_retries = 0\n'
    )
    return work, remote


def remote_branches(remote: Path) -> list[str]:
    return git(remote, "for-each-ref", "--format=%(refname:short)", "refs/heads").split()


class Gate:
    """The user answering ``window/showMessageRequest``; records what it was shown."""

    def __init__(self, client: LanguageClient, remote: Path, answer: str) -> None:
        self.asked: list[str] = []
        self.remote_when_asked: list[list[str]] = []
        self.answer = answer

        def show_message_request(
            params: types.ShowMessageRequestParams,
        ) -> types.MessageActionItem | None:
            if params.message.startswith("Delegate: Proposal ready"):
                return None  # the notice of a new proposal (test_notices_e2e.py): dismissed
            self.asked.append(params.message)
            self.remote_when_asked.append(remote_branches(remote))
            titles = [a.title for a in params.actions or []]
            assert titles == ["Push", "Push and open PR", "Cancel"]
            return types.MessageActionItem(title=self.answer)

        client.on_message_request = show_message_request  # type: ignore[attr-defined]


class Session:
    """A server on a fresh repository, an editor with calc.py open, and the gate."""

    def __init__(
        self, work: Path, remote: Path, client: LanguageClient, editor: Editor, gate: Gate
    ) -> None:
        self.work, self.remote, self.client, self.editor, self.gate = (
            work,
            remote,
            client,
            editor,
            gate,
        )
        self.uri = editor.open(work / "calc.py")

    @classmethod
    async def start(
        cls, start_server: Any, client_name: str, tmp_path: Path, base_url: str, answer: str
    ) -> Session:
        work, remote = make_repo(tmp_path, base_url)
        client = await start_server([work], env={**os.environ, "ANTHROPIC_API_KEY": KEY})
        editor = Editor(client, negotiated(client_name, client))
        return cls(work, remote, client, editor, Gate(client, remote, answer))

    async def task(self, **extra: Any) -> str:
        arguments = {"uri": self.uri, "text": "bump the steps", **extra}
        return str((await command(self.client, "delegate.task", arguments))["taskId"])


def finished(client: LanguageClient, task_id: str) -> bool:
    return any(
        c["taskId"] == task_id and c["state"] in ("succeeded", "failed")
        for c in client.task_changes  # type: ignore[attr-defined]
    )


def trace_records(work: Path, task_id: str) -> list[dict[str, Any]]:
    path = work / ".delegate" / "runs" / task_id / "trace.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("client_name", ["visual-studio-code"])
async def test_accept_some_hunks_ship_and_push_through_the_gate(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    with FakeAnthropic(policy=agent) as fake:
        session = await Session.start(start_server, client_name, tmp_path, fake.base_url, "Push")
        work, remote, client, gate, uri = (
            session.work, session.remote, session.client, session.gate, session.uri
        )  # fmt: skip
        task = await session.task()
        await wait_for(lambda: finished(client, task), timeout=90)
        proposal = await request(client, "delegate/proposal", {"taskId": task})
        first, middle, last = [h["id"] for h in proposal["files"][0]["hunks"]]
        before = [t.title for t in await code_actions(client, uri, span(0))]
        assert not any("ship" in title for title in before)  # hunks still pending
        early = await command(client, "delegate.ship", {"taskId": task})
        assert early["refused"] == "pending_hunks" and "accept or reject them" in early["message"]
        assert gate.asked == []

        for hunk in (first, last):
            await command(
                client, "delegate.acceptHunk", {"taskId": task, "uri": uri, "hunkId": hunk}
            )
        await command(client, "delegate.rejectHunk", {"taskId": task, "uri": uri, "hunkId": middle})
        actions = [a for a in await code_actions(client, uri, span(0)) if "ship" in a.title]
        assert [a.title for a in actions] == ["Delegate: ship “bump the steps” to a branch…"]
        assert actions[0].command is not None
        shipped = await command(client, "delegate.ship", *actions[0].command.arguments or [])

    branch = "delegate/bump-the-steps"
    assert shipped["branch"] == branch and shipped["pushed"] is True
    assert shipped["subject"] == SUBJECT and shipped["answer"] == "push"
    (asked,) = gate.asked
    assert f"Push branch {branch} to origin ({remote})" in asked
    assert f"Commit: {SUBJECT}" in asked and "Files: calc.py" in asked
    assert gate.remote_when_asked == [["main"]]  # nothing left before the answer
    assert sorted(remote_branches(remote)) == sorted(["main", branch])
    commit = git(work, "rev-parse", branch)
    assert git(remote, "rev-parse", branch) == commit
    assert git(work, "rev-parse", f"{branch}^") == git(work, "rev-parse", "main")
    committed = git(work, "show", f"{branch}:calc.py") + "\n"
    assert committed == BASE.replace("x + 1", "x + 2").replace("x * 1", "x * 2").rstrip("\n") + "\n"
    assert (work / "calc.py").read_text() == BASE  # the editor's buffer changed, not the disk
    assert git(work, "symbolic-ref", "--short", "HEAD") == "main"
    assert git(work, "status", "--porcelain") == ""
    gates = [r for r in trace_records(work, task) if r["event"] == "gate"]
    assert [(g["answer"], g["by"]) for g in gates] == [("push", "user")]
    after = [t.title for t in await code_actions(client, uri, span(0))]
    assert not any("ship" in title for title in after)  # shipped: not offered again


@pytest.mark.parametrize("client_name", ["neovim"])
async def test_commit_when_green_commits_unasked_and_still_asks_before_pushing(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    with FakeAnthropic(policy=agent) as fake:
        session = await Session.start(start_server, client_name, tmp_path, fake.base_url, "Cancel")
        work, remote, editor, gate, uri = (
            session.work, session.remote, session.editor, session.gate, session.uri
        )  # fmt: skip
        task = await session.task(autonomy="commit-when-green")
        await wait_for(lambda: len(gate.asked) == 1, timeout=90)
        # by the time the gate asks, the change is applied and committed, not pushed
        assert editor.text(uri) == BASE.replace(" 1\n", " 2\n")
        branch = "delegate/bump-the-steps"
        assert (
            git(work, "show", f"{branch}:calc.py") + "\n"
            == BASE.replace(" 1\n", " 2\n").rstrip("\n") + "\n"
        )
        assert gate.remote_when_asked == [["main"]]
        await wait_for(
            lambda: any(r["event"] == "ship_delivered" for r in trace_records(work, task))
        )
        again = [a.title for a in await code_actions(session.client, uri, span(0))]
        assert "Delegate: ship “bump the steps” to a branch…" in again  # not pushed: still offered
    assert remote_branches(remote) == ["main"]  # Cancel: nothing pushed
    records = trace_records(work, task)
    (autonomy,) = [r for r in records if r["event"] == "autonomy"]
    assert (autonomy["level"], autonomy["source"], autonomy["green"]) == (
        "commit-when-green",
        "task",
        True,
    )
    (commit,) = [r for r in records if r["event"] == "ship_commit"]
    assert commit["by"] == "autonomy" and commit["branch"] == branch
    gates = [(r["answer"], r["by"]) for r in records if r["event"] == "gate"]
    assert gates == [("cancel", "user")]
    assert KEY not in json.dumps(records)


@pytest.mark.parametrize("client_name", ["neovim"])
async def test_a_tasks_own_apply_when_green_applies_without_committing(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    with FakeAnthropic(policy=agent) as fake:
        session = await Session.start(start_server, client_name, tmp_path, fake.base_url, "Push")
        task = await session.task(autonomy="apply-when-green")  # the folder says propose
        await wait_for(lambda: session.editor.text(session.uri) == BASE.replace(" 1\n", " 2\n"))
        await wait_for(lambda: finished(session.client, task))
        proposal = await request(session.client, "delegate/proposal", {"taskId": task})
    assert {h["state"] for f in proposal["files"] for h in f["hunks"]} == {"applied"}
    assert git(session.work, "branch", "--format=%(refname:short)").split() == ["main"]
    assert session.gate.asked == []
