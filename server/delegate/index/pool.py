"""Read, hash, parse and (for the hashing embedder) embed files — inline or on all cores.

The expensive part of indexing is tree-sitter parsing plus embedding, and both are pure
per file, so they run in a spawn-safe ``ProcessPoolExecutor``.  Only small batches of
plain data cross the process boundary: a worker receives paths with what the index
already knows about them, and returns an :class:`IndexedFile` per path.  Work is
submitted through a bounded window so a big update never holds every result in memory.
Small updates (fewer than :data:`INLINE_MAX_FILES` files) run inline: starting a pool
costs more than it saves.  Either way the unit of work is a batch of
:data:`BATCH_FILES` files (:func:`index_batch`): its chunks are tokenised and embedded
in one call, and its files are read by one :class:`~delegate.index.files.SourceReader`.

Model-backed embedders (sentence-transformers, voyage) embed in the parent instead: one
model in memory, one HTTP client.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from delegate.index.chunk_columns import ChunkColumns
from delegate.index.embedders import Embedder, HashingEmbedder
from delegate.index.files import SourceReader, bytes_hash, content_hash, decode_source
from delegate.index.languages import language_for_path
from delegate.index.parse import parse_for_index
from delegate.index.symbol_columns import SymbolColumns
from delegate.index.vocabulary import Vocabulary

if TYPE_CHECKING:  # workers never import pydantic: they get plain values, not settings
    from delegate.settings import IndexSettings

INLINE_MAX_FILES = 20
BATCH_FILES = 16
# Batches in flight per worker.  The parent stops reading results while it writes a batch
# to LanceDB (a few tenths of a second); a deep window keeps the workers busy meanwhile.
# A batch's results are ~1 MB, so the window costs little memory.
WINDOW_PER_WORKER = 12


@dataclass(frozen=True)
class FileJob:
    """One file to look at, with what the index knows about it already."""

    path: str
    size: int
    mtime_ns: int
    known_hash: str = ""  # the hash in the files table, "" when new
    override: str | None = None  # unsaved editor text that replaces the disk content


@dataclass
class IndexedFile:
    """What a worker learned about one file."""

    path: str
    size: int
    mtime_ns: int
    language: str
    hash: str = ""
    status: str = "parsed"  # parsed | unchanged | moved | skipped
    skip_reason: str = ""
    chunks: ChunkColumns = field(default_factory=ChunkColumns)
    symbols: SymbolColumns | None = None
    terms: list[str] = field(default_factory=list)
    vectors: np.ndarray | None = None

    @property
    def parsed(self) -> bool:
        return self.status == "parsed"


def index_batch(
    folder: Path,
    jobs: Sequence[FileJob],
    *,
    max_file_bytes: int,
    moved_hashes: frozenset[str] = frozenset(),
    embedder: HashingEmbedder | None = None,
) -> list[IndexedFile]:
    """Read → hash → (skip if unchanged or moved) → parse each file, then terms and
    (hashing) vectors for all of them at once.

    The vocabulary and the embedder cost a fixed numpy overhead per call, which adds up
    over thousands of small files; one call per batch pays it once.  Other embedders
    leave ``vectors`` empty: the parent embeds many files' chunks in one call (see
    :func:`embed_missing`).
    """
    reader = SourceReader(folder, max_file_bytes)
    results = [_parse_one(reader, job, moved_hashes) for job in jobs]
    parsed = [r for r in results if r.parsed]
    texts = [text for r in parsed for text in r.chunks.embedding_texts()]
    vectors = None
    if embedder is not None:
        tokenized, embedded = embedder.tokenize_and_embed(texts)
        # the store keeps float16; converting here halves what crosses the process boundary
        vectors = embedded.astype(np.float16)
    else:
        tokenized = _terms_vocabulary().tokenize(texts)
    start = 0
    for result in parsed:
        end = start + len(result.chunks)
        result.terms = tokenized.terms[start:end]
        if vectors is not None:
            result.vectors = vectors[start:end]
        start = end
    return results


def _parse_one(reader: SourceReader, job: FileJob, moved_hashes: frozenset[str]) -> IndexedFile:
    """One file's result without terms or vectors (see :func:`index_batch`)."""
    language = language_for_path(job.path) or "text"
    result = IndexedFile(job.path, job.size, job.mtime_ns, language)
    if job.override is not None:
        text = job.override
        result.hash = content_hash(text)
    else:
        data, reason = reader.read_bytes(job.path)
        decoded = None if data is None else decode_source(data, job.path)
        if data is None or decoded is None:
            result.status, result.skip_reason = "skipped", reason or "undecodable"
            return result
        text = decoded
        result.hash = bytes_hash(data)  # data is the text's UTF-8: no need to encode it again
    if result.hash == job.known_hash:
        result.status = "unchanged"
        return result
    if result.hash in moved_hashes:
        result.status = "moved"
        return result
    parsed, ref_names, ref_lines = parse_for_index(job.path, text, language)
    result.chunks = ChunkColumns.of(parsed.chunks)
    result.symbols = SymbolColumns.of_columns(parsed, ref_names, ref_lines)
    return result


