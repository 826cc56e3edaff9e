"""A private copy of the workspace for one task, and the diff of what the agent did to it.

The agent never writes the user's files (design invariant 2). :meth:`Sandbox.create`
snapshots the folder *as the editor has it* into a temporary directory: in a git repository
a detached ``git worktree`` of HEAD plus every working-tree change (modified, deleted and
untracked-but-not-ignored files are copied over), otherwise a copy of the files the index's
ignore rules keep. Unsaved editor buffers (``overrides``) are written on top. Heavy
dependency folders (``node_modules``, virtualenvs) are symlinked rather than copied, and
:func:`delegate.agent.paths.resolve_inside` refuses paths through those links, so nothing
can write into the user's folder through them.

The text of every file right after the snapshot is kept in memory as the base of
:meth:`Sandbox.changes`, which reports modified, created and deleted text files, leaving
out binary files and the junk test runs leave behind (``__pycache__``, ``.pytest_cache``).
:meth:`Sandbox.close` removes the directory and the worktree registration, so the user's
repository is left exactly as it was.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from delegate.agent.file_listing import list_workspace_files
from delegate.agent.paths import PathEscape, resolve_inside
from delegate.proposals.changes import FileChange
from delegate.settings import IndexSettings

log = logging.getLogger(__name__)

# linked, not copied; "env" only when it holds a virtualenv
HEAVY_DIRS = ("node_modules", ".venv", "venv", "env")
VENV_MARKER = "pyvenv.cfg"
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
JUNK_NAMES = frozenset({".coverage", ".DS_Store"})
BINARY_SNIFF_BYTES = 8192
COPY_WORKERS = 8
_GIT_ENV_DROP = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")


class SandboxError(RuntimeError):
    """The snapshot could not be made."""


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
        self._base: dict[str, str] = {}
        self._opaque: set[str] = set()  # binary, undecodable or too large at snapshot time
        self._closed = False

    @classmethod
    async def create(
        cls,
        folder: Path,
        overrides: Mapping[str, str],
        settings: IndexSettings,
        *,
        keep: bool = False,
    ) -> Sandbox:
        """Snapshot ``folder`` with ``overrides`` (relative path → unsaved text) applied."""
        return await asyncio.to_thread(cls._create_sync, folder, overrides, settings, keep)

    @classmethod
    def _create_sync(
        cls, folder: Path, overrides: Mapping[str, str], settings: IndexSettings, keep: bool
    ) -> Sandbox:
        folder = folder.resolve()
        if not folder.is_dir():
            raise SandboxError(f"{folder} is not a directory")
        temp_dir = Path(tempfile.mkdtemp(prefix="delegate-sbx-"))
        worktree: _Worktree | None = None
        try:
            toplevel = _git_toplevel(folder)
            if toplevel is not None:
                worktree = _Worktree(toplevel, temp_dir / "tree")
                _add_worktree(worktree)
                root = worktree.path / folder.relative_to(toplevel)
                _copy_working_changes(toplevel, worktree.path, folder.relative_to(toplevel))
            else:
                root = temp_dir / "tree"
                _copy_tree(folder, root, list_workspace_files(folder, settings))
            root.mkdir(parents=True, exist_ok=True)
            _link_heavy_dirs(folder, root)
            _write_overrides(root, overrides)
            sandbox = cls(
                folder=folder,
                root=root,
                temp_dir=temp_dir,
                settings=settings,
                worktree=worktree,
                keep=keep,
            )
            sandbox._record_base()
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
        return self._base.get(path)

    def changes(self) -> list[FileChange]:
        """What differs between the sandbox and its snapshot, sorted by path."""
        current = dict(_text_files(self.root, self.settings.max_file_bytes))
        changes: list[FileChange] = []
        for path, base in self._base.items():
            if path not in current:
                if not os.path.lexists(self.root / path):
                    changes.append(FileChange(path, base, None))
            elif current[path] != base:
                changes.append(FileChange(path, base, current[path]))
        new = current.keys() - self._base.keys() - self._opaque
        if new:
            kept = set(list_workspace_files(self.root, self.settings))
            changes.extend(FileChange(path, None, current[path]) for path in new if path in kept)
        return sorted(changes, key=lambda change: change.path)

    async def close(self) -> None:
        """Remove the sandbox (or, with ``keep``, leave it and log where it is)."""
        if self._closed:
            return
        self._closed = True
        if self.keep:
            await asyncio.to_thread(_detach_kept, self._worktree)
            log.info("sandbox kept at %s", self.root)
        else:
            await asyncio.to_thread(_remove, self.temp_dir, self._worktree)

    def _record_base(self) -> None:
        for path, text in _text_files(self.root, self.settings.max_file_bytes, self._opaque):
            self._base[path] = text


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


def _copy_tree(folder: Path, root: Path, files: list[str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for directory in sorted({os.path.dirname(path) for path in files} - {""}):
        (root / directory).mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(COPY_WORKERS) as pool:
        # shutil.copy keeps the executable bit; list() surfaces the first error
        list(pool.map(lambda path: shutil.copy(folder / path, root / path), files))


def _link_heavy_dirs(folder: Path, root: Path) -> None:
    for name in HEAVY_DIRS:
        source = folder / name
        if not source.is_dir() or os.path.lexists(root / name):
            continue
        if name == "env" and not (source / VENV_MARKER).is_file():
            continue
        (root / name).symlink_to(source.resolve(), target_is_directory=True)


def _write_overrides(root: Path, overrides: Mapping[str, str]) -> None:
    for rel, text in overrides.items():
        try:
            target = resolve_inside(root, rel)
        except PathEscape as exc:
            log.warning("unsaved buffer %r left out of the sandbox: %s", rel, exc)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="") as f:
            f.write(text)


def _is_junk(name: str, is_dir: bool) -> bool:
    if is_dir:
        return name in JUNK_DIRS or name.endswith(JUNK_SUFFIXES)
    return name in JUNK_NAMES or name.endswith(JUNK_SUFFIXES)


def _text_files(
    root: Path, max_bytes: int, opaque: set[str] | None = None
) -> Iterator[tuple[str, str]]:
    """(relative path, text) of every regular text file, skipping junk and symlinks.

    Files that are binary, undecodable or larger than ``max_bytes`` are added to ``opaque``.
    """
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [
            d
            for d in dirnames
            if not _is_junk(d, True) and not os.path.islink(os.path.join(directory, d))
        ]
        rel_dir = os.path.relpath(directory, root)
        for name in filenames:
            if _is_junk(name, False) or name == ".git":
                continue
            full = os.path.join(directory, name)
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            text = _read_text(full, max_bytes)
            if text is None:
                if opaque is not None:
                    opaque.add(rel)
                continue
            yield rel, text


def _read_text(path: str, max_bytes: int) -> str | None:
    if os.path.islink(path):
        return None
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError:
        return None
    if len(data) > max_bytes or b"\x00" in data[:BINARY_SNIFF_BYTES]:
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


def _detach_kept(worktree: _Worktree | None) -> None:
    """Keep the files but drop the worktree's registration from the user's repository."""
    if worktree is None:
        return
    link = worktree.path / ".git"
    if link.is_file():
        link.unlink()
    _git(worktree.toplevel, "worktree", "prune", check=False)
