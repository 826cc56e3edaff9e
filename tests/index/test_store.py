"""The LanceDB store: safe filters, writes, FTS freshness, renames, rebuild detection, compaction."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from tests.index.helpers import CORPUS, add_chunks, make_chunk

from delegate.index.embedders import HashingEmbedder, embedding_text
from delegate.index.sql import all_of, glob_to_regex, is_in, quote_literal
from delegate.index.store import FileRow, IndexStore

DIM = HashingEmbedder().dim


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("plain.py", "'plain.py'"),
        ("it's.py", "'it''s.py'"),
        ("a\\b'.py", "'a\\b''.py'"),
        ("'; DROP TABLE chunks; --", "'''; DROP TABLE chunks; --'"),
    ],
)
def test_quote_literal(value: str, literal: str) -> None:
    assert quote_literal(value) == literal


def test_quote_literal_refuses_nul() -> None:
    with pytest.raises(ValueError):
        quote_literal("a\x00b")


@pytest.mark.parametrize(
    ("glob", "matches", "misses"),
    [
        ("*.py", ["a.py", "pkg/deep/b.py"], ["a.pyc", "a.txt"]),
        ("src/*.py", ["src/a.py"], ["src/x/a.py", "lib/src/a.py"]),
        ("src/**/*.py", ["src/a.py", "src/x/y/a.py"], ["lib/a.py"]),
        ("tests", ["tests/a.py", "x/tests/b.py"], ["tests_old/a.py"]),
        ("a+b(c).py", ["a+b(c).py"], ["aab(c).py"]),
    ],
)
def test_glob_to_regex(glob: str, matches: list[str], misses: list[str]) -> None:
    pattern = re.compile(glob_to_regex(glob))
    for path in matches:
        assert pattern.match(path), (glob, path)
    for path in misses:
        assert not pattern.match(path), (glob, path)


def test_filter_combinators() -> None:
    assert is_in("path", []) == "false"
    assert all_of([None, "a = 1", ""]) == "(a = 1)"
    assert all_of([None]) is None


def open_store(tmp_path: Path, embedder_id: str = "hashing-v1-512") -> tuple[IndexStore, str]:
    return IndexStore.open(str(tmp_path / "db"), embedder_id=embedder_id, dim=DIM)


def test_paths_with_quotes_and_backslashes_survive_every_write(tmp_path: Path) -> None:
    store, _ = open_store(tmp_path)
    odd = ["it's.py", "back\\slash.py", "o'neil\\'s.py"]
    chunks = [make_chunk(p, "f", f"def f(): return {i}") for i, p in enumerate(odd)]
    add_chunks(store, [*chunks, make_chunk("normal.py", "g", "def g(): pass")])
    store.upsert_files([FileRow(p, 1, 1, "h", "python") for p in [*odd, "normal.py"]])
    assert set(store.file_rows_for(odd)) == set(odd)
    store.rename_path("it's.py", "it's'renamed.py")
    store.delete_paths(["back\\slash.py", "o'neil\\'s.py"])
    assert store.chunk_paths() == {"it's'renamed.py", "normal.py"}
    assert set(store.file_rows()) == {"it's'renamed.py", "normal.py"}


def test_new_rows_are_found_by_full_text_search_before_and_after_optimize(
    tmp_path: Path,
) -> None:
    store, _ = open_store(tmp_path)
    add_chunks(store, CORPUS)
    store.optimize(force=True)
    fresh = make_chunk("zoo/animals.py", "feed_zebra", "def feed_zebra(zebra): zebra.eat()")
    add_chunks(store, [fresh])
    hits = store.fts_search("zebra", limit=5, where=None)
    assert [h["path"] for h in hits] == ["zoo/animals.py"]
    store.optimize(force=True)
    assert [h["path"] for h in store.fts_search("zebra", limit=5, where=None)] == ["zoo/animals.py"]


def test_embedder_change_is_reported_and_the_store_starts_empty(tmp_path: Path) -> None:
    store, reason = open_store(tmp_path)
    assert reason == ""
    add_chunks(store, CORPUS)
    store, reason = open_store(tmp_path)
    assert reason == "" and store.count_chunks() == len(CORPUS)
    store, reason = open_store(tmp_path, embedder_id="other-model")
    assert "embedder changed" in reason
    assert store.count_chunks() == 0


def test_read_only_store_does_not_rebuild(tmp_path: Path) -> None:
    store, _ = open_store(tmp_path)
    add_chunks(store, CORPUS)
    ro, reason = IndexStore.open(str(tmp_path / "db"), embedder_id="other", dim=DIM, read_only=True)
    assert "embedder changed" in reason
    assert ro.count_chunks() == len(CORPUS)


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def test_compaction_keeps_the_folder_bounded(tmp_path: Path) -> None:
    store, _ = open_store(tmp_path)
    add_chunks(store, CORPUS)
    store.optimize(force=True)

    def churn(rounds: int) -> None:
        for i in range(rounds):
            chunk = make_chunk("hot.py", "f", f"def f():\n    return {i}\n" + "x = 1\n" * 50)
            store.delete_paths(["hot.py"])
            add_chunks(store, [chunk])
            store.upsert_files([FileRow("hot.py", i, i, str(i), "python")])
            store.optimize()

    churn(30)
    store.optimize(force=True)
    after_30 = dir_size(tmp_path / "db")
    churn(90)
    store.optimize(force=True)
    after_120 = dir_size(tmp_path / "db")
    assert after_120 < after_30 * 1.5, (after_30, after_120)
    assert store.count_chunks() == len(CORPUS) + 1


def test_vector_search_returns_unit_scores(tmp_path: Path) -> None:
    store, _ = open_store(tmp_path)
    add_chunks(store, CORPUS)
    query = HashingEmbedder().embed(["average of numbers"], side="query")[0]
    rows = store.vector_search(query, limit=3, where=None)
    assert rows[0]["path"] == "math/stats.py"
    assert all(-1.0 <= r["_score"] <= 1.0001 for r in rows)
    assert np.isclose(
        rows[0]["_score"],
        max(r["_score"] for r in rows),
    )


def test_vector_scores_are_cosine_similarities_with_or_without_the_ann_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store ranks by squared L2 (unit vectors): scores must still be the cosines."""
    import delegate.index.store as store_module

    monkeypatch.setattr(store_module, "VECTOR_INDEX_MIN_ROWS", 400)
    embedder = HashingEmbedder()
    filler = [
        make_chunk(f"gen/f{i}.py", f"func_{i}", f"def func_{i}(value_{i % 37}):\n    return {i}")
        for i in range(500)
    ]
    chunks = [*filler, *CORPUS]
    vectors = embedder.embed([embedding_text(c) for c in chunks]).astype(np.float16)
    by_path = {c.path: v.astype(np.float32) for c, v in zip(chunks, vectors, strict=True)}
    query = embedder.embed(["average of numbers"], side="query")[0]
    store, _ = open_store(tmp_path)
    add_chunks(store, chunks)
    for indexed in (False, True):
        if indexed:
            store.optimize(force=True)
            assert "vector_idx" in {ix.name for ix in store._chunks.list_indices()}
            # the query's distance matches the index's, or LanceDB would scan every row
            assert "ANNS" in store._vector_query(query, limit=5, where=None).explain_plan()
        rows = store.vector_search(query, limit=5, where=None)
        assert rows[0]["path"] == "math/stats.py"
        exact = [float(by_path[r["path"]] @ query) for r in rows]
        assert np.allclose([r["_score"] for r in rows], exact, atol=2e-3), (indexed, rows)
        assert exact == sorted(exact, reverse=True)


