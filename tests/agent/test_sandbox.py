"""The sandbox: a faithful snapshot (git and plain folders, unsaved buffers), the diff of
what happened in it, and a user folder and repository left exactly as they were."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.agent.test_file_listing import Counts, grep_all, no_inotify

from delegate.agent import file_listing
from delegate.agent.file_listing import WorkspaceFiles
from delegate.agent.sandbox import Sandbox, sandbox_parent
from delegate.proposals.changes import FileChange
from delegate.settings import IndexSettings, SandboxSettings

SETTINGS = IndexSettings()


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env.update({"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def fingerprint(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtime of every file outside .git (links not followed)."""
    found: dict[str, tuple[bytes, int]] = {}
    for directory, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            path = Path(directory) / name
            found[str(path.relative_to(folder))] = (path.read_bytes(), path.stat().st_mtime_ns)
    return found


def make_project(folder: Path) -> None:
    write(
        folder,
        {
            ".gitignore": "*.log\nbuild_out/\n",
            "app.py": "def main():\n    return 1\n",
            "lib/util.py": "X = 1\n",
            "lib/gone.py": "Y = 2\n",
            "data/blob.bin": b"\x00\x01\x02binary",
            "run.sh": "#!/bin/sh\necho hi\n",
            "debug.log": "ignored\n",
            "build_out/artifact.txt": "ignored\n",
            "node_modules/left-pad/index.js": "module.exports = 1\n",
            ".venv/pyvenv.cfg": "home = /usr\n",
            ".venv/lib/site.py": "# venv\n",
        },
    )
    (folder / "run.sh").chmod(0o755)


@pytest.fixture
def git_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    make_project(folder)
    (folder / ".gitignore").write_text("*.log\nbuild_out/\nnode_modules/\n.venv/\n")
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "init")
    # working-tree state the snapshot must reproduce
    (folder / "app.py").write_text("def main():\n    return 2  # edited, not committed\n")
    (folder / "lib" / "gone.py").unlink()
    write(folder, {"new_untracked.py": "Z = 3\n", "notes.log": "ignored too\n"})
    git(folder, "add", "new_untracked.py")
    write(folder, {"lib/also_new.py": "W = 4\n"})
    return folder


@pytest.fixture
def plain_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "plain"
    folder.mkdir()
    make_project(folder)
    return folder


async def test_git_snapshot_reproduces_the_working_tree(git_folder: Path) -> None:
    before = fingerprint(git_folder)
    worktrees_before = git(git_folder, "worktree", "list")
    overrides = {"lib/util.py": "X = 'unsaved'\n", "brand_new.py": "print('buffer')\n"}
    async with await Sandbox.create(git_folder, overrides, SETTINGS) as sbx:
        root = sbx.root
        assert root != git_folder and sbx.folder == git_folder.resolve()
        assert (root / "app.py").read_text().endswith("# edited, not committed\n")
        assert not (root / "lib" / "gone.py").exists()
        assert (root / "new_untracked.py").read_text() == "Z = 3\n"
        assert (root / "lib" / "also_new.py").read_text() == "W = 4\n"
        assert (root / "lib" / "util.py").read_text() == "X = 'unsaved'\n"
        assert (root / "brand_new.py").read_text() == "print('buffer')\n"
        assert not (root / "debug.log").exists() and not (root / "notes.log").exists()
        assert os.access(root / "run.sh", os.X_OK)
        assert (root / "node_modules").is_symlink() and (root / ".venv").is_symlink()
        assert (root / "node_modules" / "left-pad" / "index.js").is_file()
        assert sbx.changes() == []  # the snapshot is the base
        assert len(git(git_folder, "worktree", "list").splitlines()) == 2
    assert not sbx.temp_dir.exists()
    assert fingerprint(git_folder) == before
    assert git(git_folder, "worktree", "list") == worktrees_before
    assert len(worktrees_before.splitlines()) == 1
    assert not (git_folder / ".git" / "worktrees").exists() or not any(
        (git_folder / ".git" / "worktrees").iterdir()
    )


