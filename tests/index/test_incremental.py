"""Incremental updates: edits, additions, deletions, renames, rebuilds and interrupted runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from tests.index.helpers import PROJECT, make_chunk

from delegate.index.embedders import HashingEmbedder
from delegate.index.workspace import WorkspaceIndex
from delegate.settings import IndexSettings


def snapshot(ws: WorkspaceIndex) -> set[tuple[str, str, int, int, str]]:
    """Every chunk's id, location and text: two indexes of the same files must agree."""
    rows = ws._store._chunks.to_arrow().select(["id", "path", "start_line", "end_line", "text"])
    return {tuple(r.values()) for r in rows.to_pylist()}  # type: ignore[misc]


def fresh_snapshot(folder: Path, tmp_path: Path) -> set[tuple[str, str, int, int, str]]:
    settings = IndexSettings(uri=str(tmp_path / "fresh-index"))
    lock_dir = folder / ".delegate" / "index.lock"
    os.replace(lock_dir, lock_dir.with_suffix(".held"))  # a second writer needs its own lock
    try:
        with WorkspaceIndex.open(folder, settings) as ws:
            ws.update()
            return snapshot(ws)
    finally:
        os.replace(lock_dir.with_suffix(".held"), lock_dir)


def test_unchanged_folder_does_no_work(index: WorkspaceIndex) -> None:
    stats = index.update()
    assert (stats.files_changed, stats.chunks_written, stats.files_removed) == (0, 0, 0)
    assert stats.files_total == len(PROJECT)


def test_touch_without_change_re_reads_but_does_not_re_embed(
    folder: Path, index: WorkspaceIndex
) -> None:
    os.utime(folder / "tools/leaf.py", ns=(1, 1))
    stats = index.update()
    assert stats.files_changed == 0 and stats.chunks_written == 0
    assert index.update().files_changed == 0  # the new mtime was recorded


def test_edit_add_delete(folder: Path, index: WorkspaceIndex, tmp_path: Path) -> None:
    (folder / "tools/leaf.py").write_text("def shout_loudly(words):\n    return words.upper()\n")
    (folder / "tools/new_module.py").write_text("def brand_new_feature():\n    return 42\n")
    (folder / "core/checksum.py").unlink()
    stats = index.update()
    assert (stats.files_changed, stats.files_removed) == (2, 1)
    assert index.search("shout_loudly")[0].path == "tools/leaf.py"
    assert index.search("brand_new_feature")[0].path == "tools/new_module.py"
    assert all(h.path != "core/checksum.py" for h in index.search("checksum", limit=50))
    assert index.find_symbol("crc_of_bytes") == ([], [])
    assert index.find_symbol("print_banner")[0] == []
    assert snapshot(index) == fresh_snapshot(folder, tmp_path)


def test_rename_moves_rows_without_re_embedding(
    folder: Path, index: WorkspaceIndex, tmp_path: Path
) -> None:
    (folder / "core/checksum.py").rename(folder / "core/crc.py")
    stats = index.update()
    assert stats.files_changed == 1 and stats.chunks_written == 0 and stats.files_removed == 0
    assert index.search("crc_of_bytes")[0].path == "core/crc.py"
    assert [d.path for d in index.find_symbol("crc_of_bytes")[0]] == ["core/crc.py"]
    assert index.update().files_changed == 0
    # the moved rows are what indexing the new path would have made, ids included
    assert snapshot(index) == fresh_snapshot(folder, tmp_path)


def test_rename_file_api(folder: Path, index: WorkspaceIndex, tmp_path: Path) -> None:
    (folder / "tools/leaf.py").rename(folder / "tools/banner.py")
    index.rename_file("tools/leaf.py", "tools/banner.py")
    assert index.search("print_banner")[0].path == "tools/banner.py"
    assert index.update().files_changed == 0
    assert snapshot(index) == fresh_snapshot(folder, tmp_path)


def test_update_files_with_unsaved_text_and_deletions(folder: Path, index: WorkspaceIndex) -> None:
    stats = index.update_files(
        ["tools/leaf.py"], overrides={"tools/leaf.py": "def unsaved_thing():\n    pass\n"}
    )
    assert stats.files_changed == 1
    assert index.search("unsaved_thing")[0].path == "tools/leaf.py"
    # the disk copy differs from what was indexed, so a full update re-reads it
    assert index.update().files_changed == 1
    assert index.search("print_banner")[0].path == "tools/leaf.py"
    (folder / "core/checksum.py").unlink()
    stats = index.update_files(["core/checksum.py", "tools/leaf.py"])
    assert stats.files_removed == 1 and stats.files_changed == 0
    assert index.stats()["files"] == len(PROJECT) - 1


def test_update_files_of_ignored_path_removes_it(folder: Path, index: WorkspaceIndex) -> None:
    (folder / ".gitignore").write_text("tools/\n")
    index.update_files(["tools/leaf.py"])
    assert all(h.path != "tools/leaf.py" for h in index.search("banner title", limit=50))


