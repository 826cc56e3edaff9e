"""The LanceDB adapter: tables, writes in batches, the three kinds of search, compaction.

Tables (one LanceDB database per workspace folder):

- ``chunks``: one row per chunk with its vector.  ``terms`` holds the chunk's code tokens
  (identifiers split into sub-words, plus path and symbol); the native full-text index is
  built on it rather than on raw ``text`` because LanceDB's tokenizer does not split
  ``camelCase``.  A BTree on ``path`` makes per-file deletes cheap.
- ``files``: path, size, mtime_ns, content hash.  A file's row is written *after* its
  chunks, so a crash leaves either the old row (the file is redone next time) or no row
  (its orphan chunks are removed next time) — never a row that vouches for missing chunks.
- ``symbols``: definitions and references (``role`` = "def" | "ref").
- ``file_docs``: one row per parsed file, its chunks' ``terms`` joined, with its own
  full-text index: BM25 over whole files, which ranks the files a task description is
  about better than the best chunk of each (see ``delegate.index.file_rank``).
- ``meta``: schema version, embedder id and dimension.  A mismatch on open means the index
  must be rebuilt; :func:`IndexStore.open` reports the reason.

Everything here speaks plain rows; what to write is decided by ``delegate.index.workspace``.
"""

from __future__ import annotations

import os

os.environ.setdefault("LANCEDB_LOG", "error")

import ctypes
import gc
import threading
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

import lancedb  # its REST client loads lazily: see delegate/index/__init__.py
import numpy as np
import pyarrow as pa
from lancedb.index import FTS, BTree, IvfFlat
from lancedb.rerankers import RRFReranker

from delegate.index.chunk_columns import ChunkColumns
from delegate.index.chunking import ChunkIds
from delegate.index.sql import equals, is_in
from delegate.index.symbol_columns import SymbolColumns
from delegate.index.timings import StageTimer

SCHEMA_VERSION = "5"  # 3: pre-stemmed terms, uncompressed strings; 4: L2 vector index;
# 5: file_docs (whole-file full text)
VECTOR_INDEX_MIN_ROWS = 20_000
_DELETE_BATCH = 400
INDEX_CACHE_BYTES = 96 << 20
METADATA_CACHE_BYTES = 32 << 20
FTS_BUILD_MIB = 64


# Lance compresses strings by default; for text that is read back at once (search
# results, index builds) the CPU costs more than the disk it saves: writing the stdlib's
# chunks took 0.74 s CPU compressed, 0.34 s plain, for 91 vs 122 MB on disk.
_PLAIN = {"lance-encoding:compression": "none"}

# Vectors are ranked by squared L2 distance, not cosine: every embedder returns unit-length
# rows (see delegate.index.embedders), and for those |a - b|² = 2 - 2·cos(a, b), the same
# ranking.  LanceDB's IVF build costs a third more with "cosine": Django's 37.5k rows build
# in 0.75-0.85 s CPU with "l2" instead of 1.0-1.2 s, the stdlib's 52.7k in 1.03-1.10 s
# instead of 1.33-1.41 s, with the same recall@10 against exact search (0.78-0.84 vs
# 0.76-0.81, 50 queries, 3-4 builds each).
DISTANCE: Final = "l2"


def cosine_of(distance: float) -> float:
    """The cosine similarity of two unit vectors ``distance`` (squared L2) apart."""
    return 1.0 - distance / 2.0


def _string(name: str) -> pa.Field:
    return pa.field(name, pa.string(), metadata=_PLAIN)


def chunk_schema(dim: int) -> pa.Schema:
    return pa.schema(
        [
            _string("id"),
            _string("path"),
            _string("language"),
            _string("kind"),
            _string("symbol"),
            pa.field("start_line", pa.int32()),
            pa.field("end_line", pa.int32()),
            _string("text"),
            _string("terms"),
            _string("hash"),
            # float16 halves the disk and, above all, the memory an ANN index build needs;
            # cosine ranking does not notice the lost precision
            pa.field("vector", pa.list_(pa.float16(), dim)),
        ]
    )


