"""A private copy of the workspace for one task, and the diff of what the agent did to it.

The agent never writes the user's files (design invariant 2). :meth:`Sandbox.create`
snapshots the folder *as the editor has it* into a temporary directory: in a git repository
a detached ``git worktree`` of HEAD plus every working-tree change (modified, deleted and
untracked-but-not-ignored files are copied over), otherwise a copy of the files the index's
ignore rules keep. Unsaved editor buffers (``overrides``) are written on top. Heavy
dependency folders (``node_modules``, virtualenvs) are symlinked rather than copied, and
:func:`delegate.agent.paths.resolve_inside` refuses paths through those links, so nothing
can write into the user's folder through them.

The bytes of every file right after the snapshot are kept in memory as the base of
:meth:`Sandbox.changes` (a plain copy reads each file once and writes it from memory; the
user's folder may change while the task runs, so the base cannot be read from it later).
With them the sandbox copy's ``lstat`` (size, mtime, ctime, inode) is recorded, so
:meth:`Sandbox.changes` reads only the files whose ``lstat`` differs — or whose times are not
older than the end of the snapshot ("racy", as git calls it: a rewrite within the same
clock tick would keep them). It reports modified, created and deleted text files, leaving
out binary files and the junk test runs leave behind (``__pycache__``, ``.pytest_cache``).
The same bytes, with a listing of the copy, are handed to the agent's file tools
(:class:`delegate.agent.file_listing.WorkspaceFiles`), so their first ``grep`` need not
walk and read the copy again.
:meth:`Sandbox.close` removes the directory and the worktree registration, so the user's
repository is left exactly as it was; :mod:`delegate.agent.sandbox_registry` records each
sandbox before it exists, so what a killed process left is removed at the next start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import posixpath
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from delegate.agent.file_listing import (
    Key,
    SnapshotFile,
    WorkspaceFiles,
    iter_workspace_files,
    list_workspace_files,
    read_regular_file,
    stat_key,
)
from delegate.agent.paths import PathEscape, relative_posix, resolve_inside
from delegate.agent.sandbox_registry import forget_sandbox, make_sandbox_dir
from delegate.proposals.changes import FileChange
from delegate.settings import IndexSettings, SandboxSettings

log = logging.getLogger(__name__)

# linked, not copied; "env" only when it holds a virtualenv
HEAVY_DIRS = ("node_modules", ".venv", "venv", "env")
VENV_MARKER = "pyvenv.cfg"
RAM_DIR = "/dev/shm"  # a tmpfs on Linux; see sandbox_parent
# left behind by test runs and tools; never part of a change
JUNK_DIRS = frozenset(
    {
        ".git",
        "__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".hypothesis",
        ".tox",
        ".nox",
        ".eggs",
        ".delegate",
        ".coverage_html",
        "htmlcov",
    }
)
JUNK_SUFFIXES = (".pyc", ".pyo", ".egg-info")
JUNK_NAMES = frozenset({".git", ".coverage", ".DS_Store"})  # .git: a worktree's link file
BINARY_SNIFF_BYTES = 8192
COPY_WORKERS = 1  # threads did not help: creating files is kernel time (see bench)
_GIT_ENV_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")


class SandboxError(RuntimeError):
    """The snapshot could not be made."""


_Key = Key  # lstat: size, mtime_ns, ctime_ns, inode
_Copy = tuple[bytes | None, _Key]  # snapshot bytes (None above max_file_bytes), the copy's key


@dataclass(frozen=True)
class _Worktree:
    """A git worktree registered in the user's repository for this sandbox."""

    toplevel: Path  # the user's repository root
    path: Path  # the worktree's root (the sandbox root may be a subfolder of it)


