"""Every file of a folder that its ignore rules keep, whatever its language or size.

The index's :func:`delegate.index.files.walk_folder` lists *indexable* files: it drops
names without a language and files above ``index.max_file_bytes``. A sandbox copy and the
agent's ``grep`` need every file the project considers its own (data files, fixtures,
``setup.cfg``), but under the very same ignore rules, so this walker reuses the index's
:mod:`delegate.index.ignore_rules` (``.ignore``/``.gitignore`` layers, built-in excludes
such as ``node_modules`` and virtualenvs, ``index.exclude``) and leaves out only the
language and size filters. Symlinks are listed only while they stay inside the folder.

:class:`WorkspaceFiles` serves one task's tools, so that a ``grep`` per turn neither walks
nor reads the tree again. A sandbox hands it the listing it makes right after the snapshot
and the snapshot's bytes (:meth:`WorkspaceFiles.for_snapshot`), so even the first ``grep``
reads nothing. After that it must notice every change, whoever makes it — the agent's
editor, a test run, a command — at the next call. On Linux it watches each listed directory
with inotify: a call with nothing changed costs one ``read`` of the event queue, an event
drops just the file it names, and a file that appears or goes is added to or taken from the
listing; only new or removed directories and links and changed ignore files make it walk
the tree again. Without inotify (another system, its limits reached, or after
:meth:`WorkspaceFiles.close`) it falls back to ``stat``: the listing is kept while no
directory and no ignore file changed its mtime, a file's bytes while its ``stat`` stays the
same; anything whose time lies within :data:`RACY_NS` of when it was seen is not trusted,
because a change in the same clock tick would leave the times as they were.

Texts are kept as bytes and decoded when first searched: ``grep`` asks
:meth:`FilesView.containing` for the files whose bytes hold a literal its pattern requires,
which is a substring search instead of a regex over every text (36 MB on Django) for a
pattern found nowhere.
"""

from __future__ import annotations

import ctypes
import logging
import os
import struct
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG
from typing import Any

from delegate.index.ignore_rules import IGNORE_FILES, IgnoreLayer, IgnoreRules, read_layers
from delegate.settings import IndexSettings

log = logging.getLogger(__name__)


def list_workspace_files(folder: Path, settings: IndexSettings) -> list[str]:
    """Sorted POSIX paths, relative to ``folder``, of the files its ignore rules keep."""
    return sorted(rel for rel, _ in iter_workspace_files(folder, settings))


def iter_workspace_files(folder: Path, settings: IndexSettings) -> Iterator[tuple[str, str]]:
    """(relative POSIX path, full path) of each file the ignore rules keep, in walk order."""
    for rel, full, _ in _walk(folder, settings):
        yield rel, full


def _walk(
    folder: Path | str,
    settings: IndexSettings,
    on_directory: Callable[[str, str], None] | None = None,
    layers_out: dict[str, list[IgnoreLayer]] | None = None,
) -> Iterator[tuple[str, str, bool]]:
    """(relative path, full path, is a symlink) of each file the ignore rules keep.

    ``on_directory(full, rel)`` sees each directory before its ignore files and entries are
    read; ``layers_out`` receives the ignore layers that apply inside each directory.
    """
    rules = IgnoreRules(exclude=settings.exclude)
    root = os.path.abspath(folder)
    root_real = os.path.realpath(root)
    visited = {root_real}
    # (path, relative path, real path, ignore layers of the parents)
    stack: list[tuple[str, str, str, list[IgnoreLayer]]] = [(root, "", root_real, [])]
    while stack:
        directory, rel_dir, directory_real, parent_layers = stack.pop()
        if on_directory is not None:
            on_directory(directory, rel_dir)
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        # most directories have no ignore file: looking in the listing saves two failed opens
        if any(entry.name in IGNORE_FILES for entry in entries):
            layers = read_layers(directory, rel_dir) + parent_layers
        else:
            layers = parent_layers
        if layers_out is not None:
            layers_out[rel_dir] = layers
        for entry in entries:
            if entry.name == ".git":  # a directory, or a worktree's link file
                continue
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_dir = entry.is_dir()
                is_file = not is_dir and entry.is_file()
                real = os.path.realpath(entry.path) if entry.is_symlink() else None
            except OSError:
                continue
            if real is not None and not _inside(real, root_real):
                continue
            if is_dir:
                if rules.skip_reason(rel, True, layers, entry.path):
                    continue
                # not a link: its real path follows from its parent's, without the lstat
                # of every component that realpath() costs (most of a walk's time)
                key = real or os.path.join(directory_real, entry.name)
                if key not in visited:
                    visited.add(key)
                    stack.append((entry.path, rel, key, layers))
            elif is_file and not rules.skip_reason(rel, False, layers):
                yield rel, entry.path, real is not None


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