_vocabulary: Vocabulary | None = None


def _terms_vocabulary() -> Vocabulary:
    """This process's vocabulary for full-text terms when the embedder has none."""
    global _vocabulary
    if _vocabulary is None:
        _vocabulary = Vocabulary()
    return _vocabulary


_worker_embedder: HashingEmbedder | None = None


def _index_batch(
    folder: str,
    jobs: list[FileJob],
    max_file_bytes: int,
    moved_hashes: frozenset[str],
    hashing_dim: int | None,
) -> list[IndexedFile]:
    """Worker entry point (module level, so spawn can find it).

    The cyclic garbage collector is off while a batch runs: parsing allocates hundreds
    of thousands of small objects that die together (nodes, outlines, chunks), none in
    cycles, and each collection it set off walked the worker's whole heap — its
    vocabulary included — for nothing: 4 % of a worker's CPU.  It runs again between
    batches, so anything cyclic is still collected.
    """
    global _worker_embedder
    embedder = None
    if hashing_dim is not None:
        if _worker_embedder is None or _worker_embedder.dim != hashing_dim:
            _worker_embedder = HashingEmbedder(hashing_dim)
        embedder = _worker_embedder
    gc.disable()
    try:
        return index_batch(
            Path(folder),
            jobs,
            max_file_bytes=max_file_bytes,
            moved_hashes=moved_hashes,
            embedder=embedder,
        )
    finally:
        gc.enable()


def worker_count(settings: IndexSettings) -> int:
    return settings.workers or os.cpu_count() or 1


def index_files(
    folder: Path,
    jobs: Sequence[FileJob],
    settings: IndexSettings,
    embedder: Embedder,
    *,
    moved_hashes: frozenset[str] = frozenset(),
    cancel: threading.Event | None = None,
) -> Iterator[IndexedFile]:
    """Index ``jobs``, yielding results in submission order.

    With the hashing embedder, vectors come filled in; otherwise see :func:`embed_missing`.
    """
    hashing = embedder if isinstance(embedder, HashingEmbedder) else None
    workers = worker_count(settings)
    batches = [list(jobs[i : i + BATCH_FILES]) for i in range(0, len(jobs), BATCH_FILES)]
    if len(jobs) < INLINE_MAX_FILES or workers <= 1:
        for batch in batches:
            if cancel is not None and cancel.is_set():
                return
            yield from index_batch(
                folder,
                batch,
                max_file_bytes=settings.max_file_bytes,
                moved_hashes=moved_hashes,
                embedder=hashing,
            )
        return
    window = workers * WINDOW_PER_WORKER
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"))
    pending: list[Future[list[IndexedFile]]] = []
    next_batch = 0
    try:
        while next_batch < len(batches) or pending:
            while next_batch < len(batches) and len(pending) < window:
                if cancel is not None and cancel.is_set():
                    break
                pending.append(
                    pool.submit(
                        _index_batch,
                        str(folder),
                        batches[next_batch],
                        settings.max_file_bytes,
                        moved_hashes,
                        hashing.dim if hashing is not None else None,
                    )
                )
                next_batch += 1
            if not pending:
                break
            yield from pending.pop(0).result()
            if cancel is not None and cancel.is_set():
                break
    finally:
        # The workers exit in the background: waiting for them here held back the last
        # write and the index builds by ~0.1 s per full index, and a cancelled update by
        # the batches still running.
        pool.shutdown(wait=False, cancel_futures=True)


def embed_missing(results: Sequence[IndexedFile], embedder: Embedder) -> None:
    """Fill in the vectors a model embedder owes, in one call for all these files."""
    owing = [r for r in results if r.parsed and r.vectors is None and len(r.chunks)]
    if not owing:
        return
    texts = [text for r in owing for text in r.chunks.embedding_texts()]
    vectors = embedder.embed(texts)
    start = 0
    for result in owing:
        result.vectors = vectors[start : start + len(result.chunks)]
        start += len(result.chunks)
