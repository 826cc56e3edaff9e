"""The index facade: one object per workspace folder that the server, the agent and the CLI use.

``WorkspaceIndex.open`` takes the writer lock (or opens read-only), opens the store and
notices when the embedder changed.  ``update`` syncs the index with the folder:

1. walk the folder (ignore rules, size limits) and load the ``files`` table;
2. repair: chunks whose file has no ``files`` row are leftovers of an interrupted run;
3. a file whose size and mtime match its row is unchanged; otherwise it is read and
   hashed — same hash: only its mtime is refreshed; hash of a file that disappeared: the
   rows move to the new path (a rename, no re-embedding); else it is parsed and embedded;
4. results are written in batches — chunks and symbols first, the ``files`` rows last —
   then deleted files are removed and the tables compacted.

Searches may run in other threads while an update writes: LanceDB reads are safe
alongside writes, and the only in-memory state (the repo-map graph) sits behind a lock.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import pyarrow.compute as pc

from delegate.index.chunk_columns import ChunkColumns
from delegate.index.embedders import Embedder, make_embedder
from delegate.index.files import should_index, walk_folder
from delegate.index.languages import language_for_path
from delegate.index.lock import IndexLocked, WriterLock
from delegate.index.model import Definition, Reference, SearchHit, UpdateStats
from delegate.index.pool import FileJob, IndexedFile, embed_missing, index_files
from delegate.index.repomap import MapDefinition, RepoGraph, first_line_reader, render_map
from delegate.index.search import SearchFilters, SearchMode, search_store
from delegate.index.sql import equals
from delegate.index.store import FileRow, IndexStore
from delegate.index.symbol_columns import SymbolColumns
from delegate.index.timings import StageTimer
from delegate.index.tokens import code_token_list, fts_form, identifiers
from delegate.settings import IndexSettings
from delegate.state_dir import state_dir

__all__ = ["IndexLocked", "WorkspaceIndex"]

log = logging.getLogger(__name__)

WRITE_BATCH_CHUNKS = 6000
WRITE_BATCH_FILES = 300
SMALL_UPDATES_PER_OPTIMIZE = 64  # LanceDB writes between compactions after small updates
OVERRIDE_MTIME = -1  # a row indexed from unsaved text: the disk copy must be re-read


class _GcPause:
    """Keeps the cyclic garbage collector off while any index update is in its pool phase.

    The results coming back from the pool are hundreds of lists of strings per second
    that die by reference counting when written, none in cycles; yet their allocation
    sets off collections, and every second- or oldest-generation one walks the process's
    whole heap (LanceDB, Arrow, the server): 0.13-0.4 s of a Django index's parent CPU,
    most of it in the thread that unpickles results.  When the last pause ends, one
    collection of the youngest generation finds any cyclic garbage made meanwhile: with
    the collector off nothing was promoted, so everything allocated since is still there.
    Updates of several folders may overlap, so the pauses are counted; a collector that
    was already off stays off.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._was_enabled:
                    gc.enable()
                    gc.collect(0)


gc_paused = _GcPause()


def file_document(path: str, chunk_terms: Sequence[str]) -> str:
    """A file's full-text document from its chunks' terms, its path's terms only once.

    Each chunk's terms start with its path's (:func:`~delegate.index.tokens.chunk_tokens`);
    kept in every chunk they would count a path word once per chunk, so a file cut into
    many small chunks would match its path's words as if it spoke of nothing else.
    """
    prefix = fts_form(code_token_list(path))
    head = prefix + " "
    body = [t[len(head) :] if t.startswith(head) else "" if t == prefix else t for t in chunk_terms]
    return " ".join([prefix, *body]) if prefix else " ".join(body)


