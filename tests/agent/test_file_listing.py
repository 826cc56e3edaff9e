"""The agent's file listing and its per-task cache of texts (``delegate.agent.file_listing``)."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from typing import Any

import pytest

from delegate.agent import file_listing
from delegate.agent.file_listing import (
    RACY_NS,
    WorkspaceFiles,
    iter_workspace_files,
    list_workspace_files,
)
from delegate.settings import IndexSettings, Settings


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_listing_follows_links_inside_once_and_never_outside(tmp_path: Path) -> None:
    root, outside = tmp_path / "ws", tmp_path / "outside"
    write(root, {"pkg/a.py": "a", "pkg/sub/b.py": "b", ".gitignore": "*.log\n", "x.log": ""})
    write(outside, {"secret.py": "s"})
    (root / "alias").symlink_to(root / "pkg", target_is_directory=True)  # same directory twice
    (root / "pkg" / "sub" / "loop").symlink_to(root / "pkg", target_is_directory=True)
    (root / "out").symlink_to(outside, target_is_directory=True)
    (root / "b_link.py").symlink_to(root / "pkg" / "sub" / "b.py")
    (root / "secret_link.py").symlink_to(outside / "secret.py")
    listed = list_workspace_files(root, Settings().index)
    # the walk pops the last directory pushed first: "pkg" is entered before "alias"
    # only when scandir lists it later; either way each real directory is listed once
    dirs = {rel.split("/")[0] for rel in listed if rel.endswith("a.py")}
    assert len(dirs) == 1 and dirs <= {"pkg", "alias"}
    assert sum(rel.endswith("/b.py") for rel in listed) == 1
    assert "b_link.py" in listed and ".gitignore" in listed
    assert not any(
        rel.startswith("out/") or "secret" in rel or rel.endswith(".log") for rel in listed
    )
    fulls = dict(iter_workspace_files(root, Settings().index))
    assert all(os.path.isfile(full) for full in fulls.values())


# --- WorkspaceFiles: keeping up with changes --------------------------------------------

WATCH_MODES = [pytest.param(True, id="watched"), pytest.param(False, id="by-stat")]
SETTINGS = Settings().index


def grep_all(files: WorkspaceFiles, word: str) -> dict[str, str]:
    """Every listed text that contains ``word`` (through the view, as grep reads it)."""
    view = files.view()
    found = {}
    for rel in view.containing(view.paths, word.encode()):
        text = view.text(rel)
        if text is not None and word in text:
            found[rel] = text
    return found


class Counts:
    """How often the tree was walked and how many files were read from disk."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.walks = 0
        self.reads: list[str] = []
        walk, read = file_listing._walk, file_listing._Tree._read

        def counting_walk(*args: Any, **kwargs: Any) -> Any:
            self.walks += 1
            return walk(*args, **kwargs)

        def counting_read(tree: Any, rel: str) -> Any:
            self.reads.append(rel)
            return read(tree, rel)

        monkeypatch.setattr(file_listing, "_walk", counting_walk)
        monkeypatch.setattr(file_listing._Tree, "_read", counting_read)

    def reset(self) -> None:
        self.walks = 0
        self.reads.clear()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    write(
        root,
        {
            ".gitignore": "*.log\n",
            "pkg/a.py": "alpha = 1\n",
            "pkg/b.py": "beta = 2\n",
            "pkg/sub/c.py": "gamma = 3\n",
            "notes.txt": "alpha notes\n",
        },
    )
    return root


@pytest.mark.parametrize("watch", WATCH_MODES)
def test_every_kind_of_change_is_seen_at_once(tree: Path, watch: bool) -> None:
    """No sleeping between a change and the next look: a file rewritten in the same clock
    tick, with the same size, is seen as well as creations, deletions and renames."""
    files = WorkspaceFiles(tree, SETTINGS, watch=watch)
    assert set(grep_all(files, "alpha")) == {"pkg/a.py", "notes.txt"}
    assert files.watching is watch
    (tree / "pkg" / "a.py").write_text("alphA = 1\n")  # same size, in place
    (tree / "pkg" / "new.py").write_text("alpha_new = 1\n")
    (tree / "notes.txt").unlink()
    (tree / "pkg" / "sub" / "c.py").rename(tree / "pkg" / "sub" / "c2.py")
    (tree / "deep" / "er").mkdir(parents=True)
    (tree / "deep" / "er" / "d.py").write_text("alpha_deep = 1\n")
    assert set(grep_all(files, "alpha")) == {"pkg/new.py", "deep/er/d.py"}
    assert "pkg/sub/c2.py" in files.paths() and "pkg/sub/c.py" not in files.paths()
    (tree / "deep" / "er" / "d.py").write_text("changed again\n")
    (tree / ".gitignore").write_text("*.log\npkg/\n")
    assert set(grep_all(files, "alpha")) == set()
    assert files.paths() == [".gitignore", "deep/er/d.py"]


