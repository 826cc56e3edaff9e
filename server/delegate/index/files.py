"""Find the files of a workspace folder worth indexing, and read them safely.

:func:`walk_folder` lists candidates without reading them: it prunes ignored directories
before entering them (``os.scandir``, one ``stat`` per entry at most), keeps files whose
name has a language (see :mod:`delegate.index.languages`) and whose size is within
``index.max_file_bytes``. Content checks — binary, undecodable — happen when a file is
read (:class:`SourceReader`, or :func:`read_source` for one file), which the indexer does
only for files that changed.
:func:`should_index` applies the same rules to one path, for saves and file watchers.

Symlinks are followed only while they stay inside the folder; a directory reached twice
(a loop, or a link to a directory already walked) is walked once.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from delegate.index.ignore_rules import IgnoreLayer, IgnoreRules, read_layers
from delegate.index.languages import language_for_path

if TYPE_CHECKING:  # pool workers import this module; pydantic stays out of them
    from delegate.settings import IndexSettings

log = logging.getLogger(__name__)

BINARY_SNIFF_BYTES = 8192
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileEntry:
    """A file to index: POSIX path relative to the folder, size in bytes, mtime in ns."""

    path: str
    size: int
    mtime_ns: int


@dataclass
class WalkResult:
    files: list[FileEntry] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count


def _rules(settings: IndexSettings) -> IgnoreRules:
    return IgnoreRules(include=settings.include, exclude=settings.exclude)


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def walk_folder(folder: Path, settings: IndexSettings) -> WalkResult:
    """Every indexable file under ``folder``, sorted by path, and counts of what was skipped."""
    rules = _rules(settings)
    root = os.path.abspath(folder)
    root_real = os.path.realpath(root)
    skipped: Counter[str] = Counter()
    files: list[FileEntry] = []
    visited = {root_real}
    # each entry: (absolute directory, its path relative to the folder, its real path, the
    # ignore layers of the directories above it); a directory's real path follows from its
    # parent's unless it is a link, so only links are resolved
    stack: list[tuple[str, str, str, list[IgnoreLayer]]] = [(root, "", root_real, [])]
    while stack:
        directory, rel_dir, real_dir, above = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            log.info("cannot list %s: %s", directory, exc)
            skipped["unreadable"] += 1
            continue
        # its own ignore files, read only when the listing shows them
        layers = read_layers(directory, rel_dir, {e.name for e in entries}) + above
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir()  # follows links
                is_file = not is_dir and entry.is_file()
            except OSError:
                skipped["unreadable"] += 1
                continue
            if is_link:
                real = os.path.realpath(entry.path)
                if not _inside(real, root_real):
                    skipped["symlink_escape"] += 1
                    continue
            else:
                real = os.path.join(real_dir, entry.name)
            if is_dir:
                reason = rules.skip_reason(rel, True, layers, entry.path)
                if reason:
                    skipped[reason] += 1
                    continue
                if real in visited:
                    skipped["symlink_loop"] += 1
                    continue
                visited.add(real)
                stack.append((entry.path, rel, real, layers))
            elif is_file:
                entry_or_reason = _file_entry(entry, rel, layers, rules, settings)
                if isinstance(entry_or_reason, str):
                    skipped[entry_or_reason] += 1
                else:
                    files.append(entry_or_reason)
    files.sort(key=lambda f: f.path)
    return WalkResult(files=files, skipped=dict(skipped))


def _file_entry(
    entry: os.DirEntry[str],
    rel: str,
    layers: list[IgnoreLayer],
    rules: IgnoreRules,
    settings: IndexSettings,
) -> FileEntry | str:
    if language_for_path(entry.name) is None:
        return "unsupported"
    reason = rules.skip_reason(rel, False, layers)
    if reason:
        return reason
    try:
        st = entry.stat()
    except OSError:
        return "unreadable"
    if st.st_size > settings.max_file_bytes:
        return "too_large"
    return FileEntry(path=rel, size=st.st_size, mtime_ns=st.st_mtime_ns)


def should_index(folder: Path, rel_path: str, settings: IndexSettings) -> bool:
    """Whether :func:`walk_folder` would list ``rel_path`` (which need not exist yet
    beyond its name: a deleted file answers by its name and ancestors alone)."""
    rel_path = rel_path.replace("\\", "/").strip("/")
    parts = rel_path.split("/")
    if not rel_path or ".." in parts or language_for_path(parts[-1]) is None:
        return False
    rules = _rules(settings)
    root = os.path.abspath(folder)
    layers = read_layers(root, "")
    for depth in range(1, len(parts)):
        rel_dir = "/".join(parts[:depth])
        abs_dir = os.path.join(root, *parts[:depth])
        if rules.skip_reason(rel_dir, True, layers, abs_dir):
            return False
        layers = read_layers(abs_dir, rel_dir) + layers
    if rules.skip_reason(rel_path, False, layers):
        return False
    path = os.path.join(root, *parts)
    if not _inside(os.path.realpath(path), os.path.realpath(root)):
        return False  # the file or one of its directories is a link leaving the folder
    try:
        return os.path.getsize(path) <= settings.max_file_bytes
    except OSError:
        return True  # gone or not yet written: the name alone decides


# O_NOFOLLOW refuses to open a symlink, so a file opened with it is the file its path
# names; where the flag does not exist every path is resolved instead.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


class SourceReader:
    """Reads files of one folder, never one whose real path lies outside the folder.

    Resolving each file's real path (and the folder's, every time) was a tenth of a small
    file's indexing work.  A reader resolves the folder once and each directory once,
    and opens the file itself with ``O_NOFOLLOW``: only a file that is a symlink needs
    its own resolution.  Keep a reader for one batch of work, not for the life of the
    process: the directories' verdicts would go stale if one became a symlink later.
    """

    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.root = os.path.abspath(folder)
        self.root_real = os.path.realpath(self.root)
        self.max_bytes = max_bytes
        self._dir_inside: dict[str, bool] = {}

    def read_bytes(self, rel_path: str) -> tuple[bytes | None, str]:
        """``(data, "")`` — the file's bytes without a UTF-8 byte order mark — or
        ``(None, reason)``: "missing", "symlink_escape", "too_large" or "binary"."""
        parts = rel_path.replace("\\", "/").split("/")
        path = os.path.join(self.root, *parts)
        if _NOFOLLOW and ".." not in parts:
            directory = os.path.dirname(path)
            inside = self._dir_inside.get(directory)
            if inside is None:
                real = os.path.realpath(directory)
                inside = self._dir_inside[directory] = _inside(real, self.root_real)
            if not inside:
                return None, "symlink_escape"
            try:
                data = self._read(path, _OPEN_FLAGS | _NOFOLLOW)
            except FileNotFoundError:
                return None, "missing"
            except OSError:
                data = None  # a symlink (ELOOP) or unreadable: resolve it, then try again
        else:
            data = None
        if data is None:
            if not _inside(os.path.realpath(path), self.root_real):
                return None, "symlink_escape"
            try:
                data = self._read(path, _OPEN_FLAGS)
            except OSError as exc:
                if not isinstance(exc, (FileNotFoundError, NotADirectoryError, IsADirectoryError)):
                    log.info("skipping %s: cannot read (%s)", rel_path, exc)
                return None, "missing"
        if len(data) > self.max_bytes:
            return None, "too_large"
        if b"\x00" in data[:BINARY_SNIFF_BYTES]:
            return None, "binary"
        if data.startswith(_UTF8_BOM):
            data = data[len(_UTF8_BOM) :]
        return data, ""

    def _read(self, path: str, flags: int) -> bytes:
        """Up to ``max_bytes + 1`` bytes: enough to tell that a file is too large."""
        fd = os.open(path, flags)
        try:
            limit = self.max_bytes + 1
            data = os.read(fd, limit)
            while data and len(data) < limit:  # a short read is not the end of the file
                more = os.read(fd, limit - len(data))
                if not more:
                    break
                data += more
            return data
        finally:
            os.close(fd)


def decode_source(data: bytes, rel_path: str) -> str | None:
    """``data`` as text, or None (logged) when it is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        log.info("skipping %s: not UTF-8 (%s)", rel_path, exc.reason)
        return None


def read_source(folder: Path, rel_path: str, max_bytes: int) -> tuple[str | None, str]:
    """``(text, "")`` or ``(None, reason)``; reason is one of "missing", "symlink_escape",
    "too_large", "binary", "undecodable". A UTF-8 byte order mark is dropped.

    For many files of one folder, a :class:`SourceReader` is cheaper."""
    data, reason = SourceReader(folder, max_bytes).read_bytes(rel_path)
    if data is None:
        return None, reason
    text = decode_source(data, rel_path)
    return (text, "") if text is not None else (None, "undecodable")


def content_hash(text: str) -> str:
    """A stable 32-character hex digest of ``text`` (BLAKE2b, 16 bytes, of its UTF-8)."""
    return bytes_hash(text.encode("utf-8", "surrogatepass"))


def bytes_hash(data: bytes) -> str:
    """:func:`content_hash` of the text whose UTF-8 is ``data``, without decoding it."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()