def test_embedder_change_rebuilds_and_says_so(
    folder: Path, index: WorkspaceIndex, caplog: pytest.LogCaptureFixture
) -> None:
    index.close()
    with (
        caplog.at_level("WARNING"),
        WorkspaceIndex.open(folder, IndexSettings(), embedder=HashingEmbedder(384)) as ws,
    ):
        stats = ws.update()
        assert stats.rebuilt and "embedder changed" in stats.rebuild_reason
        assert stats.files_changed == len(PROJECT)
        assert ws.stats()["dim"] == 384
        assert ws.search("crc_of_bytes")[0].path == "core/checksum.py"
        assert not ws.update().rebuilt
    assert "embedder changed" in caplog.text


def test_explicit_rebuild(index: WorkspaceIndex) -> None:
    stats = index.update(rebuild=True)
    assert stats.rebuilt and stats.files_changed == len(PROJECT)
    assert stats.chunks_total == index.stats()["chunks"]


def test_cancelled_update_leaves_a_usable_index_that_the_next_run_completes(
    folder: Path, tmp_path: Path
) -> None:
    for i in range(40):
        (folder / f"gen/mod{i:02}.py").parent.mkdir(exist_ok=True)
        (folder / f"gen/mod{i:02}.py").write_text(f"def generated_{i}(x):\n    return x + {i}\n")
    cancel = threading.Event()

    def stop_midway(done: int, total: int) -> None:
        if done >= 10:
            cancel.set()

    with WorkspaceIndex.open(folder, IndexSettings(workers=2)) as ws:
        partial = ws.update(progress=stop_midway, cancel=cancel)
        assert 0 < ws.stats()["files"] < len(PROJECT) + 40
        assert partial.files_changed < len(PROJECT) + 40
        assert ws.search("anything")  # still searchable
        ws.update()
        assert ws.stats()["files"] == len(PROJECT) + 40
        assert ws.search("generated_33")[0].path == "gen/mod33.py"
        assert snapshot(ws) == fresh_snapshot(folder, tmp_path)


def test_crash_between_chunks_and_files_row_is_repaired(
    folder: Path, index: WorkspaceIndex, tmp_path: Path
) -> None:
    # what a crash leaves: chunks written for a file whose files row never landed
    from tests.index.helpers import add_chunks

    add_chunks(index._store, [make_chunk("ghost.py", "haunt", "def haunt_the_index(): pass")])
    (folder / "tools/leaf.py").write_text("def replaced(): pass\n")
    stale = make_chunk("tools/leaf.py", "stale", "def half_written_stale(): pass")
    add_chunks(index._store, [stale])
    index.update()
    assert all(h.path != "ghost.py" for h in index.search("haunt_the_index", limit=50))
    assert "half_written_stale" not in {h.text for h in index.search("half_written_stale")}
    assert snapshot(index) == fresh_snapshot(folder, tmp_path)


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def test_many_small_updates_keep_the_index_folder_bounded(folder: Path) -> None:
    target = folder / "tools/leaf.py"

    def edits(ws: WorkspaceIndex, start: int, count: int) -> None:
        for i in range(start, start + count):
            target.write_text(f"def print_banner(title):\n    return {i}\n" + "# pad\n" * 40)
            ws.update_files(["tools/leaf.py"])

    with WorkspaceIndex.open(folder, IndexSettings()) as ws:
        ws.update()
        edits(ws, 0, 20)
        ws.update()  # a full update compacts
        after_20 = dir_size(folder / ".delegate")
        edits(ws, 20, 80)
        ws.update()
        after_100 = dir_size(folder / ".delegate")
        assert ws.search("print_banner")[0].text.count("return 99") == 1
    assert after_100 < after_20 * 1.5, (after_20, after_100)


def test_a_killed_indexer_leaves_an_index_the_next_run_repairs(
    folder: Path, tmp_path: Path
) -> None:
    for i in range(60):
        (folder / f"gen/mod{i:02}.py").parent.mkdir(exist_ok=True)
        (folder / f"gen/mod{i:02}.py").write_text(f"def generated_{i}(x):\n    return x + {i}\n")
    # the child dies by SIGKILL in the middle of its update: no clean-up code runs
    code = f"""
import os, signal
from pathlib import Path
from delegate.index import workspace
from delegate.index.workspace import WorkspaceIndex
from delegate.settings import IndexSettings
workspace.WRITE_BATCH_FILES = 7  # several commits before the kill
def die(done, total):
    if done >= 30:
        os.kill(os.getpid(), signal.SIGKILL)
with WorkspaceIndex.open(Path({str(folder)!r}), IndexSettings(workers=1)) as ws:
    ws.update(progress=die)
"""
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert child.returncode == -signal.SIGKILL, child.stderr
    with WorkspaceIndex.open(folder, IndexSettings()) as ws:  # the lock died with the child
        assert 0 < ws.stats()["files"] < len(PROJECT) + 60
        ws.search("generated")  # usable as it is
        ws.update()
        assert ws.stats()["files"] == len(PROJECT) + 60
        assert snapshot(ws) == fresh_snapshot(folder, tmp_path)