def fts_config() -> FTS:
    """The full-text index of ``terms``: no stemming, stop words or case folding of its own.

    ``terms`` holds lower-case ASCII tokens already stemmed (:func:`~delegate.index.tokens.
    fts_form`, which queries go through too) and tokens.py drops its own stop words, so
    each of these steps would change nothing; stemming here would cost half the build.
    """
    return FTS(stem=False, remove_stop_words=False, lower_case=False, ascii_folding=False)


FILE_SCHEMA = pa.schema(
    [
        pa.field("path", pa.string()),
        pa.field("size", pa.int64()),
        pa.field("mtime_ns", pa.int64()),
        pa.field("hash", pa.string()),
        pa.field("language", pa.string()),
    ]
)

SYMBOL_SCHEMA = pa.schema(
    [
        _string("role"),  # "def" | "ref"
        _string("name"),
        _string("qualified"),
        _string("kind"),
        _string("path"),
        pa.field("start_line", pa.int32()),
        pa.field("end_line", pa.int32()),
    ]
)

FILE_DOC_SCHEMA = pa.schema([_string("path"), _string("language"), _string("terms")])

META_SCHEMA = pa.schema([pa.field("key", pa.string()), pa.field("value", pa.string())])


@dataclass(frozen=True)
class FileRow:
    path: str
    size: int
    mtime_ns: int
    hash: str
    language: str


def release_free_memory(*, collect: bool = True) -> None:
    """Hand freed heap pages back to the OS: glibc's and Arrow's allocators keep them
    otherwise (at the end of the stdlib + Django pool phase: 392 MB -> 336 MB after
    ``malloc_trim``, -> 307 MB after Arrow's ``release_unused``).  ``collect`` runs a full
    garbage collection first."""
    if collect:
        gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
    pa.default_memory_pool().release_unused()


def _moved_chunks(rows: pa.Table, path: str) -> pa.Table:
    """One file's chunk rows as indexing them at ``path`` would have written them."""
    rows = rows.select(chunk_schema(rows.schema.field("vector").type.list_size).names)
    rows = rows.sort_by([("start_line", "ascending"), ("end_line", "ascending")])
    chunk_id = ChunkIds(path)
    ids = [
        chunk_id(kind, symbol, digest)
        for kind, symbol, digest in zip(
            rows["kind"].to_pylist(),
            rows["symbol"].to_pylist(),
            rows["hash"].to_pylist(),
            strict=True,
        )
    ]
    rows = rows.set_column(rows.schema.get_field_index("id"), rows.schema.field("id"), [ids])
    paths = pa.array([path] * rows.num_rows, pa.string())
    return rows.set_column(rows.schema.get_field_index("path"), rows.schema.field("path"), paths)