@pytest.mark.parametrize("watch", WATCH_MODES)
def test_a_new_ignore_file_in_a_directory_that_had_none(tree: Path, watch: bool) -> None:
    files = WorkspaceFiles(tree, SETTINGS, watch=watch)
    assert "pkg/sub/c.py" in files.paths()
    (tree / "pkg" / "sub" / ".ignore").write_text("c.py\n")
    assert files.paths() == [".gitignore", "notes.txt", "pkg/a.py", "pkg/b.py", "pkg/sub/.ignore"]


@pytest.mark.parametrize("watch", WATCH_MODES)
def test_a_directory_replaced_by_another_of_the_same_name(tree: Path, watch: bool) -> None:
    files = WorkspaceFiles(tree, SETTINGS, watch=watch)
    assert "pkg/b.py" in grep_all(files, "beta")
    (tree / "pkg").rename(tree / "old")
    (tree / "pkg").mkdir()
    (tree / "pkg" / "b.py").write_text("beta = 'new'\n")  # a new file in a new directory
    found = grep_all(files, "beta")
    assert found["pkg/b.py"] == "beta = 'new'\n" and found["old/b.py"] == "beta = 2\n"
    (tree / "old" / "b.py").write_text("beta = 'old, edited'\n")  # watched under its new name
    assert grep_all(files, "beta")["old/b.py"] == "beta = 'old, edited'\n"