class _PendingWrites:
    """Results waiting to be written together, so LanceDB sees few large writes."""

    def __init__(self, *, all_new: bool = False) -> None:
        self.all_new = all_new  # a first build: no file has rows yet
        self._reset()

    def _reset(self) -> None:
        self.results: list[IndexedFile] = []
        self.files: list[FileRow] = []
        self.replace_paths: list[str] = []
        self.chunks = ChunkColumns()
        self.terms: list[str] = []
        self.symbols = SymbolColumns()
        self.doc_paths: list[str] = []
        self.doc_languages: list[str] = []
        self.doc_terms: list[str] = []

    def add(self, result: IndexedFile, mtime_ns: int, *, replace: bool) -> None:
        """Queue a result; ``replace`` when the file may already have rows to drop."""
        if result.parsed:
            if replace:
                self.replace_paths.append(result.path)
            self.results.append(result)
            self.chunks.extend(result.chunks)
            self.terms.extend(result.terms)
            if result.terms:  # the whole file as one document (file-level BM25)
                self.doc_paths.append(result.path)
                self.doc_languages.append(result.language)
                self.doc_terms.append(file_document(result.path, result.terms))
            if result.symbols is not None:
                self.symbols.extend(result.symbols)
        self.files.append(FileRow(result.path, result.size, mtime_ns, result.hash, result.language))

    def full(self) -> bool:
        return len(self.chunks) >= WRITE_BATCH_CHUNKS or len(self.files) >= WRITE_BATCH_FILES

    def flush(self, store: IndexStore, embedder: Embedder, timer: StageTimer) -> int:
        """Embed what is still owed, write chunks and symbols, then the files rows."""
        with timer.stage("embed (parent)"):
            embed_missing(self.results, embedder)
        if self.replace_paths:
            with timer.stage("delete replaced"):
                store.delete_paths(self.replace_paths, files_too=False)
        if self.chunks:
            vectors = [r.vectors for r in self.results if r.vectors is not None and len(r.chunks)]
            with timer.stage("write chunks"):
                store.add_chunks(self.chunks, self.terms, np.concatenate(vectors))
        with timer.stage("write symbols"):
            store.add_symbols(self.symbols)
        with timer.stage("write file docs"):
            store.add_file_docs(self.doc_paths, self.doc_languages, self.doc_terms)
        with timer.stage("write files"):
            store.upsert_files(self.files, all_new=self.all_new)
        written = len(self.chunks)
        self._reset()
        return written


