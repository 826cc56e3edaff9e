"""Search over the store: query processing, filters, and turning rows into SearchHits.

The default mode, ``hybrid``, ranks *files* first (:mod:`delegate.index.file_rank`:
whole-file BM25 over every token of the query, names and paths the query mentions, the
kind of file) and then shows each file's best chunks by the chunk-level hybrid search
below, at most :func:`chunks_per_file` per file, so a result list names several files:
ten at least when it can (a list of 10 shows ten files by their best chunk, one of 30 or
more up to three chunks of each).
``chunks`` is that chunk-level search alone (the ranking before file ranking existed).

A query may be three words or a pasted issue of two pages.  Both sides of the chunk-level
search get the same processed form: the query's code tokens, deduplicated and capped
(:func:`delegate.index.tokens.search_terms`), so a long issue text does not drown its few
identifiers in repetition.  The vector side embeds that text with the embedder's *query*
side; the full-text side matches its stemmed form against the ``terms`` column.  Reciprocal rank fusion
(LanceDB's ``RRFReranker``) merges the two lists.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from delegate.index.embedders import Embedder
from delegate.index.file_rank import query_names, rank_files
from delegate.index.model import SearchHit
from delegate.index.sql import all_of, equals, is_in, path_matches_glob
from delegate.index.store import IndexStore
from delegate.index.tokens import code_token_list, fts_form, search_terms

SearchMode = Literal["hybrid", "chunks", "fts", "vector"]
MODES: tuple[SearchMode, ...] = ("hybrid", "chunks", "fts", "vector")

MAX_CHUNKS_PER_FILE = 3
FILE_CANDIDATES = 200  # files BM25 hands to the re-ranking of file_rank
QUERY_TOKENS_MAX = 4096  # a query longer than this is cut (its first tokens are kept)


@dataclass(frozen=True)
class SearchFilters:
    path_glob: str | None = None
    language: str | None = None
    kind: str | None = None

    def where(self) -> str | None:
        return all_of(
            [
                self.file_where(),
                equals("kind", self.kind) if self.kind else None,
            ]
        )

    def file_where(self) -> str | None:
        """The filters a whole file can be held to (a chunk kind is not one of them)."""
        return all_of(
            [
                path_matches_glob("path", self.path_glob) if self.path_glob else None,
                equals("language", self.language) if self.language else None,
            ]
        )


def query_text(query: str, *, max_terms: int = 64) -> str:
    """The processed query both search sides see; falls back to the raw words."""
    terms = search_terms(query, max_terms=max_terms)
    return " ".join(terms) if terms else query.strip()


def rows_to_hits(rows: list[dict[str, Any]]) -> list[SearchHit]:
    return [
        SearchHit(
            path=str(r["path"]),
            start_line=int(r["start_line"]),
            end_line=int(r["end_line"]),
            symbol=str(r["symbol"]),
            kind=str(r["kind"]),
            language=str(r["language"]),
            score=float(r.get("_score", 0.0)),
            text=str(r["text"]),
        )
        for r in rows
    ]


def search_store(
    store: IndexStore,
    embedder: Embedder,
    query: str,
    *,
    limit: int = 10,
    filters: SearchFilters = SearchFilters(),
    mode: SearchMode = "hybrid",
) -> list[SearchHit]:
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; expected one of {', '.join(MODES)}")
    if limit <= 0 or not query.strip():
        return []
    if mode == "hybrid" and not filters.kind:
        return _files_first(store, embedder, query, limit=limit, filters=filters)
    return rows_to_hits(_chunk_rows(store, embedder, query, limit, filters, mode))


def _chunk_rows(
    store: IndexStore,
    embedder: Embedder,
    query: str,
    limit: int,
    filters: SearchFilters,
    mode: SearchMode,
) -> list[dict[str, Any]]:
    text = query_text(query)
    terms = fts_form(text.split())  # the full-text side meets the index's stemmed terms
    where = filters.where()
    if mode == "fts":
        return store.fts_search(terms, limit=limit, where=where)
    vector = embedder.embed([text], side="query")[0]
    if mode == "vector":
        return store.vector_search(vector, limit=limit, where=where)
    return store.hybrid_search(vector, terms, limit=limit, where=where)


class _InThread:
    """Runs ``work`` in a thread of its own; :meth:`result` waits for it (or re-raises)."""

    def __init__(self, work: Callable[[], list[dict[str, Any]]]) -> None:
        self._work = work
        self._value: list[dict[str, Any]] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="delegate-search", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def result(self) -> list[dict[str, Any]]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def chunks_per_file(limit: int) -> int:
    """How many chunks of each file a list of ``limit`` hits shows (1 to 3)."""
    return max(1, min(MAX_CHUNKS_PER_FILE, limit // 10))


def _files_first(
    store: IndexStore, embedder: Embedder, query: str, *, limit: int, filters: SearchFilters
) -> list[SearchHit]:
    """Files ranked by :func:`~delegate.index.file_rank.rank_files`, each shown by its best
    chunks; files only the chunk-level search found follow, in its order."""
    file_terms = fts_form(code_token_list(query)[:QUERY_TOKENS_MAX])
    # the chunk search runs beside the file-level queries (LanceDB releases the GIL)
    chunks = _InThread(
        lambda: _chunk_rows(store, embedder, query, max(limit * 3, 30), filters, "hybrid")
    )
    found = store.file_search(file_terms, limit=FILE_CANDIDATES, where=filters.file_where())
    definitions = store.definition_paths(query_names(query)) if found else {}
    chunk_rows = chunks.result()
    if not found:
        return rows_to_hits(chunk_rows[:limit])
    ranked = rank_files(
        [(path, score) for path, _, score in found],
        languages={path: language for path, language, _ in found},
        definitions=definitions,
        query=query,
    )
    by_file: dict[str, list[dict[str, Any]]] = {}
    for row in chunk_rows:
        by_file.setdefault(str(row["path"]), []).append(row)
    per_file = chunks_per_file(limit)
    shown = [path for path, _ in ranked[:limit]]
    missing = [path for path in shown if path not in by_file]
    if missing:  # files BM25 ranks high whose chunks the chunk search did not reach
        terms = fts_form(query_text(query).split())
        where = all_of([filters.file_where(), is_in("path", missing)])
        # one long file's many matching chunks must not crowd out the others' best ones
        rows = store.fts_search(terms, limit=len(missing) * 40, where=where)
        for row in rows:
            by_file.setdefault(str(row["path"]), []).append(row)
    score = dict(ranked)
    order = [*shown, *(p for p in by_file if p not in score)]
    hits: list[SearchHit] = []
    for path in order:
        for hit in rows_to_hits(by_file.get(path, [])[:per_file]):
            hits.append(replace(hit, score=score.get(path, 0.0)) if path in score else hit)
            if len(hits) >= limit:
                return hits
    return hits