def test_names_the_rules_skip_neither_relist_nor_read(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a test run leaves behind (__pycache__, ignored logs) costs no walk; a real
    change does."""
    counts = Counts(monkeypatch)
    files = WorkspaceFiles(tree, SETTINGS)
    grep_all(files, "alpha")
    assert files.watching
    counts.reset()
    (tree / "pkg" / "__pycache__").mkdir()
    (tree / "pkg" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\x00alpha")
    (tree / "run.log").write_text("alpha in a log\n")
    (tree / "build").mkdir()  # a built-in exclude
    assert set(grep_all(files, "alpha")) == {"pkg/a.py", "notes.txt"}
    assert counts.walks == 0 and counts.reads == []
    (tree / "pkg" / "b.py").write_text("beta = 'alpha'\n")  # a rewrite: one read, no walk
    assert set(grep_all(files, "alpha")) == {"pkg/a.py", "pkg/b.py", "notes.txt"}
    assert counts.walks == 0 and counts.reads == ["pkg/b.py"]
    (tree / "pkg" / "newdir").mkdir()  # a new directory: walked
    assert set(grep_all(files, "alpha")) == {"pkg/a.py", "pkg/b.py", "notes.txt"}
    assert counts.walks == 1


def test_files_that_appear_or_go_are_listed_without_a_walk(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agent creating a file, a test run deleting or renaming one: the listing follows
    the events; a symlink, which may lead anywhere, is walked again."""
    counts = Counts(monkeypatch)
    files = WorkspaceFiles(tree, SETTINGS)
    before = files.paths()
    assert files.watching
    (tree / "pkg" / "new.py").write_text("alpha_new = 1\n")
    (tree / "notes.txt").unlink()
    (tree / "pkg" / "b.py").rename(tree / "pkg" / "sub" / "b_moved.py")
    (tree / "pkg" / "gone.py").write_text("")
    (tree / "pkg" / "gone.py").unlink()
    (tree / "skipped.log").write_text("alpha\n")
    counts.reset()
    assert files.paths() == [
        ".gitignore",
        "pkg/a.py",
        "pkg/new.py",
        "pkg/sub/b_moved.py",
        "pkg/sub/c.py",
    ]
    assert before == [".gitignore", "notes.txt", "pkg/a.py", "pkg/b.py", "pkg/sub/c.py"]
    assert counts.walks == 0
    assert set(grep_all(files, "alpha")) == {"pkg/a.py", "pkg/new.py"}
    assert files.paths() == list_workspace_files(tree, SETTINGS)
    counts.reset()
    (tree / "alias").symlink_to(tree / "pkg" / "sub", target_is_directory=True)
    assert "alias/c.py" in files.paths() or "pkg/sub/c.py" in files.paths()
    assert files.paths() == list_workspace_files(tree, SETTINGS)
    assert counts.walks >= 1
    (tree / "alias").unlink()
    assert files.paths() == list_workspace_files(tree, SETTINGS)


def test_unchanged_files_cost_no_stat_when_watched(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = WorkspaceFiles(tree, SETTINGS)
    grep_all(files, "alpha")
    stats: list[str] = []
    real_stat = os.stat

    def counting_stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        stats.append(str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(file_listing.os, "stat", counting_stat)
    assert set(grep_all(files, "alpha")) == {"pkg/a.py", "notes.txt"}
    assert stats == []


@pytest.mark.parametrize("watch", WATCH_MODES)
def test_links_and_hard_links_are_checked_by_stat(tmp_path: Path, watch: bool) -> None:
    """A file reached through a symlink, or with a second name, changes without an event
    in the directory it is listed in (here: through an ignored directory)."""
    root = tmp_path / "ws"
    write(root, {".gitignore": "hidden/\n", "hidden/real.py": "alpha = 1\n", "x.py": "x\n"})
    (root / "link.py").symlink_to(root / "hidden" / "real.py")
    os.link(root / "x.py", root / "hidden" / "x_again.py")
    files = WorkspaceFiles(root, SETTINGS, watch=watch)
    time.sleep(RACY_NS / 1e9 * 1.5)  # settled: the stat of a link is trusted from now on
    assert set(grep_all(files, "alpha")) == {"link.py"}
    (root / "hidden" / "real.py").write_text("alpha = 'longer now'\n")
    (root / "hidden" / "x_again.py").write_text("alpha through the second name\n")
    found = grep_all(files, "alpha")
    assert found == {
        "link.py": "alpha = 'longer now'\n",
        "x.py": "alpha through the second name\n",
    }


def test_running_out_of_watches_falls_back_to_stat(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    added: list[str] = []
    real_add = file_listing._DirWatch.add

    def add(watch: Any, directory: str) -> int:
        if len(added) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", directory)
        added.append(directory)
        return real_add(watch, directory)

    monkeypatch.setattr(file_listing._DirWatch, "add", add)
    files = WorkspaceFiles(tree, SETTINGS)
    assert set(grep_all(files, "alpha")) == {"pkg/a.py", "notes.txt"}
    assert not files.watching and len(added) == 2
    (tree / "pkg" / "sub" / "c.py").write_text("alpha again\n")
    assert set(grep_all(files, "alpha")) == {"pkg/a.py", "pkg/sub/c.py", "notes.txt"}


def test_lost_events_fall_back_to_stat(tree: Path) -> None:
    files = WorkspaceFiles(tree, SETTINGS)
    grep_all(files, "alpha")
    (tree / "pkg" / "a.py").write_text("omega = 1\n")
    (tree / "pkg" / "z.py").write_text("alpha_z = 1\n")
    tree_state = files._tree
    watch = tree_state.watch
    assert watch is not None
    assert watch.read()  # these events are lost ...
    with tree_state.lock:
        tree_state._apply(-1, file_listing.IN_Q_OVERFLOW, "")  # ... and the kernel says so
    assert set(grep_all(files, "alpha")) == {"notes.txt", "pkg/z.py"}


def test_close_stops_watching_but_not_seeing(tree: Path) -> None:
    files = WorkspaceFiles(tree, SETTINGS)
    grep_all(files, "alpha")
    files.close()
    assert not files.watching
    (tree / "pkg" / "b.py").write_text("alpha again\n")
    assert set(grep_all(files, "alpha")) == {"pkg/a.py", "pkg/b.py", "notes.txt"}


def test_a_fifo_in_place_of_a_file_does_not_hang(tree: Path) -> None:
    files = WorkspaceFiles(tree, SETTINGS)
    grep_all(files, "alpha")
    (tree / "pkg" / "a.py").unlink()
    os.mkfifo(tree / "pkg" / "a.py")
    assert files.view().text("pkg/a.py") is None
    assert "pkg/a.py" not in files.paths()


def test_texts_follow_the_read_rules(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    big = "x" * 2000 + "\n"
    write(root, {"ok.py": "héllo\n", "big.txt": big})
    (root / "bin.dat").write_bytes(b"abc\x00def")
    (root / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    settings = IndexSettings(max_file_bytes=1024)
    files = WorkspaceFiles(root, settings)
    view = files.view()
    assert view.paths == ["big.txt", "bin.dat", "latin.txt", "ok.py"]
    assert [view.text(rel) for rel in view.paths] == [None, None, None, "héllo\n"]
    assert view.containing(view.paths, "é".encode()) == ["ok.py"]
    assert view.containing(view.paths, b"abc") == ["bin.dat"]  # bytes only: text() says None
    assert view.containing(view.paths, None) == ["bin.dat", "latin.txt", "ok.py"]


def no_inotify() -> Any:
    raise OSError("no inotify here")