class Sandbox:
    """One task's private working tree; use ``async with await Sandbox.create(...)``."""

    def __init__(
        self,
        *,
        folder: Path,
        root: Path,
        temp_dir: Path,
        settings: IndexSettings,
        worktree: _Worktree | None,
        keep: bool,
    ) -> None:
        self.folder = folder
        self.root = root
        self.temp_dir = temp_dir
        self.settings = settings
        self.keep = keep
        self._worktree = worktree
        self._base: dict[str, bytes] = {}  # snapshot bytes of every file up to max_file_bytes
        self._stats: dict[str, _Key] = {}  # the sandbox copy's lstat right after the snapshot
        self._racy: set[str] = set()  # changed in the snapshot's last clock tick: always read
        self._opaque: set[str] = set()  # larger than max_file_bytes at snapshot time
        self._files: WorkspaceFiles | None = None  # what grep starts from (see _share_files)
        self._closed = False

    @classmethod
    async def create(
        cls,
        folder: Path,
        overrides: Mapping[str, str],
        settings: IndexSettings,
        *,
        keep: bool = False,
        placement: SandboxSettings | None = None,
    ) -> Sandbox:
        """Snapshot ``folder`` with ``overrides`` (relative path → unsaved text) applied.

        ``placement`` says where the copy goes (see :func:`sandbox_parent`).
        """
        return await asyncio.to_thread(
            cls._create_sync, folder, overrides, settings, keep, placement or SandboxSettings()
        )

    @classmethod
    def _create_sync(
        cls,
        folder: Path,
        overrides: Mapping[str, str],
        settings: IndexSettings,
        keep: bool,
        placement: SandboxSettings,
    ) -> Sandbox:
        folder = folder.resolve()
        if not folder.is_dir():
            raise SandboxError(f"{folder} is not a directory")
        parent = sandbox_parent(folder, settings, placement)
        toplevel = _git_toplevel(folder)
        if toplevel is not None and _outside_history(toplevel, folder):
            toplevel = None
        # recorded before it exists, so a crash leaves nothing the next start cannot find
        temp_dir = make_sandbox_dir(folder, parent, toplevel)
        worktree: _Worktree | None = None
        try:
            if toplevel is not None:
                worktree = _Worktree(toplevel, temp_dir / "tree")
                _add_worktree(worktree)
                root = worktree.path / folder.relative_to(toplevel)
                _copy_working_changes(toplevel, worktree.path, folder.relative_to(toplevel))
                root.mkdir(parents=True, exist_ok=True)
                snapshot = None
            else:
                root = temp_dir / "tree"
                snapshot = _copy_tree(folder, root, settings)
            _link_heavy_dirs(folder, root)
            written = _write_overrides(root, overrides)
            if snapshot is None:
                snapshot = _scan_tree(root, settings.max_file_bytes)
            else:
                for rel in written:
                    if (
                        not _is_junk_path(rel)
                        and (copy := _read_file(root / rel, settings.max_file_bytes)) is not None
                    ):
                        snapshot[rel] = copy
            sandbox = cls(
                folder=folder,
                root=root,
                temp_dir=temp_dir,
                settings=settings,
                worktree=worktree,
                keep=keep,
            )
            sandbox._record(snapshot, _clock_tick(temp_dir))
            sandbox._share_files()
        except BaseException:
            _remove(temp_dir, worktree)
            raise
        log.info("sandbox for %s at %s (%s)", folder, root, "git" if worktree else "copy")
        return sandbox

    async def __aenter__(self) -> Sandbox:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def base_text(self, path: str) -> str | None:
        """The snapshot text of ``path`` (relative POSIX), None when absent or not text."""
        data = self._base.get(path)
        return None if data is None else _as_text(data)

    def changes(self) -> list[FileChange]:
        """What differs between the sandbox and its snapshot, sorted by path."""
        max_bytes = self.settings.max_file_bytes
        changes: list[FileChange] = []
        created: list[tuple[str, str]] = []
        seen: set[str] = set()
        for rel, entry in _walk_files(self.root):
            seen.add(rel)
            if rel in self._opaque:
                continue
            base = self._base.get(rel)
            if base is not None and rel not in self._racy:
                try:
                    if stat_key(entry.stat(follow_symlinks=False)) == self._stats[rel]:
                        continue
                except OSError:
                    continue
            current = _read_file(Path(entry.path), max_bytes)
            if current is None or current[0] is None or current[0] == base:
                continue
            new_text = _as_text(current[0])
            if new_text is None:
                continue
            if base is None:
                created.append((rel, new_text))
            elif (old_text := _as_text(base)) is not None:
                changes.append(FileChange(rel, old_text, new_text))
        for rel, base in self._base.items():
            gone = rel not in seen and not os.path.lexists(self.root / rel)
            if gone and (old_text := _as_text(base)) is not None:
                changes.append(FileChange(rel, old_text, None))
        if created:
            kept = set(list_workspace_files(self.root, self.settings))
            changes.extend(FileChange(rel, None, text) for rel, text in created if rel in kept)
        return sorted(changes, key=lambda change: change.path)

    async def close(self) -> None:
        """Remove the sandbox (or, with ``keep``, leave it and log where it is)."""
        if self._closed:
            return
        self._closed = True
        if self._files is not None:
            self._files.close()
        if self.keep:
            await asyncio.to_thread(_detach_kept, self._worktree)
            forget_sandbox(self.temp_dir)
            log.info("sandbox kept at %s", self.root)
        else:
            await asyncio.to_thread(_remove, self.temp_dir, self._worktree)

    def _share_files(self) -> None:
        """List the sandbox for the tools and hand them the snapshot's bytes, so that their
        first ``grep`` reads nothing: ``WorkspaceFiles(root, settings)`` made while the
        sandbox is open shares this listing (see :class:`WorkspaceFiles`)."""
        files = {
            rel: SnapshotFile(self._base.get(rel), key, rel not in self._racy)
            for rel, key in self._stats.items()
        }
        try:
            self._files = WorkspaceFiles.for_snapshot(self.root, self.settings, files)
        except Exception:  # the tools then list and read the sandbox themselves
            log.warning("could not hand the snapshot to the tools", exc_info=True)

    def _record(self, snapshot: Mapping[str, _Copy], tick_ns: int) -> None:
        for rel, (data, key) in snapshot.items():
            self._stats[rel] = key
            if data is None:
                self._opaque.add(rel)
            else:
                self._base[rel] = data
            if max(key[1], key[2]) >= tick_ns:
                self._racy.add(rel)


