"""Persistence: round trip, versions, atomic writes, corrupt files skipped."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from delegate.proposals.build import build_proposal
from delegate.proposals.changes import FileChange
from delegate.proposals.model import Proposal
from delegate.proposals.review import accept, commit
from delegate.proposals.revise import comment_hunk
from delegate.proposals.store import ProposalStore


def sample(task_id: str = "task-1", version: int = 1) -> Proposal:
    proposal = build_proposal(
        task_id,
        [
            FileChange("src/a.py", "x\r\ny\r\nz", "x\r\nY😀\r\nz"),
            FileChange("new.txt", None, "β\n"),
            FileChange("moved.py", "m\n", "m\n", old_path="old.py"),
        ],
        version=version,
        plan={"steps": ["one", "two"]},
        summary="did things",
        tests_before={"passed": 1, "failed": 1},
        tests_after={"passed": 2, "failed": 0},
        verdict={"ok": True, "notes": ["fine"]},
        cost_usd=0.0123,
        trace_id="trace-1",
    )
    hid = proposal.files[0].hunks[0].id
    proposal = commit(proposal, accept(proposal, "src/a.py", [hid], "x\r\ny\r\nz"))
    return comment_hunk(proposal, "new.txt", proposal.files[1].hunks[0].id, "why?")


def test_round_trip_keeps_every_field_and_text_exactly(tmp_path: Path) -> None:
    store = ProposalStore(tmp_path)
    proposal = sample()
    store.save(proposal)
    reloaded = ProposalStore(tmp_path)
    assert reloaded.get("task-1") == proposal
    assert reloaded.list() == [proposal]
    assert (tmp_path / ".delegate" / ".gitignore").read_text() == "*\n"


def test_every_version_stays_loadable(tmp_path: Path) -> None:
    store = ProposalStore(tmp_path)
    v1, v2 = sample(version=1), sample(version=2)
    store.save(v2)
    store.save(v1)
    reloaded = ProposalStore(tmp_path)
    assert reloaded.get("task-1") == v2
    assert reloaded.get("task-1", 1) == v1
    assert reloaded.get("task-1", 3) is None
    assert [p.version for p in reloaded.versions("task-1")] == [1, 2]


def test_delete(tmp_path: Path) -> None:
    store = ProposalStore(tmp_path)
    store.save(sample())
    assert store.delete("task-1")
    assert not store.delete("task-1")
    assert ProposalStore(tmp_path).list() == []


def test_a_failed_rename_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ProposalStore(tmp_path)
    old = sample()
    store.save(old)
    path = tmp_path / ".delegate" / "proposals" / "task-1.json"
    before = path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("simulated crash")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        store.save(sample(version=2))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["task-1.json"]  # no temp left
    assert ProposalStore(tmp_path).get("task-1") == old


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        json.dumps({"schema": 99, "task_id": "bad", "versions": []}),
        json.dumps({"schema": 1, "task_id": "bad", "versions": [{"task_id": "bad"}]}),
    ],
)
def test_a_corrupt_file_is_skipped_and_logged(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    ProposalStore(tmp_path).save(sample())
    directory = tmp_path / ".delegate" / "proposals"
    (directory / "bad.json").write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        store = ProposalStore(tmp_path)
    assert [p.task_id for p in store.list()] == ["task-1"]
    assert store.skipped == [directory / "bad.json"]
    assert "bad.json" in caplog.text


@pytest.mark.parametrize("task_id", ["../escape", "", ".hidden", "a/b"])
def test_unsafe_task_ids_are_refused(tmp_path: Path, task_id: str) -> None:
    with pytest.raises(ValueError):
        ProposalStore(tmp_path).save(sample(task_id=task_id))