# Linux stamps files from a clock that lags by at most a tick (1–10 ms); 100 ms leaves room.
# File systems with coarser times (FAT: 2 s, HFS+: 1 s) are not fit for the sandbox.
RACY_NS = 100_000_000
TEXT_CACHE_CHARS = 64 << 20  # bytes read and characters decoded, kept per workspace at most
BINARY_SNIFF_BYTES = 8192
MAX_GLOB_MEMOS = 16

Key = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


@dataclass(frozen=True)
class SnapshotFile:
    """A file's bytes as a snapshot took them (None above ``max_file_bytes``), with the
    ``stat`` key it had then and whether that key can be trusted to change with the bytes
    (False when its times fell in the snapshot's last clock tick)."""

    data: bytes | None
    key: Key
    settled: bool


class WorkspaceFiles:
    """The file list and texts of one folder, re-read only when they change.

    Every instance made for the same folder while a snapshot's instance is open
    (:meth:`for_snapshot`) shares that instance's listing, texts and watch.
    """

    def __init__(self, folder: Path, settings: IndexSettings, *, watch: bool = True) -> None:
        self.folder = folder
        self.settings = settings
        shared = _SNAPSHOTS.get(os.path.abspath(folder))
        if shared is not None and shared.settings == settings:
            self._tree = shared
        else:
            self._tree = _Tree(os.path.abspath(folder), settings, watch=watch)

    @classmethod
    def for_snapshot(
        cls,
        folder: Path,
        settings: IndexSettings,
        files: Mapping[str, SnapshotFile],
        *,
        watch: bool = True,
    ) -> WorkspaceFiles:
        """List ``folder`` now (watching it where the system allows) and take the texts from
        a snapshot that was just made of it, instead of reading them again.

        Nothing may change ``folder`` between the snapshot and this call. Until
        :meth:`close`, ``WorkspaceFiles(folder, settings)`` shares this instance's state.
        """
        tree = _Tree(os.path.abspath(folder), settings, watch=watch)
        with tree.lock:
            tree.refresh()
            tree.seed(files)
        _SNAPSHOTS[tree.folder] = tree
        return cls(folder, settings, watch=watch)

    @property
    def watching(self) -> bool:
        """Whether changes are learnt from the kernel (inotify) rather than by ``stat``."""
        return self._tree.watch is not None

    def view(self) -> FilesView:
        """The files as they are now: changes since the last view are taken in first."""
        tree = self._tree
        with tree.lock:
            tree.refresh()
            return FilesView(tree, tree.paths)

    def paths(self) -> list[str]:
        """Sorted relative POSIX paths of the files the ignore rules keep (a shared list)."""
        return self.view().paths

    def text(self, rel: str) -> str | None:
        """The UTF-8 text of ``rel``; None when missing, binary or over ``max_file_bytes``."""
        return self.view().text(rel)

    def glob_memo(self, glob: str) -> dict[str, bool]:
        """A place to remember which paths match ``glob`` (a pure function of the path)."""
        globs = self._tree.globs
        memo = globs.get(glob)
        if memo is None:
            if len(globs) >= MAX_GLOB_MEMOS:
                globs.clear()
            memo = globs[glob] = {}
        return memo

    def close(self) -> None:
        """Stop watching (later calls check by ``stat``) and stop sharing this state."""
        with self._tree.lock:
            self._tree.close()


class FilesView:
    """The listing at one moment and the texts behind it, for one tool call."""

    def __init__(self, tree: _Tree, paths: list[str]) -> None:
        self._tree = tree
        self.paths = paths

    def text(self, rel: str) -> str | None:
        """The text of ``rel`` (see :meth:`WorkspaceFiles.text`)."""
        tree = self._tree
        with tree.lock:
            return tree.text(rel)

    def containing(
        self, rels: Iterable[str], needle: bytes | None, *, any_case: bool = False
    ) -> list[str]:
        """Those of ``rels`` that have a text whose UTF-8 bytes contain ``needle`` (any
        text when None; with ``any_case``, bytes and ``needle`` compared with ASCII letters
        lowered). A text contains a string exactly when its encoding contains the string's,
        so the files left out need neither decoding nor a regex."""
        tree = self._tree
        with tree.lock:
            return tree.containing(rels, needle, any_case)


