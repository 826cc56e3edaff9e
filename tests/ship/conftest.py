"""Real git repositories for the ship tests: a work repository with one commit on ``main``,
a local bare repository as its ``origin``, and a proposal whose hunks are in chosen states.

``calc.py`` has three functions far enough apart that the agent's change to each is its
own hunk; the proposal also creates ``notes.md``. :func:`snapshot` captures everything a
ship must leave alone: every file of the working tree (``.delegate/`` aside, where ship
writes its trace), the index file, HEAD, every ref outside ``refs/heads/delegate/``, the
stash and ``git status``.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from delegate.proposals import FileChange, Proposal, ProposalStore, build_proposal, set_states
from tests.fakes.fake_anthropic import RecordedRequest, Reply, Turn, text, tool_use

BASE = "".join(
    f"def {name}(x):\n    '''{name} of x.'''\n" + "    pass\n" * 6 + f"    return x {op} 1\n\n\n"
    for name, op in (("grow", "+"), ("shrink", "-"), ("scale", "*"))
)
PROPOSED = (
    BASE.replace("return x + 1", "return x + 2")
    .replace("return x - 1", "return x - 2")
    .replace("return x * 1", "return x * 2")
)
NOTES = "# Notes\n\nWritten by the agent.\n"
TASK = "t-20261202-ship01"
SUBJECT = "Double the steps of grow and scale"


def git(cwd: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout.strip()


@dataclass
class Repo:
    work: Path
    remote: Path

    def git(self, *args: str, check: bool = True) -> str:
        return git(self.work, *args, check=check)

    def remote_branches(self) -> list[str]:
        out = git(self.remote, "for-each-ref", "--format=%(refname:short)", "refs/heads")
        return out.split()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    work, remote = tmp_path / "work", tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(remote))
    git(tmp_path, "init", "--quiet", "-b", "main", str(work))
    for key, value in (
        ("user.name", "Test User"),
        ("user.email", "test@example.invalid"),
        ("commit.gpgsign", "false"),
    ):
        git(work, "config", key, value)
    (work / "calc.py").write_text(BASE)
    (work / "README.md").write_text("calc\n")
    git(work, "add", ".")
    git(work, "commit", "--quiet", "-m", "first")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "--quiet", "origin", "main")
    return Repo(work.resolve(), remote)


def proposal_with(folder: Path, states: dict[str, str], instruction: str = "") -> Proposal:
    """Build the task's proposal, put hunk ``i`` of calc.py (and the create, key "notes")
    into the given states, and save it in the folder's store."""
    proposal = build_proposal(
        TASK,
        [FileChange("calc.py", BASE, PROPOSED), FileChange("notes.md", None, NOTES)],
        plan="Bump every step to 2",
        summary="grow, shrink and scale step by 2",
        tests_before={"passed": False, "summary": "3 failed, 1 passed"},
        tests_after={"passed": True, "summary": "4 passed"},
        verdict={"approved": True, "notes": ["looks right"]},
        cost_usd=0.0123,
        trace_id=str(folder / ".delegate" / "runs" / TASK / "trace.jsonl"),
    )
    calc = proposal.file("calc.py")
    assert len(calc.hunks) == 3
    for key, state in states.items():
        path, hunk = (
            ("notes.md", proposal.file("notes.md").hunks[0])
            if key == "notes"
            else ("calc.py", calc.hunks[int(key)])
        )
        proposal = set_states(proposal, path, [hunk.id], state)  # type: ignore[arg-type]
    if instruction:
        proposal = replace(proposal, extra={"instruction": instruction})
    ProposalStore(folder).save(proposal)
    return proposal


def snapshot(repo: Repo) -> dict[str, object]:
    """Everything of the user's a ship must not change (ship's own refs and state aside)."""
    files = {
        p.relative_to(repo.work).as_posix(): p.read_bytes()
        for p in sorted(repo.work.rglob("*"))
        if p.is_file()
        and ".git" not in p.relative_to(repo.work).parts[:1]
        and ".delegate" not in p.relative_to(repo.work).parts[:1]
    }
    refs = [
        line
        for line in repo.git("for-each-ref", "--format=%(refname) %(objectname)").splitlines()
        if not line.startswith("refs/heads/delegate/")
    ]
    return {
        "files": files,
        "index": (repo.work / ".git" / "index").read_bytes(),
        "HEAD": (repo.work / ".git" / "HEAD").read_bytes(),
        "head_commit": repo.git("rev-parse", "HEAD"),
        "refs": refs,
        "stash": repo.git("stash", "list"),
        "status": repo.git("status", "--porcelain=v1", "--untracked-files=all"),
        "worktrees": repo.git("worktree", "list", "--porcelain"),
    }


def edit(old: str, new: str) -> dict[str, Any]:
    return tool_use(
        "str_replace_based_edit_tool",
        {"command": "str_replace", "path": "calc.py", "old_str": old, "new_str": new},
    )


def agent(request: RecordedRequest) -> Turn:
    """The fake model for a task that makes every step two, its verdict and commit message."""
    if "You write git commit messages" in request.system_text:
        return Reply([text(f"{SUBJECT}\n\nShrink keeps its step of one.")])
    if "You review a change" in request.system_text:
        return Reply([text('{"approved": true, "notes": []}')])
    turn = sum(1 for m in request.messages if m.get("role") == "assistant")
    steps = [
        Reply([text("Plan: every step becomes two")]),
        Reply([edit("return x + 1", "return x + 2")]),
        Reply([edit("return x - 1", "return x - 2")]),
        Reply([edit("return x * 1", "return x * 2")]),
        Reply([tool_use("finish", {"summary": "steps of two"})]),
    ]
    return steps[min(turn, len(steps) - 1)]