async def test_plain_folder_copy_honours_ignore_rules(plain_folder: Path) -> None:
    before = fingerprint(plain_folder)
    sbx = await Sandbox.create(plain_folder, {"app.py": "unsaved\n"}, SETTINGS)
    try:
        root = sbx.root
        assert (root / "app.py").read_text() == "unsaved\n"
        assert (root / "lib" / "gone.py").is_file()
        assert (root / "data" / "blob.bin").read_bytes() == b"\x00\x01\x02binary"
        assert not (root / "debug.log").exists()
        assert not (root / "build_out").exists()
        assert (root / "node_modules").is_symlink()
        assert (root / ".venv").is_symlink()
        assert os.access(root / "run.sh", os.X_OK)
    finally:
        await sbx.close()
    assert not sbx.temp_dir.exists()
    assert fingerprint(plain_folder) == before


@pytest.mark.parametrize("kind", ["git", "plain"])
async def test_changes_report_modify_create_delete(
    kind: str, git_folder: Path, plain_folder: Path
) -> None:
    folder = git_folder if kind == "git" else plain_folder
    async with await Sandbox.create(folder, {}, SETTINGS) as sbx:
        root = sbx.root
        base_main = (root / "app.py").read_text()
        (root / "app.py").write_text("def main():\n    return 42\n")
        (root / "lib" / "util.py").unlink()
        write(root, {"lib/created.py": "NEW = 1\n", "docs/guide.md": "# Guide\n"})
        # junk a test run leaves behind, ignored files and binaries are not changes
        write(
            root,
            {
                "lib/__pycache__/util.cpython-311.pyc": b"\x00pyc",
                ".pytest_cache/v/cache/lastfailed": "{}",
                "trace.log": "ignored by .gitignore\n",
                "data/new.bin": b"\x00\xff",
            },
        )
        (root / "data" / "blob.bin").write_bytes(b"\x00changed")
        assert sbx.changes() == [
            FileChange("app.py", base_main, "def main():\n    return 42\n"),
            FileChange("docs/guide.md", None, "# Guide\n"),
            FileChange("lib/created.py", None, "NEW = 1\n"),
            FileChange("lib/util.py", "X = 1\n", None),
        ]


async def test_keep_leaves_the_directory_but_not_the_worktree_entry(git_folder: Path) -> None:
    sbx = await Sandbox.create(git_folder, {}, SETTINGS, keep=True)
    await sbx.close()
    try:
        assert (sbx.root / "app.py").is_file()
        assert len(git(git_folder, "worktree", "list").splitlines()) == 1
    finally:
        shutil.rmtree(sbx.temp_dir)


async def test_folder_inside_a_repository(git_folder: Path) -> None:
    sub = git_folder / "lib"
    async with await Sandbox.create(sub, {"util.py": "X = 9\n"}, SETTINGS) as sbx:
        assert (sbx.root / "util.py").read_text() == "X = 9\n"
        assert (sbx.root / "also_new.py").is_file()
        assert sbx.changes() == []
        (sbx.root / "util.py").write_text("X = 10\n")
        assert [c.path for c in sbx.changes()] == ["util.py"]
    assert len(git(git_folder, "worktree", "list").splitlines()) == 1