_SNAPSHOTS: weakref.WeakValueDictionary[str, _Tree] = weakref.WeakValueDictionary()


class _Entry:
    """One file's cached bytes and, once asked for, its text."""

    __slots__ = ("data", "decoded", "key", "lowered", "seeded", "settled", "text")

    def __init__(self, data: bytes | None, key: Key, settled: bool, seeded: bool) -> None:
        self.data = data  # None: too large (or unreadable)
        self.key = key
        self.settled = settled  # its times were older than RACY_NS when it was read
        self.seeded = seeded  # the bytes belong to the snapshot: they cost no extra memory
        self.decoded = False
        self.text: str | None = None
        self.lowered: bytes | None = None  # data with ASCII letters lowered, once asked for

    def size(self) -> int:
        own = 0 if self.seeded or self.data is None else len(self.data)
        lowered = 0 if self.lowered is None else len(self.lowered)
        return own + lowered + (len(self.text) if self.text is not None else 0)


class _Tree:
    """The state behind :class:`WorkspaceFiles`; every method expects ``lock`` held.

    Two ways to know that nothing changed. Watching (Linux inotify on every listed
    directory, added before the directory is read): an event names each file written,
    created, deleted or renamed, so a text stays *trusted* until its file is named. A
    regular file that appears or goes is added to or taken from the listing as the walk
    would (names the ignore rules skip, such as ``__pycache__`` from a test run, change
    nothing); a directory or symlink that appears or goes, an ignore file that changes, or
    lost events make the next call walk the tree again. Without a watch (other systems, no
    inotify left, or after :meth:`close`): the listing is kept while no directory and no
    ignore file changed its mtime, and a text while its file's ``stat`` is the same and was
    settled when read. A file that is a symlink, or has other hard links, is always checked
    by ``stat``: it can change without an event here. Neither way sees at once a file
    written through a shared ``mmap`` (no event, and its mtime moves only later).
    """

    def __init__(self, folder: str, settings: IndexSettings, *, watch: bool) -> None:
        self.folder = folder
        self.settings = settings
        self.lock = threading.Lock()
        self.rules = IgnoreRules(exclude=settings.exclude)
        self.paths: list[str] = []
        self.path_set: set[str] = set()  # the same paths; added to and taken from by events
        self.resort = False  # self.paths must be made again from self.path_set
        self.listed = False  # self.paths is current (or path_set is, when resort)
        self.links: set[str] = set()  # listed paths that are symlinks
        self.entries: dict[str, _Entry] = {}
        self.trusted: set[str] = set()  # entries known current without a stat
        self.cached_size = 0
        self.globs: dict[str, dict[str, bool]] = {}
        self.want_watch = watch
        self.watch: _DirWatch | None = None
        self.dir_wds: dict[str, int] = {}  # relative directory → its watch
        self.wd_dirs: dict[int, str] = {}
        self.layers: dict[str, list[IgnoreLayer]] = {}  # the ignore layers inside a directory
        self.mtimes: dict[str, int] = {}  # unwatched: directory or ignore file → mtime_ns

    # --- keeping up with changes --------------------------------------------------------

    def refresh(self) -> None:
        if self.watch is not None:
            try:
                events = self.watch.read()
            except OSError:
                log.warning("file watch of %s failed; checking by stat", self.folder)
                self._stop_watching()
            else:
                for wd, mask, name in events:
                    self._apply(wd, mask, name)
        elif self.listed and not self._unchanged():
            self.listed = False
        if not self.listed:
            self._relist()
        elif len(self.path_set) != len(self.paths) or self.resort:
            self.paths = sorted(self.path_set)  # a new list: earlier views keep theirs
            self.resort = False

    def _apply(self, wd: int, mask: int, name: str) -> None:
        if mask & IN_Q_OVERFLOW:  # events were lost: anything may have changed
            self.trusted.clear()
            self.listed = False
            return
        rel_dir = self.wd_dirs.get(wd)
        if rel_dir is None:  # a directory no longer listed (or a watch just removed)
            return
        if mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT | IN_IGNORED):
            self.listed = False
            return
        if not name:
            return
        rel = f"{rel_dir}/{name}" if rel_dir else name
        self._drop(rel)
        if name in IGNORE_FILES:
            self.listed = False
        elif not mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO):
            return  # the file's bytes or attributes: dropping its text was all
        elif mask & IN_ISDIR:
            if not self._skipped(rel_dir, rel, mask):
                self.listed = False
        elif mask & (IN_CREATE | IN_MOVED_TO):
            self._appeared(rel_dir, rel, mask)
        else:
            if rel in self.dir_wds:  # a symlink to a directory: what was listed below it
                self.listed = False
            elif rel in self.path_set:
                self.path_set.discard(rel)
                self.links.discard(rel)

    def _appeared(self, rel_dir: str, rel: str, mask: int) -> None:
        """A name that is not a directory appeared: list it if the walk would."""
        try:
            mode = os.lstat(os.path.join(self.folder, rel)).st_mode
        except FileNotFoundError:
            return  # gone again: that is another event, still to come
        except OSError:
            self.listed = False
            return
        layers = self.layers.get(rel_dir)
        if S_ISREG(mode) and layers is not None and rel.rsplit("/", 1)[-1] != ".git":
            if self.rules.skip_reason(rel, False, layers) is None and rel not in self.path_set:
                self.path_set.add(rel)
                self.resort = True
        elif not self._skipped(rel_dir, rel, mask):
            self.listed = False  # a symlink, a directory by now, ...: walk again

    def _skipped(self, rel_dir: str, rel: str, mask: int) -> bool:
        """Whether the walk would leave ``rel`` out, so it appearing or going changes nothing."""
        layers = self.layers.get(rel_dir)
        if layers is None:
            return False
        if rel.rsplit("/", 1)[-1] == ".git":
            return True
        full = os.path.join(self.folder, rel)
        as_dir = self.rules.skip_reason(rel, True, layers, full) is not None
        if mask & IN_ISDIR:
            return as_dir
        # a new symlink to a directory has no IN_ISDIR: it must be skipped either way
        return as_dir and self.rules.skip_reason(rel, False, layers) is not None

    def _unchanged(self) -> bool:
        if not self.mtimes:
            return False
        for path, mtime in self.mtimes.items():
            try:
                if os.stat(path).st_mtime_ns != mtime:
                    return False
            except OSError:
                return False
        return True

    def _relist(self) -> None:
        if self.want_watch and self.watch is None:
            self.want_watch = False  # one try per tree: it fails the same way again
            try:
                self.watch = _DirWatch()
            except OSError as exc:
                log.info("no file watch for %s (%s); checking by stat", self.folder, exc)
        if self.watch is not None:
            try:
                self._relist_watched(self.watch)
                return
            except _WatchLimit as exc:
                log.warning("cannot watch %s (%s); checking by stat", self.folder, exc)
                self._stop_watching()
        self._relist_unwatched()

    def _relist_watched(self, watch: _DirWatch) -> None:
        wds: dict[str, int] = {}

        def on_directory(full: str, rel_dir: str) -> None:
            try:
                wds[rel_dir] = watch.add(full)
            except (FileNotFoundError, NotADirectoryError):
                pass  # gone already: its parent's watch has said so, or will
            except OSError as exc:
                raise _WatchLimit(str(exc)) from exc

        layers: dict[str, list[IgnoreLayer]] = {}
        listed = list(_walk(self.folder, self.settings, on_directory, layers))
        old = self.dir_wds
        for wd in set(old.values()) - set(wds.values()):
            watch.remove(wd)
        self.dir_wds, self.wd_dirs = wds, {wd: rel_dir for rel_dir, wd in wds.items()}
        self.layers = layers
        self._take_listing(listed)
        for rel in list(self.entries):
            # what was seen in a directory not watched the same way since is not known
            rel_dir = rel.rpartition("/")[0]
            if rel_dir not in wds or old.get(rel_dir) != wds[rel_dir]:
                self.trusted.discard(rel)

    def _relist_unwatched(self) -> None:
        mtimes: dict[str, int] = {}

        def on_directory(full: str, _rel: str) -> None:
            for path in (full, *(os.path.join(full, n) for n in IGNORE_FILES)):
                try:
                    mtimes[path] = os.stat(path).st_mtime_ns
                except OSError:
                    pass  # a missing ignore file appears by changing its directory

        listed = list(_walk(self.folder, self.settings, on_directory))
        settled_before = time.time_ns() - RACY_NS
        racy = any(mtime > settled_before for mtime in mtimes.values())
        self.mtimes = {} if racy else mtimes  # racy: list again next time
        self._take_listing(listed)

    def _take_listing(self, listed: list[tuple[str, str, bool]]) -> None:
        self.paths = sorted(rel for rel, _, _ in listed)
        self.path_set = set(self.paths)
        self.resort = False
        self.links = {rel for rel, _, is_link in listed if is_link}
        self.listed = True
        for rel in [rel for rel in self.entries if rel not in self.path_set]:
            self._drop(rel)
        self.trusted -= self.links

    def seed(self, files: Mapping[str, SnapshotFile]) -> None:
        """Take the listed files' bytes from a snapshot taken just before the listing."""
        for rel in self.paths:
            snap = files.get(rel)
            if snap is None or rel in self.links or rel in self.entries:
                continue
            self.entries[rel] = _Entry(snap.data, snap.key, snap.settled, seeded=True)
            if self.watch is not None and rel.rpartition("/")[0] in self.dir_wds:
                self.trusted.add(rel)

    def close(self) -> None:
        if _SNAPSHOTS.get(self.folder) is self:
            del _SNAPSHOTS[self.folder]
        self._stop_watching()

    def _stop_watching(self) -> None:
        if self.watch is not None:
            self.watch.close()
        self.watch = None
        self.want_watch = False
        self.dir_wds, self.wd_dirs, self.layers = {}, {}, {}
        self.trusted.clear()
        self.listed = False

    # --- texts ----------------------------------------------------------------------------

    def text(self, rel: str) -> str | None:
        entry = self._current(rel)
        if entry is None or entry.data is None:
            return None
        if entry.decoded:
            return entry.text
        text = _decode(entry.data)
        if self.entries.get(rel) is entry and self._fits(len(text or "")):
            entry.text, entry.decoded = text, True
            self.cached_size += len(text or "")
        return text

    def containing(self, rels: Iterable[str], needle: bytes | None, any_case: bool) -> list[str]:
        entries, trusted = self.entries, self.trusted
        found: list[str] = []
        for rel in rels:
            entry = entries.get(rel)
            if entry is None or rel not in trusted:  # to read, or to check by stat
                entry = self._current(rel)
                if entry is None:
                    continue
            data = entry.data
            if data is None:
                continue
            if needle is not None:
                if any_case:
                    data = self._lowered(rel, entry, data)
                if needle not in data:
                    continue
            found.append(rel)  # binary or not UTF-8: text() says None later
        return found

    def _current(self, rel: str) -> _Entry | None:
        """The entry of ``rel`` as the file is now (not always kept: see :meth:`_read`)."""
        entry = self.entries.get(rel)
        if entry is not None and rel not in self.trusted and not self._still_current(rel, entry):
            self._drop(rel)
            entry = None
        return self._read(rel) if entry is None else entry

    def _lowered(self, rel: str, entry: _Entry, data: bytes) -> bytes:
        if entry.lowered is not None:
            return entry.lowered
        lowered = data.lower()
        if self.entries.get(rel) is entry and self._fits(len(lowered)):
            entry.lowered = lowered
            self.cached_size += len(lowered)
        return lowered

    def _still_current(self, rel: str, entry: _Entry) -> bool:
        try:
            key = stat_key(os.stat(os.path.join(self.folder, rel)))
        except OSError:
            return False
        if key != entry.key or not entry.settled:
            return False
        if self._watched(rel):
            self.trusted.add(rel)  # its directory was watched before this stat
        return True

    def _read(self, rel: str) -> _Entry | None:
        read = read_regular_file(os.path.join(self.folder, rel), self.settings.max_file_bytes)
        if read is None:
            return None
        data, stat = read
        settled = time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > RACY_NS
        entry = _Entry(data, stat_key(stat), settled, seeded=False)
        trusted = stat.st_nlink == 1 and self._watched(rel)
        if (trusted or settled) and self._fits(entry.size()):
            self.entries[rel] = entry
            self.cached_size += entry.size()
            if trusted:
                self.trusted.add(rel)
        return entry

    def _watched(self, rel: str) -> bool:
        return (
            self.watch is not None
            and rel not in self.links
            and rel.rpartition("/")[0] in self.dir_wds
        )

    def _fits(self, size: int) -> bool:
        return self.cached_size + size <= TEXT_CACHE_CHARS

    def _drop(self, rel: str) -> None:
        entry = self.entries.pop(rel, None)
        if entry is not None:
            self.cached_size -= entry.size()
        self.trusted.discard(rel)


