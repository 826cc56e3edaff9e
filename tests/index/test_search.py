"""Hybrid search over hand-built chunks: natural descriptions, identifiers, filters, modes."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.index.helpers import CORPUS, add_chunks

from delegate.index.embedders import HashingEmbedder
from delegate.index.search import SearchFilters, query_text, search_store
from delegate.index.store import IndexStore


@pytest.fixture
def store(tmp_path: Path) -> IndexStore:
    store, _ = IndexStore.open(str(tmp_path / "db"), embedder_id="h", dim=HashingEmbedder().dim)
    add_chunks(store, CORPUS)
    return store


@pytest.mark.parametrize("mode", ["hybrid", "chunks", "fts", "vector"])
@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("download a web page over http", "net/http_client.py"),
        ("fetch_url", "net/http_client.py"),
        ("fetchUrl", "net/http_client.py"),
        ("average of numbers", "math/stats.py"),
        ("ConnectionPool", "db/connection.py"),
        ("render html page from a template", "web/app.ts"),
    ],
)
def test_finds_by_description_and_identifier(
    store: IndexStore, mode: str, query: str, path: str
) -> None:
    hits = search_store(store, HashingEmbedder(), query, limit=3, mode=mode)  # type: ignore[arg-type]
    assert hits, query
    assert hits[0].path == path
    assert hits[0].score >= hits[-1].score


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("downloading pages", "net/http_client.py"),  # "Download a web page"
        ("breaking sentences", "text/tokenize.py"),  # "Break a sentence"
        ("connection pools", "db/connection.py"),
    ],
)
def test_full_text_matches_other_forms_of_a_word(store: IndexStore, query: str, path: str) -> None:
    hits = search_store(store, HashingEmbedder(), query, limit=1, mode="fts")
    assert [h.path for h in hits] == [path]


def test_hits_carry_location_symbol_and_text(store: IndexStore) -> None:
    hit = search_store(store, HashingEmbedder(), "split sentence into words", limit=1)[0]
    assert (hit.path, hit.symbol, hit.kind, hit.language) == (
        "text/tokenize.py",
        "split_words",
        "function",
        "python",
    )
    assert hit.start_line == 1 and hit.end_line == 3
    assert "def split_words" in hit.text
    assert set(hit.to_json()) >= {"path", "start_line", "end_line", "symbol", "kind", "score"}


@pytest.mark.parametrize(
    ("filters", "paths"),
    [
        (SearchFilters(language="text"), {"docs/guide.md"}),
        (SearchFilters(kind="class"), {"db/connection.py"}),
        (SearchFilters(path_glob="docs/*"), {"docs/guide.md"}),
        (SearchFilters(path_glob="*.ts"), {"web/app.ts"}),
        (SearchFilters(path_glob="db/**"), {"db/connection.py"}),
        (SearchFilters(path_glob="it's/*"), set()),
    ],
)
@pytest.mark.parametrize("mode", ["hybrid", "chunks", "fts", "vector"])
def test_filters(store: IndexStore, filters: SearchFilters, paths: set[str], mode: str) -> None:
    hits = search_store(
        store,
        HashingEmbedder(),
        "database connection pool",
        limit=10,
        filters=filters,
        mode=mode,  # type: ignore[arg-type]
    )
    assert {h.path for h in hits} <= paths
    if paths and mode != "fts":
        assert {h.path for h in hits} == paths


def test_long_issue_text_is_reduced_to_distinct_terms() -> None:
    issue = "The fetch_url helper times out. " * 50 + "See fetch_url in net/http_client.py."
    terms = query_text(issue).split()
    assert len(terms) == len(set(terms))
    assert "fetch_url" in terms


def test_empty_query_and_bad_mode(store: IndexStore) -> None:
    assert search_store(store, HashingEmbedder(), "   ") == []
    with pytest.raises(ValueError, match="unknown search mode"):
        search_store(store, HashingEmbedder(), "x", mode="magic")  # type: ignore[arg-type]
