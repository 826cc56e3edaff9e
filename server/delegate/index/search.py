"""Search over the store: query processing, filters, and turning rows into SearchHits.

A query may be three words or a pasted issue of two pages.  Both sides of the hybrid
search get the same processed form: the query's code tokens, deduplicated and capped
(:func:`delegate.index.tokens.search_terms`), so a long issue text does not drown its few
identifiers in repetition.  The vector side embeds that text with the embedder's *query*
side; the full-text side matches its stemmed form against the ``terms`` column.  Reciprocal rank fusion
(LanceDB's ``RRFReranker``) merges the two lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from delegate.index.embedders import Embedder
from delegate.index.model import SearchHit
from delegate.index.sql import all_of, equals, path_matches_glob
from delegate.index.store import IndexStore
from delegate.index.tokens import fts_form, search_terms

SearchMode = Literal["hybrid", "fts", "vector"]
MODES: tuple[SearchMode, ...] = ("hybrid", "fts", "vector")


@dataclass(frozen=True)
class SearchFilters:
    path_glob: str | None = None
    language: str | None = None
    kind: str | None = None

    def where(self) -> str | None:
        return all_of(
            [
                path_matches_glob("path", self.path_glob) if self.path_glob else None,
                equals("language", self.language) if self.language else None,
                equals("kind", self.kind) if self.kind else None,
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
    text = query_text(query)
    terms = fts_form(text.split())  # the full-text side meets the index's stemmed terms
    where = filters.where()
    if mode == "fts":
        rows = store.fts_search(terms, limit=limit, where=where)
    else:
        vector = embedder.embed([text], side="query")[0]
        if mode == "vector":
            rows = store.vector_search(vector, limit=limit, where=where)
        else:
            rows = store.hybrid_search(vector, terms, limit=limit, where=where)
    return rows_to_hits(rows)