def _batched(values: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class IndexStore:
    """One workspace's LanceDB tables.  Writes are serialised; reads may run alongside."""

    def __init__(self, db: Any, dim: int, *, read_only: bool) -> None:
        self._db = db
        self.dim = dim
        self.read_only = read_only
        self._write_lock = threading.RLock()
        self._writes_since_optimize = 0
        self._chunks: Any = None
        self._files: Any = None
        self._symbols: Any = None
        self._file_docs: Any = None
        self._meta: Any = None
        self._open_tables()

    # ---- opening and rebuilding -------------------------------------------------------

    @classmethod
    def open(
        cls, uri: str, *, embedder_id: str, dim: int, read_only: bool = False
    ) -> tuple[IndexStore, str]:
        """Open (creating when needed) the store; returns it and a rebuild reason ("" if none).

        A read-only store never rebuilds; it reports the reason and serves what is there.
        """
        # read-only openers follow the writer's commits as they land
        interval = timedelta(seconds=0) if read_only else None
        db = lancedb.connect(
            uri,
            read_consistency_interval=interval,
            # bounded caches: the defaults favour a server with memory to spare
            session=lancedb.Session(
                index_cache_size_bytes=INDEX_CACHE_BYTES,
                metadata_cache_size_bytes=METADATA_CACHE_BYTES,
            ),
        )
        existing = set(db.list_tables().tables)
        reason = ""
        if "meta" in existing:
            meta = {r["key"]: r["value"] for r in db.open_table("meta").to_arrow().to_pylist()}
            if meta.get("schema_version") != SCHEMA_VERSION:
                reason = f"index schema changed ({meta.get('schema_version')} → {SCHEMA_VERSION})"
            elif meta.get("embedder_id") != embedder_id or meta.get("dim") != str(dim):
                reason = (
                    f"embedder changed ({meta.get('embedder_id')}/{meta.get('dim')} → "
                    f"{embedder_id}/{dim})"
                )
        elif existing & {"chunks", "files"}:
            reason = "index has no metadata"
        if read_only:
            if "meta" in existing and reason:
                stored_dim = int(meta.get("dim", dim) or dim)
                return cls(db, stored_dim, read_only=True), reason
            return cls(db, dim, read_only=True), reason
        if reason:
            for name in existing:
                db.drop_table(name)
        if reason or "meta" not in existing:
            db.create_table(
                "meta",
                data=pa.Table.from_pylist(
                    [
                        {"key": "schema_version", "value": SCHEMA_VERSION},
                        {"key": "embedder_id", "value": embedder_id},
                        {"key": "dim", "value": str(dim)},
                    ],
                    schema=META_SCHEMA,
                ),
                mode="overwrite",
            )
        return cls(db, dim, read_only=False), reason

    def _open_tables(self) -> None:
        existing = set(self._db.list_tables().tables)

        def table(name: str, schema: pa.Schema) -> Any:
            if name in existing:
                return self._db.open_table(name)
            if self.read_only:
                return None
            return self._db.create_table(name, schema=schema)

        self._chunks = table("chunks", chunk_schema(self.dim))
        self._files = table("files", FILE_SCHEMA)
        self._symbols = table("symbols", SYMBOL_SCHEMA)
        self._file_docs = table("file_docs", FILE_DOC_SCHEMA)
        self._meta = table("meta", META_SCHEMA)
        if not self.read_only:
            self._ensure_scalar_indexes()

    def _ensure_scalar_indexes(self) -> None:
        names = {ix.name for ix in self._chunks.list_indices()}
        if "terms_idx" not in names:
            self._chunks.create_index("terms", config=fts_config(), name="terms_idx")
        if "path_idx" not in names:
            self._chunks.create_index("path", config=BTree(), name="path_idx")
        if not {ix.name for ix in self._symbols.list_indices()}:
            self._symbols.create_index("name", config=BTree(), name="name_idx")
            self._symbols.create_index("path", config=BTree(), name="path_idx")
        if not {ix.name for ix in self._file_docs.list_indices()}:
            self._file_docs.create_index("terms", config=fts_config(), name="terms_idx")
            self._file_docs.create_index("path", config=BTree(), name="path_idx")

    @property
    def ready(self) -> bool:
        """True once the tables exist; a read-only store looks again each time it is asked."""
        if self._chunks is None and self.read_only:
            with self._write_lock:
                self._open_tables()
        return self._chunks is not None

    # ---- writes --------------------------------------------------------------------

    def delete_paths(self, paths: Sequence[str], *, files_too: bool = True) -> None:
        """Remove every row of these files (chunks and symbols first, then the files rows)."""
        with self._write_lock:
            for batch in _batched(list(paths), _DELETE_BATCH):
                where = is_in("path", batch)
                self._chunks.delete(where)
                self._symbols.delete(where)
                self._file_docs.delete(where)
                if files_too:
                    self._files.delete(where)
                self._writes_since_optimize += 4

    def add_chunks(self, chunks: ChunkColumns, terms: Sequence[str], vectors: np.ndarray) -> None:
        if not len(chunks):
            return
        data = pa.table(
            {
                "id": chunks.id,
                "path": chunks.path,
                "language": chunks.language,
                "kind": chunks.kind,
                "symbol": chunks.symbol,
                "start_line": pa.array(chunks.start_line, pa.int32()),
                "end_line": pa.array(chunks.end_line, pa.int32()),
                "text": chunks.text,
                "terms": list(terms),
                "hash": chunks.hash,
                "vector": pa.FixedSizeListArray.from_arrays(
                    pa.array(np.ascontiguousarray(vectors, dtype=np.float16).ravel()), self.dim
                ),
            },
            schema=chunk_schema(self.dim),
        )
        with self._write_lock:
            self._chunks.add(data)
            self._writes_since_optimize += 1

    def add_file_docs(self, paths: list[str], languages: list[str], terms: list[str]) -> None:
        """Whole-file documents for :meth:`file_search` (one row per file)."""
        if not paths:
            return
        data = pa.table(
            {"path": paths, "language": languages, "terms": terms}, schema=FILE_DOC_SCHEMA
        )
        with self._write_lock:
            self._file_docs.add(data)
            self._writes_since_optimize += 1

    def add_symbols(self, columns: SymbolColumns) -> None:
        if not len(columns):
            return
        data = pa.table(
            {
                **{
                    k: v for k, v in columns.__dict__.items() if k not in ("start_line", "end_line")
                },
                "start_line": pa.array(columns.start_line, pa.int32()),
                "end_line": pa.array(columns.end_line, pa.int32()),
            },
            schema=SYMBOL_SCHEMA,
        )
        with self._write_lock:
            self._symbols.add(data)
            self._writes_since_optimize += 1

    def upsert_files(self, rows: Sequence[FileRow], *, all_new: bool = False) -> None:
        """Insert or replace these files' rows; ``all_new`` promises none exists yet."""
        if not rows:
            return
        data = pa.Table.from_pylist([r.__dict__ for r in rows], schema=FILE_SCHEMA)
        with self._write_lock:
            if all_new:
                self._files.add(data)
                self._writes_since_optimize += 1
                return
            (
                self._files.merge_insert("path")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute(data)
            )
            self._writes_since_optimize += 1

    def rename_path(self, old: str, new: str, language: str | None = None) -> None:
        """Move a file's rows to a new path without re-embedding anything.

        Chunk ids contain the path, so the chunks are re-added under ids computed for the
        new path, then the old rows go; the files row moves last.  A crash in between
        leaves either orphan chunks under ``new`` (no files row vouches for them) or the
        old files row for a file that is gone: the next update cleans up both.
        """
        where = equals("path", old)
        with self._write_lock:
            moved = self._chunks.search().where(where).limit(None).to_arrow()
            if moved.num_rows:
                self._chunks.add(_moved_chunks(moved, new))
                self._chunks.delete(where)
            for table in (self._symbols, self._file_docs, self._files):
                table.update(where=where, values={"path": new})
            self._writes_since_optimize += 5

    def needs_optimize(self, threshold: int = 24) -> bool:
        return self._writes_since_optimize >= threshold

    def optimize(self, *, force: bool = False, timer: StageTimer | None = None) -> None:
        """Compact fragments, fold new rows into the indexes, drop old versions.

        Run after a full update and after every few small ones, so the folder does not
        grow with every keystroke-triggered update.
        """
        timer = timer or StageTimer()
        with self._write_lock:
            if not force and self._writes_since_optimize < 24:
                return
            # Only the writer (this process, under the lock) ever writes, and read-only
            # openers re-check the latest version on every read, so old versions can go
            # at once; LanceDB warns about exactly that trade-off.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                for name, table in (
                    ("chunks", self._chunks),
                    ("files", self._files),
                    ("symbols", self._symbols),
                    ("file_docs", self._file_docs),
                    ("meta", self._meta),
                ):
                    with timer.stage(f"optimize {name}"):
                        table.optimize(cleanup_older_than=timedelta(0), delete_unverified=True)
            self._writes_since_optimize = 0
            with timer.stage("vector index"):
                self._ensure_vector_index()

    def is_empty(self) -> bool:
        """No chunks yet: the next update is a first build (see :meth:`finish_first_build`)."""
        return self.count_chunks() == 0

    def finish_first_build(self, *, timer: StageTimer | None = None) -> None:
        """Index a table that was empty before this update, in one pass, without compaction.

        A first build writes large batches (a few thousand rows each), which are already a
        good layout, so rewriting them (``optimize``'s compaction) would only cost time.
        The full-text and scalar indexes are built from scratch over all rows — faster
        than folding every new row into the empty indexes — and the vector index, then the
        whole-file full-text index, are built alongside them in a second thread (LanceDB
        releases the GIL), so the builds share the cores.  The vector build dominates the
        memory of this step; the full-text build is held to :data:`FTS_BUILD_MIB`
        (stdlib + Django, 90k rows: the step's peak was 703 MB side by side, the pool
        phase's 696 MB, for ~1.8 s less than one after the other).  Old versions are left
        for the next :meth:`optimize`.
        """
        timer = timer or StageTimer()
        with self._write_lock:
            # the index builds below are the update's memory peak; no garbage collection:
            # the writes before ran with the collector paused, and the young-generation
            # collection that ended the pause found what they left (a full one here found
            # nothing and took 0.05-0.1 s, on the critical path)
            release_free_memory(collect=False)

            def beside_the_chunks_fts() -> None:
                self._timed(timer, "vector index", lambda: self._ensure_vector_index(release=False))
                self._timed(timer, "file full-text index", self._build_file_fts)

            vector = threading.Thread(target=beside_the_chunks_fts)
            vector.start()
            try:
                with timer.stage("full-text index"):
                    config = fts_config()
                    config.memory_limit = FTS_BUILD_MIB
                    config.num_workers = 1  # the vector index builds on the other core
                    self._chunks.create_index(
                        "terms", config=config, name="terms_idx", replace=True
                    )
                with timer.stage("scalar indexes"):
                    self._chunks.create_index("path", config=BTree(), name="path_idx", replace=True)
                    self._file_docs.create_index(
                        "path", config=BTree(), name="path_idx", replace=True
                    )
                    self._symbols.create_index(
                        "name", config=BTree(), name="name_idx", replace=True
                    )
                    self._symbols.create_index(
                        "path", config=BTree(), name="path_idx", replace=True
                    )
            finally:
                vector.join()
            self._writes_since_optimize = 0

    def _build_file_fts(self) -> None:
        """The whole-file full-text index, from scratch (a first build; see above)."""
        config = fts_config()
        config.memory_limit = FTS_BUILD_MIB
        config.num_workers = 1
        self._file_docs.create_index("terms", config=config, name="terms_idx", replace=True)

    @staticmethod
    def _timed(timer: StageTimer, name: str, work: Callable[[], None]) -> None:
        with timer.stage(name):
            work()

    def _ensure_vector_index(self, *, release: bool = True) -> None:
        """Build the ANN index once the table is large enough; ``release`` frees memory first
        (a caller that just did so passes False: a second time found nothing to free and
        took 0.05-0.17 s on the build's critical path)."""
        rows = self._chunks.count_rows()
        if rows < VECTOR_INDEX_MIN_ROWS:
            return
        if any(ix.name == "vector_idx" for ix in self._chunks.list_indices()):
            return
        if release:
            release_free_memory()  # the build below is the index's memory peak
        partitions = max(16, int(rows**0.5 / 2))
        self._chunks.create_index(
            "vector",
            # a small training sample: k-means over all rows costs seconds and memory
            # for no measurable gain in recall at these sizes
            config=IvfFlat(
                distance_type=DISTANCE,
                num_partitions=partitions,
                sample_rate=16,
                max_iterations=10,
            ),
            name="vector_idx",
        )

    # ---- reads ---------------------------------------------------------------------

    def file_rows(self) -> dict[str, FileRow]:
        if not self.ready:
            return {}
        table = self._files.to_arrow()
        return {r["path"]: FileRow(**r) for r in table.to_pylist()}

    def file_rows_for(self, paths: Sequence[str]) -> dict[str, FileRow]:
        if not self.ready or not paths:
            return {}
        rows: dict[str, FileRow] = {}
        for batch in _batched(list(dict.fromkeys(paths)), _DELETE_BATCH):
            query = self._files.search().where(is_in("path", batch)).limit(None)
            rows.update({r["path"]: FileRow(**r) for r in query.to_arrow().to_pylist()})
        return rows

    def chunk_paths(self) -> set[str]:
        if not self.ready:
            return set()
        column = self._chunks.search().select(["path"]).limit(None).to_arrow()["path"]
        return set(column.unique().to_pylist())

    def count_chunks(self) -> int:
        return int(self._chunks.count_rows()) if self._chunks is not None else 0

    def count_files(self) -> int:
        return int(self._files.count_rows()) if self._files is not None else 0

    _COLUMNS = ("path", "start_line", "end_line", "symbol", "kind", "language", "text")

    def vector_search(
        self, vector: np.ndarray, *, limit: int, where: str | None
    ) -> list[dict[str, Any]]:
        if not self.ready:
            return []
        rows: list[dict[str, Any]] = self._vector_query(vector, limit=limit, where=where).to_list()
        for row in rows:
            row["_score"] = cosine_of(float(row.pop("_distance", 2.0)))
        return rows

    def _vector_query(self, vector: np.ndarray, *, limit: int, where: str | None) -> Any:
        """The nearest-neighbour query; it uses the ANN index only when its distance is the
        one the index was built with (otherwise LanceDB silently searches every row)."""
        query = self._chunks.search(vector, vector_column_name="vector").distance_type(DISTANCE)
        query = query.nprobes(24).select(list(self._COLUMNS)).limit(limit)
        if where:
            query = query.where(where, prefilter=True)
        return query

    def fts_search(self, terms: str, *, limit: int, where: str | None) -> list[dict[str, Any]]:
        if not self.ready or not terms.strip():
            return []
        query = self._chunks.search(terms, query_type="fts", fts_columns="terms")
        query = query.select(list(self._COLUMNS)).limit(limit)
        if where:
            query = query.where(where, prefilter=True)
        return list(query.to_list())

    def hybrid_search(
        self, vector: np.ndarray, terms: str, *, limit: int, where: str | None
    ) -> list[dict[str, Any]]:
        if not self.ready:
            return []
        if not terms.strip():
            return self.vector_search(vector, limit=limit, where=where)
        query = (
            self._chunks.search(
                query_type="hybrid", vector_column_name="vector", fts_columns="terms"
            )
            .vector(vector)
            .text(terms)
            .distance_type(DISTANCE)
            .nprobes(24)
            .select(list(self._COLUMNS))
            .rerank(RRFReranker(return_score="relevance"))
            .limit(limit)
        )
        if where:
            query = query.where(where, prefilter=True)
        rows: list[dict[str, Any]] = query.to_list()
        for row in rows:
            row["_score"] = float(row.pop("_relevance_score", 0.0))
        return rows

    def file_search(
        self, terms: str, *, limit: int, where: str | None
    ) -> list[tuple[str, str, float]]:
        """Files by BM25 over their whole text (repeated query terms weigh more), as
        (path, language, score), best first."""
        if not self.ready or self._file_docs is None or not terms.strip():
            return []
        query = self._file_docs.search(terms, query_type="fts", fts_columns="terms")
        query = query.select(["path", "language", "_score"]).limit(limit)
        if where:
            query = query.where(where, prefilter=True)
        table = query.to_arrow()
        return list(
            zip(
                table["path"].to_pylist(),
                table["language"].to_pylist(),
                table["_score"].to_pylist(),
                strict=True,
            )
        )

    def definition_paths(self, names: Sequence[str]) -> dict[str, set[str]]:
        """For each of ``names`` that something defines: the files defining it."""
        found: dict[str, set[str]] = {}
        if not self.ready or not names:
            return found
        for batch in _batched(list(dict.fromkeys(names)), _DELETE_BATCH):
            where = f"{equals('role', 'def')} AND {is_in('name', batch)}"
            table = self._symbols.search().where(where).select(["name", "path"]).limit(None)
            rows = table.to_arrow()
            for name, path in zip(rows["name"].to_pylist(), rows["path"].to_pylist(), strict=True):
                found.setdefault(name, set()).add(path)
        return found

    def symbol_rows(self, where: str | None = None) -> list[dict[str, Any]]:
        if not self.ready:
            return []
        query = self._symbols.search().limit(None)
        if where:
            query = query.where(where)
        return list(query.to_list())

    def symbol_table(self) -> pa.Table:
        if not self.ready:
            return SYMBOL_SCHEMA.empty_table()
        return self._symbols.to_arrow()

    def version(self) -> int:
        """Changes whenever any table is written (for caches derived from the tables)."""
        if not self.ready:
            return 0
        return int(self._chunks.version) * 1_000_003 + int(self._symbols.version)