async def test_repository_without_commits_is_copied(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir()
    write(folder, {"a.py": "A = 1\n"})
    git(folder, "init", "-q")
    async with await Sandbox.create(folder, {}, SETTINGS) as sbx:
        assert (sbx.root / "a.py").read_text() == "A = 1\n"


async def test_env_is_linked_only_when_it_is_a_virtualenv(tmp_path: Path) -> None:
    source_env = tmp_path / "src_env"
    write(source_env, {"env/settings.py": "DEBUG = True\n", "main.py": ""})
    venv_env = tmp_path / "venv_env"
    write(venv_env, {"env/pyvenv.cfg": "home = /usr\n", "main.py": ""})
    async with await Sandbox.create(source_env, {}, SETTINGS) as sbx:
        assert not (sbx.root / "env").is_symlink()
        assert (sbx.root / "env" / "settings.py").read_text() == "DEBUG = True\n"
    async with await Sandbox.create(venv_env, {}, SETTINGS) as sbx:
        assert (sbx.root / "env").is_symlink()


async def test_unsaved_buffer_outside_the_folder_is_left_out(plain_folder: Path) -> None:
    async with await Sandbox.create(plain_folder, {"../evil.py": "x"}, SETTINGS) as sbx:
        assert not (sbx.root.parent / "evil.py").exists()
        assert not (plain_folder.parent / "evil.py").exists()


@pytest.mark.parametrize("kind", ["git", "plain"])
async def test_base_is_the_snapshot_even_when_the_user_edits_afterwards(
    kind: str, git_folder: Path, plain_folder: Path
) -> None:
    folder = git_folder if kind == "git" else plain_folder
    async with await Sandbox.create(folder, {}, SETTINGS) as sbx:
        snapshot_text = (sbx.root / "lib" / "util.py").read_text()
        (folder / "lib" / "util.py").write_text("X = 'the user kept typing'\n")
        (folder / "lib" / "brand_new_by_user.py").write_text("U = 1\n")
        (sbx.root / "lib" / "util.py").write_text("X = 2\n")
        assert sbx.changes() == [FileChange("lib/util.py", snapshot_text, "X = 2\n")]
        assert sbx.base_text("lib/util.py") == snapshot_text


async def test_same_size_rewrite_with_restored_mtime_is_a_change(plain_folder: Path) -> None:
    async with await Sandbox.create(plain_folder, {}, SETTINGS) as sbx:
        target = sbx.root / "lib" / "util.py"
        # right after the snapshot (same clock tick), same length, old mtime put back
        stat = target.stat()
        target.write_text("X = 7\n")
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert target.stat().st_size == stat.st_size
        assert sbx.changes() == [FileChange("lib/util.py", "X = 1\n", "X = 7\n")]


async def test_unsaved_buffer_is_the_base_and_symlinked_files_are_copied(tmp_path: Path) -> None:
    folder = tmp_path / "proj"
    write(folder, {"real.py": "R = 1\n", "pkg/mod.py": "M = 1\n"})
    (folder / "alias.py").symlink_to(folder / "real.py")
    async with await Sandbox.create(folder, {"pkg/mod.py": "M = 'buffer'\n"}, SETTINGS) as sbx:
        assert sbx.base_text("pkg/mod.py") == "M = 'buffer'\n"
        assert (sbx.root / "alias.py").read_text() == "R = 1\n"
        assert not (sbx.root / "alias.py").is_symlink()
        assert sbx.changes() == []
        (sbx.root / "pkg" / "mod.py").write_text("M = 'agent'\n")
        assert sbx.changes() == [FileChange("pkg/mod.py", "M = 'buffer'\n", "M = 'agent'\n")]
    assert (folder / "pkg" / "mod.py").read_text() == "M = 1\n"


async def test_large_and_binary_files_are_copied_but_never_changes(tmp_path: Path) -> None:
    folder = tmp_path / "proj"
    big = "x" * 3000 + "\n"
    write(folder, {"big.txt": big, "img.bin": b"\x00\x01", "a.py": "A = 1\n"})
    settings = IndexSettings(max_file_bytes=2048)
    async with await Sandbox.create(folder, {}, settings) as sbx:
        assert (sbx.root / "big.txt").read_text() == big
        assert (sbx.root / "img.bin").read_bytes() == b"\x00\x01"
        (sbx.root / "big.txt").write_text("small now\n")
        (sbx.root / "img.bin").write_bytes(b"\x00\x02")
        (sbx.root / "a.py").write_text("A = 2\n")
        assert sbx.changes() == [FileChange("a.py", "A = 1\n", "A = 2\n")]


async def test_folder_ignored_by_the_enclosing_repository_is_copied(git_folder: Path) -> None:
    ignored = git_folder / "build_out"
    write(ignored, {"gen.py": "G = 1\n", "sub/more.py": "M = 1\n"})
    untracked = git_folder / "scratch"
    write(untracked, {"s.py": "S = 1\n"})
    for folder, name in ((ignored, "gen.py"), (ignored / "sub", "more.py"), (untracked, "s.py")):
        async with await Sandbox.create(folder, {}, SETTINGS) as sbx:
            assert (sbx.root / name).is_file(), folder
            assert sbx.changes() == []
            (sbx.root / name).write_text("CHANGED = 1\n")
            assert [c.path for c in sbx.changes()] == [name]
    assert len(git(git_folder, "worktree", "list").splitlines()) == 1


# --- where the sandbox is made ----------------------------------------------------------


def test_small_snapshot_goes_to_the_ram_dir(tmp_path: Path) -> None:
    folder, ram = tmp_path / "project", tmp_path / "ram"
    # node_modules is linked, not copied, so its 2 MiB do not count against the 1 MiB limit
    write(folder, {"a.py": "x = 1\n", "node_modules/big.js": "y" * (2 << 20)})
    ram.mkdir()
    placement = SandboxSettings(max_memory_mb=1)
    assert sandbox_parent(folder, IndexSettings(), placement, ram_dir=str(ram)) == str(ram)


def test_snapshot_over_the_memory_limit_goes_to_disk(tmp_path: Path) -> None:
    folder, ram = tmp_path / "project", tmp_path / "ram"
    write(folder, {"a.py": "x = 1\n", "data.txt": "z" * (2 << 20)})
    ram.mkdir()
    placement = SandboxSettings(max_memory_mb=1)
    assert sandbox_parent(folder, IndexSettings(), placement, ram_dir=str(ram)) is None
    never = SandboxSettings(max_memory_mb=0)
    assert sandbox_parent(folder, IndexSettings(), never, ram_dir=str(ram)) is None
    missing = str(tmp_path / "no-such-ram-dir")
    assert sandbox_parent(folder, IndexSettings(), SandboxSettings(), ram_dir=missing) is None


async def test_sandbox_is_made_in_the_configured_dir(tmp_path: Path) -> None:
    folder, chosen = tmp_path / "project", tmp_path / "sandboxes"
    write(folder, {"a.py": "x = 1\n"})
    chosen.mkdir()
    placement = SandboxSettings(dir=str(chosen))
    sandbox = await Sandbox.create(folder, {}, IndexSettings(), placement=placement)
    try:
        assert sandbox.root.is_relative_to(chosen)
        assert (sandbox.root / "a.py").read_text() == "x = 1\n"
    finally:
        await sandbox.close()
    assert list(chosen.iterdir()) == []


# --- what the sandbox hands to the tools --------------------------------------------


async def test_a_sandbox_hands_its_listing_and_bytes_to_the_tools(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "project"
    write(
        folder,
        {".gitignore": "*.log\n", "app.py": "alpha = 1\n", "lib/util.py": "beta\n", "x.log": ""},
    )
    counts = Counts(monkeypatch)
    async with await Sandbox.create(folder, {"lib/util.py": "alpha unsaved\n"}, SETTINGS) as box:
        walks_in_snapshot = counts.walks
        counts.reset()
        files = WorkspaceFiles(box.root, SETTINGS)  # as a task's ToolContext makes it
        assert files.watching
        found = grep_all(files, "alpha")
        assert found == {"app.py": "alpha = 1\n", "lib/util.py": "alpha unsaved\n"}
        assert files.paths() == [".gitignore", "app.py", "lib/util.py"]
        assert counts.walks == 0 and counts.reads == []
        (box.root / "app.py").write_text("alpha = 2\n")  # the agent's edit
        assert grep_all(files, "alpha")["app.py"] == "alpha = 2\n"
        assert counts.reads == ["app.py"]
        tree_state = files._tree
    assert walks_in_snapshot >= 1
    assert tree_state.watch is None  # closing the sandbox closed the watch
    assert WorkspaceFiles(box.root, SETTINGS)._tree is not tree_state


async def test_snapshot_texts_are_checked_by_stat_without_a_watch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without inotify the snapshot's bytes still save the reads, while stat says they
    are current."""
    folder = tmp_path / "project"
    write(folder, {"app.py": "alpha = 1\n", "lib/util.py": "alpha = 2\n"})
    monkeypatch.setattr(file_listing, "_inotify_libc", no_inotify)
    async with await Sandbox.create(folder, {}, SETTINGS) as box:
        files = WorkspaceFiles(box.root, SETTINGS)
        assert not files.watching
        counts = Counts(monkeypatch)
        assert set(grep_all(files, "alpha")) == {"app.py", "lib/util.py"}
        assert set(counts.reads) == box._racy  # only what stat cannot vouch for is read
        (box.root / "app.py").write_text("alpha = 3\n")  # same size, same tick
        assert grep_all(files, "alpha")["app.py"] == "alpha = 3\n"