def test_large_tables_get_an_ann_index_and_still_find_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import delegate.index.store as store_module

    monkeypatch.setattr(store_module, "VECTOR_INDEX_MIN_ROWS", 400)
    store, _ = open_store(tmp_path)
    filler = [
        make_chunk(f"gen/f{i}.py", f"func_{i}", f"def func_{i}(value_{i % 37}):\n    return {i}")
        for i in range(500)
    ]
    add_chunks(store, [*filler, *CORPUS])
    store.optimize(force=True)
    assert "vector_idx" in {ix.name for ix in store._chunks.list_indices()}
    query = HashingEmbedder().embed(["average of numbers"], side="query")[0]
    assert store.vector_search(query, limit=3, where=None)[0]["path"] == "math/stats.py"


def test_a_reader_opened_before_the_first_index_sees_it_later(tmp_path: Path) -> None:
    reader, _ = IndexStore.open(str(tmp_path / "db"), embedder_id="h", dim=DIM, read_only=True)
    assert reader.count_chunks() == 0 and reader.fts_search("zebra", limit=3, where=None) == []
    writer, _ = IndexStore.open(str(tmp_path / "db"), embedder_id="h", dim=DIM)
    add_chunks(writer, [make_chunk("zoo.py", "zebra", "def zebra(): pass")])
    assert [r["path"] for r in reader.fts_search("zebra", limit=3, where=None)] == ["zoo.py"]