# --- inotify --------------------------------------------------------------------------------

IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_UNMOUNT = 0x2000
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x1000000
IN_ISDIR = 0x40000000
_WATCH_MASK = (
    IN_MODIFY
    | IN_ATTRIB
    | IN_MOVED_FROM
    | IN_MOVED_TO
    | IN_CREATE
    | IN_DELETE
    | IN_DELETE_SELF
    | IN_MOVE_SELF
    | IN_ONLYDIR
)
_EVENT = struct.Struct("iIII")  # struct inotify_event: wd, mask, cookie, len; then the name


class _WatchLimit(OSError):
    """A directory could not be watched (inotify's limit, permissions)."""


class _DirWatch:
    """Linux inotify on directories: the names in them that changed, read without waiting."""

    def __init__(self) -> None:
        libc = _inotify_libc()
        fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if fd < 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"inotify_init1: {os.strerror(errno)}")
        self._libc = libc
        self._fd = fd
        self._close = weakref.finalize(self, os.close, fd)  # also when dropped unclosed

    def add(self, directory: str) -> int:
        wd: int = self._libc.inotify_add_watch(self._fd, os.fsencode(directory), _WATCH_MASK)
        if wd < 0:
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno), directory)
        return wd

    def remove(self, wd: int) -> None:
        self._libc.inotify_rm_watch(self._fd, wd)  # fails harmlessly when already gone

    def read(self) -> list[tuple[int, int, str]]:
        """(watch, mask, name) of every event queued since the last read."""
        events: list[tuple[int, int, str]] = []
        while True:
            try:
                buffer = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                return events
            offset = 0
            while offset < len(buffer):
                wd, mask, _cookie, length = _EVENT.unpack_from(buffer, offset)
                offset += _EVENT.size
                name = os.fsdecode(buffer[offset : offset + length].rstrip(b"\0"))
                offset += length
                events.append((wd, mask, name))

    def close(self) -> None:
        self._close()