# --- snapshot helpers -------------------------------------------------------------------


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV_DROP}
    env.update({"GIT_LFS_SKIP_SMUDGE": "1", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    # hooks of the user's repository must not run for our worktree
    argv = ["git", "-c", "core.hooksPath=/dev/null", *args]
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
    if check and result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise SandboxError(f"git {args[0]} failed: {message}")
    return result


def _git_toplevel(folder: Path) -> Path | None:
    """The repository root when ``folder`` is in a git repository with a commit."""
    if shutil.which("git") is None:
        return None
    top = _git(folder, "rev-parse", "--show-toplevel", check=False)
    if top.returncode != 0:
        return None
    head = _git(folder, "rev-parse", "--verify", "--quiet", "HEAD", check=False)
    if head.returncode != 0:
        return None  # no commit yet: nothing to check out, copy instead
    return Path(top.stdout.decode().strip()).resolve()


def _outside_history(toplevel: Path, folder: Path) -> bool:
    """Whether the repository ignores ``folder`` or HEAD has nothing in it.

    A worktree of HEAD would then hold none of its files (an ignored folder's files are
    not even listed as untracked), so the folder is copied like any plain folder.
    """
    subdir = folder.relative_to(toplevel).as_posix()
    if subdir == ".":
        return False
    if _git(toplevel, "check-ignore", "-q", "--", subdir, check=False).returncode == 0:
        return True
    tree = _git(toplevel, "ls-tree", "--name-only", "HEAD", "--", subdir, check=False)
    return tree.returncode != 0 or not tree.stdout.strip()


def _add_worktree(worktree: _Worktree) -> None:
    _git(worktree.toplevel, "worktree", "add", "--detach", "--quiet", str(worktree.path), "HEAD")


def _copy_working_changes(toplevel: Path, tree: Path, subdir: Path) -> None:
    """Bring the worktree (a clean HEAD) up to the user's working tree under ``subdir``."""
    status = _git(
        toplevel,
        "--no-optional-locks",
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--no-renames",
        "--ignore-submodules=all",
        "--",
        subdir.as_posix() or ".",
    )
    entries = [e for e in status.stdout.decode("utf-8", "surrogateescape").split("\0") if e]
    for entry in entries:
        rel = entry[3:]
        if entry.startswith("??") and _skipped_untracked(rel):
            continue
        source, target = toplevel / rel, tree / rel
        if source.is_symlink() or source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink() or target.is_file():
                target.unlink()
            shutil.copy(source, target, follow_symlinks=False)
        elif not source.exists() and (target.is_symlink() or target.is_file()):
            target.unlink()


def _skipped_untracked(rel: str) -> bool:
    """Untracked files in dependency or junk folders that no .gitignore mentions."""
    parts = rel.split("/")
    return parts[0] in HEAVY_DIRS or any(_is_junk(part, True) for part in parts[:-1])


def sandbox_parent(
    folder: Path, settings: IndexSettings, placement: SandboxSettings, *, ram_dir: str = RAM_DIR
) -> str | None:
    """The directory to make the sandbox in; None means the system's temporary directory.

    Creating thousands of files is mostly kernel work, and on a disk-backed temp directory it
    is slow and erratic (a copy of Django took 0.7–12 s on the same machine, depending on
    write-back). A RAM-backed tmpfs makes it fast and steady, so a snapshot goes there when it
    is small enough (``sandbox.max_memory_mb``) and leaves the tmpfs at least half free. The
    estimate is the size of the files the ignore rules keep; dependency folders are linked,
    not copied, so they do not count.
    """
    if placement.dir:
        return placement.dir
    limit = placement.max_memory_mb << 20
    if limit <= 0 or not os.path.isdir(ram_dir) or not os.access(ram_dir, os.W_OK):
        return None
    estimate = 0
    for _, full in iter_workspace_files(folder, settings):
        try:
            estimate += os.stat(full).st_size
        except OSError:
            continue
        if estimate > limit:
            return None
    try:
        free = shutil.disk_usage(ram_dir).free
    except OSError:
        return None
    return ram_dir if estimate * 2 <= free else None


def _copy_tree(folder: Path, root: Path, settings: IndexSettings) -> dict[str, _Copy]:
    """Copy the files the ignore rules keep; their bytes and keys, junk left out."""
    files = list(iter_workspace_files(folder, settings))
    root.mkdir(parents=True)
    for directory in sorted({posixpath.dirname(rel) for rel, _ in files} - {""}):
        os.makedirs(root / directory, exist_ok=True)
    target = str(root)
    max_bytes = settings.max_file_bytes

    def copy(item: tuple[str, str]) -> _Copy:
        return _copy_file(item[1], os.path.join(target, item[0]), max_bytes)

    if COPY_WORKERS > 1:
        with ThreadPoolExecutor(COPY_WORKERS) as pool:
            copies = list(pool.map(copy, files, chunksize=64))
    else:
        copies = [copy(item) for item in files]
    return {rel: c for (rel, _), c in zip(files, copies, strict=True) if not _is_junk_path(rel)}


def _copy_file(source: str, target: str, max_bytes: int) -> _Copy:
    """Copy one file (symlinks followed), keeping its bytes when they fit ``max_bytes``.

    Reading into memory and writing from it is as fast as an in-kernel copy for source
    files and gives the snapshot base for free. The permission bits are kept (less umask).
    """
    fd_in = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
    try:
        stat = os.fstat(fd_in)
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        fd_out = os.open(target, flags, stat.st_mode & 0o777)
        try:
            data: bytes | None = None
            if stat.st_size <= max_bytes:
                data = _read_all(fd_in, stat.st_size)
                _write_all(fd_out, data)
                if len(data) > max_bytes:
                    data = None
            else:
                while os.sendfile(fd_out, fd_in, None, 1 << 30):
                    pass
            return data, stat_key(os.fstat(fd_out))
        finally:
            os.close(fd_out)
    finally:
        os.close(fd_in)


def _read_all(fd: int, size: int) -> bytes:
    data = os.read(fd, size + 1)
    if len(data) <= size:  # a regular file returns less only at its end
        return data
    chunks = [data]
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _link_heavy_dirs(folder: Path, root: Path) -> None:
    for name in HEAVY_DIRS:
        source = folder / name
        if not source.is_dir() or os.path.lexists(root / name):
            continue
        if name == "env" and not (source / VENV_MARKER).is_file():
            continue
        (root / name).symlink_to(source.resolve(), target_is_directory=True)


def _write_overrides(root: Path, overrides: Mapping[str, str]) -> list[str]:
    """Write the unsaved buffers; their relative POSIX paths."""
    written: list[str] = []
    for rel, text in overrides.items():
        try:
            target = resolve_inside(root, rel)
        except PathEscape as exc:
            log.warning("unsaved buffer %r left out of the sandbox: %s", rel, exc)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        written.append(relative_posix(root, target))
    return written


def _is_junk(name: str, is_dir: bool) -> bool:
    if is_dir:
        return name in JUNK_DIRS or name.endswith(JUNK_SUFFIXES)
    return name in JUNK_NAMES or name.endswith(JUNK_SUFFIXES)


def _is_junk_path(rel: str) -> bool:
    *dirs, name = rel.split("/")
    return any(_is_junk(part, True) for part in dirs) or _is_junk(name, False)


def _walk_files(root: Path) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(relative POSIX path, entry) of every regular file, outside junk and linked folders."""
    stack = [(str(root), "")]
    while stack:
        directory, rel_dir = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not _is_junk(entry.name, True):
                        stack.append((entry.path, rel))
                elif entry.is_file(follow_symlinks=False) and not _is_junk(entry.name, False):
                    yield rel, entry
            except OSError:
                continue


def _scan_tree(root: Path, max_bytes: int) -> dict[str, _Copy]:
    """The snapshot of a tree already in place (a git worktree)."""
    found: dict[str, _Copy] = {}
    for rel, entry in _walk_files(root):
        copy = _read_file(Path(entry.path), max_bytes)
        if copy is not None:
            found[rel] = copy
    return found


def _read_file(path: Path, max_bytes: int) -> _Copy | None:
    """Bytes (None above ``max_bytes``) and key of a regular file, not followed if a link;
    None for anything else."""
    read = read_regular_file(path, max_bytes, follow_links=False)
    return None if read is None else (read[0], stat_key(read[1]))


def _clock_tick(temp_dir: Path) -> int:
    """The file system's time now: files stamped at or after it may change unseen."""
    stamp = temp_dir / ".snapshot-stamp"
    stamp.touch()
    stat = stamp.stat()
    return min(stat.st_mtime_ns, stat.st_ctime_ns)


def _as_text(data: bytes) -> str | None:
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


# --- clean-up ---------------------------------------------------------------------------


def _remove(temp_dir: Path, worktree: _Worktree | None) -> None:
    if worktree is not None:
        _git(
            worktree.toplevel,
            "worktree",
            "remove",
            "--force",
            "--force",
            str(worktree.path),
            check=False,
        )
        _git(worktree.toplevel, "worktree", "prune", check=False)
    shutil.rmtree(temp_dir, ignore_errors=True)
    forget_sandbox(temp_dir)


def _detach_kept(worktree: _Worktree | None) -> None:
    """Keep the files but drop the worktree's registration from the user's repository."""
    if worktree is None:
        return
    link = worktree.path / ".git"
    if link.is_file():
        link.unlink()
    _git(worktree.toplevel, "worktree", "prune", check=False)