class WorkspaceIndex:
    """Index, search and map one workspace folder."""

    def __init__(
        self,
        folder: Path,
        settings: IndexSettings,
        store: IndexStore,
        embedder: Embedder,
        lock: WriterLock | None,
        rebuild_reason: str,
    ) -> None:
        self.folder = folder
        self.settings = settings
        self._store = store
        self._embedder = embedder
        self._lock = lock
        self._pending_rebuild = rebuild_reason
        self._update_lock = threading.Lock()
        self._map_lock = threading.Lock()
        self._map_cache: tuple[int, RepoGraph, dict[tuple[str, int], str]] | None = None
        self._last_update: float | None = None
        self._optimizer: threading.Thread | None = None
        self.uri = ""  # where the tables live (set by :meth:`open`)

    # ---- life cycle ---------------------------------------------------------------

    @classmethod
    def open(
        cls,
        folder: Path,
        settings: IndexSettings,
        *,
        read_only: bool = False,
        embedder: Embedder | None = None,
    ) -> WorkspaceIndex:
        folder = folder.resolve()
        state = state_dir(folder)
        lock = None if read_only else WriterLock(state / "index.lock").acquire()
        try:
            embedder = embedder or make_embedder(settings)
            uri = settings.uri or str(state / "index")
            store, reason = IndexStore.open(
                uri, embedder_id=embedder.id, dim=embedder.dim, read_only=read_only
            )
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        if reason and not read_only:
            log.warning("rebuilding the index of %s: %s", folder, reason)
        index = cls(folder, settings, store, embedder, lock, reason)
        index.uri = uri
        return index

    @property
    def read_only(self) -> bool:
        return self._lock is None

    def close(self) -> None:
        if self._optimizer is not None:
            self._optimizer.join()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> WorkspaceIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _require_writer(self) -> None:
        if self._lock is None:
            raise IndexLocked("this index was opened read-only")

    # ---- updates ------------------------------------------------------------------

    def update(
        self,
        *,
        progress: Callable[[int, int], None] | None = None,
        cancel: threading.Event | None = None,
        rebuild: bool = False,
    ) -> UpdateStats:
        """Bring the index in line with the folder; see the module docstring."""
        self._require_writer()
        with self._update_lock:
            started = time.perf_counter()
            timer = StageTimer()
            rebuilt, reason = bool(self._pending_rebuild), self._pending_rebuild
            if rebuild:
                self._store.delete_paths(sorted(self._store.file_rows()))
                self._store.delete_paths(sorted(self._store.chunk_paths()))
                rebuilt, reason = True, reason or "rebuild requested"
                log.info("rebuilding the index of %s: %s", self.folder, reason)
            self._pending_rebuild = ""
            with timer.stage("walk"):
                walk = walk_folder(self.folder, self.settings)
            with timer.stage("load files table"):
                known = self._store.file_rows()
                orphans = self._store.chunk_paths() - known.keys()
                first_build = not known and self._store.is_empty()
            if orphans:
                log.info("removing %d files' leftovers of an interrupted update", len(orphans))
                with timer.stage("delete orphans"):
                    self._store.delete_paths(sorted(orphans), files_too=False)
            on_disk = {e.path: e for e in walk.files}
            removed = {p: known[p].hash for p in known.keys() - on_disk.keys()}
            jobs = [
                FileJob(e.path, e.size, e.mtime_ns, known[e.path].hash if e.path in known else "")
                for e in walk.files
                if e.path not in known
                or known[e.path].size != e.size
                or known[e.path].mtime_ns != e.mtime_ns
            ]
            skipped = dict(walk.skipped)
            with gc_paused():
                changed, written, _ = self._run_jobs(
                    jobs,
                    removed,
                    skipped,
                    cancel=cancel,
                    progress=progress,
                    total=len(walk.files),
                    fresh=frozenset(j.path for j in jobs if j.path not in known),
                    timer=timer,
                    first_build=first_build,
                )
            cancelled = cancel is not None and cancel.is_set()
            if removed and not cancelled:
                with timer.stage("delete removed"):
                    self._store.delete_paths(sorted(removed))
            if first_build and not cancelled:
                self._store.finish_first_build(timer=timer)
            else:
                self._store.optimize(force=True, timer=timer)
            self._last_update = time.time()
            log.debug("update of %s: %s", self.folder, timer.summary())
            return UpdateStats(
                files_total=len(walk.files),
                files_changed=changed,
                files_removed=0 if cancelled else len(removed),
                chunks_written=written,
                chunks_total=self._store.count_chunks(),
                seconds=time.perf_counter() - started,
                rebuilt=rebuilt,
                rebuild_reason=reason,
                skipped=skipped,
            )

    def _run_jobs(
        self,
        jobs: Sequence[FileJob],
        removed: dict[str, str],
        skipped: dict[str, int],
        *,
        cancel: threading.Event | None = None,
        progress: Callable[[int, int], None] | None = None,
        total: int | None = None,
        override_paths: frozenset[str] = frozenset(),
        fresh: frozenset[str] = frozenset(),
        timer: StageTimer | None = None,
        first_build: bool = False,
    ) -> tuple[int, int, int]:
        """Index ``jobs`` and write the results.

        ``removed`` loses the paths that turn out to be renamed and gains the known paths
        that can no longer be read; ``fresh`` paths are known to have no rows yet.
        """
        timer = timer or StageTimer()
        total = len(jobs) if total is None else total
        unchanged_before = total - len(jobs)
        moved_from = {h: p for p, h in removed.items()}
        pending = _PendingWrites(all_new=first_build)
        changed = written = done = 0
        results: Iterator[IndexedFile] = index_files(
            self.folder,
            jobs,
            self.settings,
            self._embedder,
            moved_hashes=frozenset(moved_from),
            cancel=cancel,
        )
        for result in timer.timed_iter("wait for pool", results):
            done += 1
            mtime = OVERRIDE_MTIME if result.path in override_paths else result.mtime_ns
            if result.status == "skipped":
                skipped[result.skip_reason] = skipped.get(result.skip_reason, 0) + 1
                if result.path not in fresh:
                    removed.setdefault(result.path, "")
            elif result.status == "moved":
                old = moved_from.pop(result.hash, None)
                if old is None or old not in removed:  # a second copy: index it for real
                    job = FileJob(result.path, result.size, result.mtime_ns)
                    result = next(index_files(self.folder, [job], self.settings, self._embedder))
                    pending.add(result, mtime, replace=result.path not in fresh)
                    changed += 1
                else:
                    written += pending.flush(self._store, self._embedder, timer)
                    del removed[old]
                    self._store.rename_path(old, result.path)
                    pending.add(result, mtime, replace=False)
                    changed += 1
            else:
                pending.add(result, mtime, replace=result.path not in fresh)
                changed += result.status == "parsed"
            if pending.full():
                written += pending.flush(self._store, self._embedder, timer)
            if progress is not None:
                progress(unchanged_before + done, total)
        written += pending.flush(self._store, self._embedder, timer)
        return changed, written, done

    def update_files(
        self, rel_paths: Sequence[str], *, overrides: Mapping[str, str] | None = None
    ) -> UpdateStats:
        """Re-index just these files (missing or now-ignored ones are removed)."""
        self._require_writer()
        overrides = dict(overrides or {})
        with self._update_lock:
            started = time.perf_counter()
            known = self._store.file_rows_for(rel_paths)
            jobs: list[FileJob] = []
            removed: dict[str, str] = {}
            for rel in dict.fromkeys(rel_paths):
                path = self.folder / rel
                indexable = rel in overrides or (
                    path.is_file() and should_index(self.folder, rel, self.settings)
                )
                if not indexable:
                    if rel in known:
                        removed[rel] = known[rel].hash
                    continue
                stat = path.stat() if path.is_file() else None
                size = stat.st_size if stat else len(overrides[rel].encode("utf-8"))
                mtime = stat.st_mtime_ns if stat else OVERRIDE_MTIME
                known_hash = known[rel].hash if rel in known else ""
                jobs.append(FileJob(rel, size, mtime, known_hash, overrides.get(rel)))
            skipped: dict[str, int] = {}
            unreadable: dict[str, str] = {}
            changed, written, _ = self._run_jobs(
                jobs, unreadable, skipped, override_paths=frozenset(overrides)
            )
            if removed or unreadable:
                self._store.delete_paths(sorted(removed.keys() | unreadable.keys()))
            self._optimize_in_background()
            self._last_update = time.time()
            return UpdateStats(
                files_total=len(jobs),
                files_changed=changed,
                files_removed=len(removed),
                chunks_written=written,
                chunks_total=self._store.count_chunks(),
                seconds=time.perf_counter() - started,
                skipped=skipped,
            )

    def rename_file(self, old: str, new: str) -> None:
        """Follow a rename without re-embedding (re-index if the language changed)."""
        self._require_writer()
        if language_for_path(old) != language_for_path(new) or not should_index(
            self.folder, new, self.settings
        ):
            self.update_files([old, new])
            return
        with self._update_lock:
            self._store.delete_paths([new])
            self._store.rename_path(old, new)
            self._optimize_in_background()

    def _optimize_in_background(self) -> None:
        """Compact after every few small updates, off the caller's path.

        Compaction of a large index takes about a second; a single-file update should not
        wait for it.  Writes that arrive meanwhile queue on the store's write lock.
        """
        if not self._store.needs_optimize(SMALL_UPDATES_PER_OPTIMIZE):
            return
        if self._optimizer is not None and self._optimizer.is_alive():
            return
        self._optimizer = threading.Thread(
            target=self._store.optimize, name="delegate-index-optimize", daemon=True
        )
        self._optimizer.start()

    # ---- queries ------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        limit: int = 10,
        path_glob: str | None = None,
        language: str | None = None,
        kind: str | None = None,
        mode: SearchMode = "hybrid",
    ) -> list[SearchHit]:
        filters = SearchFilters(path_glob=path_glob, language=language, kind=kind)
        return search_store(
            self._store, self._embedder, query, limit=limit, filters=filters, mode=mode
        )

    def find_symbol(self, name: str) -> tuple[list[Definition], list[Reference]]:
        """Definitions whose short or qualified name is ``name``, and references to it."""
        short = name.rsplit(".", 1)[-1]
        rows = self._store.symbol_rows(f"{equals('name', short)}")
        definitions = [
            Definition(
                name=r["name"],
                qualified=r["qualified"],
                kind=r["kind"],
                path=r["path"],
                start_line=int(r["start_line"]),
                end_line=int(r["end_line"]),
            )
            for r in rows
            if r["role"] == "def" and (name == short or r["qualified"] == name)
        ]
        references = [
            Reference(name=r["name"], path=r["path"], line=int(r["start_line"]))
            for r in rows
            if r["role"] == "ref"
        ]
        definitions.sort(key=lambda d: (d.path, d.start_line))
        references.sort(key=lambda r: (r.path, r.line))
        return definitions, references

    def _map_inputs(self) -> tuple[list[MapDefinition], list[tuple[str, str, int]]]:
        """Definitions and per-file use counts of defined names, read from the symbols table.

        The counting happens in Arrow: a large workspace has a million references, and
        only (file, name) pairs of names defined somewhere matter to the ranking.
        """
        table = self._store.symbol_table()
        defs = table.filter(pc.equal(table["role"], "def"))
        definitions = list(
            map(
                MapDefinition,
                defs["path"].to_pylist(),
                defs["name"].to_pylist(),
                defs["qualified"].to_pylist(),
                defs["kind"].to_pylist(),
                defs["start_line"].to_pylist(),
            )
        )
        defined = pc.unique(defs["name"])
        refs = table.filter(
            pc.and_(pc.equal(table["role"], "ref"), pc.is_in(table["name"], defined))
        )
        grouped = refs.group_by(["path", "name"]).aggregate([("role", "count")])
        references = list(
            zip(
                grouped["path"].to_pylist(),
                grouped["name"].to_pylist(),
                grouped["role_count"].to_pylist(),
                strict=True,
            )
        )
        return definitions, references

    def _map_graph(self) -> tuple[RepoGraph, dict[tuple[str, int], str]]:
        """The repo graph and a signature cache, built once per index version.

        The first map after a write pays for reading the symbols table and building the
        graph; later maps (every agent task starts with one) only rank and render.
        """
        with self._map_lock:
            version = self._store.version()
            if self._map_cache is None or self._map_cache[0] != version:
                self._map_cache = (version, RepoGraph(*self._map_inputs()), {})
            return self._map_cache[1], self._map_cache[2]

    def repo_map(
        self, *, max_tokens: int = 1024, focus: Sequence[str] = (), query: str = ""
    ) -> str:
        graph, signatures = self._map_graph()
        ranked = graph.rank(focus=focus, query_names=identifiers(query))
        read_signature = first_line_reader(self._lines)

        def signature(definition: MapDefinition) -> str:
            key = (definition.path, definition.start_line)
            text = signatures.get(key)
            if text is None:
                text = signatures[key] = read_signature(definition)
            return text

        return render_map(ranked, max_tokens=max_tokens, signature=signature)

    def _lines(self, rel: str) -> list[str] | None:
        try:
            return (self.folder / rel).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return None

    def stats(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "uri": self.uri,
            "files": self._store.count_files(),
            "chunks": self._store.count_chunks(),
            "embedder": self._embedder.id,
            "dim": self._embedder.dim,
            "read_only": self.read_only,
            "last_update": self._last_update,
        }