def _inotify_libc() -> Any:
    """The C library's inotify functions; OSError where there are none."""
    if not sys.platform.startswith("linux"):
        raise OSError("inotify is Linux only")
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        libc.inotify_init1.argtypes = [ctypes.c_int]
        libc.inotify_add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        libc.inotify_rm_watch.argtypes = [ctypes.c_int, ctypes.c_int]
    except AttributeError as exc:
        raise OSError("the C library has no inotify") from exc
    return libc


# --- reading --------------------------------------------------------------------------------


def stat_key(stat: os.stat_result) -> Key:
    """What tells two versions of a file apart without reading it."""
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino


def read_regular_file(
    path: str | os.PathLike[str], max_bytes: int, *, follow_links: bool = True
) -> tuple[bytes | None, os.stat_result] | None:
    """A regular file's bytes (None when over ``max_bytes``) and its ``fstat``; None for
    anything else or on an error. O_NONBLOCK: a FIFO put in a file's place never hangs."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_links else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        stat = os.fstat(fd)
        if not S_ISREG(stat.st_mode):
            return None
        return (_read_up_to(fd, max_bytes) if stat.st_size <= max_bytes else None), stat
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_up_to(fd: int, max_bytes: int) -> bytes | None:
    """The rest of ``fd``; None when that is more than ``max_bytes``."""
    chunks: list[bytes] = []
    total = 0
    while chunk := os.read(fd, max_bytes + 1 - total):
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            return None
    return b"".join(chunks)


def _decode(data: bytes) -> str | None:
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_text(path: str | Path, max_bytes: int) -> str | None:
    """The UTF-8 text of a file; None when unreadable, binary or over ``max_bytes``."""
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError:
        return None
    if len(data) > max_bytes:
        return None
    return _decode(data)
