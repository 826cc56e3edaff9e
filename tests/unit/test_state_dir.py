"""The shared ``.delegate/`` directory and atomic writes (invariant 6)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from delegate.state_dir import atomic_write_text, state_dir


def test_state_dir_keeps_itself_out_of_version_control(tmp_path: Path) -> None:
    path = state_dir(tmp_path)
    assert path == tmp_path / ".delegate"
    assert (path / ".gitignore").read_text() == "*\n"


def test_state_dir_leaves_an_existing_gitignore_alone(tmp_path: Path) -> None:
    (tmp_path / ".delegate").mkdir()
    (tmp_path / ".delegate" / ".gitignore").write_text("*\n!config.toml\n")
    state_dir(tmp_path)
    assert (tmp_path / ".delegate" / ".gitignore").read_text() == "*\n!config.toml\n"


def test_atomic_write_keeps_newlines_and_creates_parents(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "record.json"
    atomic_write_text(target, "one\r\ntwo\n")
    assert target.read_bytes() == b"one\r\ntwo\n"


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "record.json"
    atomic_write_text(target, "old")

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json"]
