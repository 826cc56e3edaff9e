"""WorkspaceIndex end to end on a real folder: open, lock, read-only, search, symbols, map."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.fake_voyage import FakeVoyage

import delegate.index.workspace as workspace_module
from delegate.index.embedders import VoyageEmbedder
from delegate.index.lock import IndexLocked
from delegate.index.pool import IndexedFile, index_files
from delegate.index.workspace import WorkspaceIndex, gc_paused
from delegate.settings import IndexSettings


def test_open_creates_state_dir_with_gitignore(folder: Path) -> None:
    with WorkspaceIndex.open(folder, IndexSettings()) as ws:
        assert ws.folder == folder.resolve()
    assert (folder / ".delegate" / ".gitignore").read_text() == "*\n"
    assert (folder / ".delegate" / "index").is_dir()


def test_first_update_indexes_every_file(index: WorkspaceIndex) -> None:
    stats = index.stats()
    assert stats["files"] == 8
    assert stats["chunks"] >= 8
    assert stats["embedder"].startswith("hashing") and stats["dim"] == 512
    assert stats["last_update"] is not None


def test_second_writer_is_refused_but_can_search_read_only(
    folder: Path, index: WorkspaceIndex
) -> None:
    with pytest.raises(IndexLocked, match="read-only"):
        WorkspaceIndex.open(folder, IndexSettings())
    with WorkspaceIndex.open(folder, IndexSettings(), read_only=True) as reader:
        hits = reader.search("cyclic redundancy checksum")
        assert hits[0].path == "core/checksum.py"
        with pytest.raises(IndexLocked):
            reader.update()
    index.close()
    WorkspaceIndex.open(folder, IndexSettings()).close()


@pytest.mark.parametrize(
    ("query", "path", "symbol"),
    [
        ("compute a checksum of bytes", "core/checksum.py", ""),
        ("crc_of_bytes", "core/checksum.py", ""),
        ("banner around a title", "tools/leaf.py", ""),
        ("formatPrice", "web/format.ts", ""),
    ],
)
def test_search_by_description_and_identifier(
    index: WorkspaceIndex, query: str, path: str, symbol: str
) -> None:
    hits = index.search(query, limit=5)
    assert hits[0].path == path


def test_search_filters(index: WorkspaceIndex) -> None:
    assert {h.path for h in index.search("records", path_glob="views/*")} <= {
        "views/users.py",
        "views/orders.py",
    }
    assert {h.language for h in index.search("price amount", language="typescript")} == {
        "typescript"
    }
    assert index.search("anything at all", language="cobol") == []


def test_find_symbol_by_short_and_qualified_name(index: WorkspaceIndex) -> None:
    definitions, references = index.find_symbol("save")
    assert [(d.path, d.qualified, d.kind) for d in definitions] == [
        ("core/models.py", "Record.save", "method")
    ]
    assert {r.path for r in references} >= {"views/users.py", "views/orders.py"}
    qualified, _ = index.find_symbol("Record.save")
    assert qualified == definitions
    assert index.find_symbol("Other.save")[0] == []
    assert index.find_symbol("no_such_name") == ([], [])


def test_repo_map_ranks_the_shared_module_first_and_fits_the_budget(
    index: WorkspaceIndex,
) -> None:
    text = index.repo_map(max_tokens=40)
    assert len(text) <= 40 * 4
    assert text.startswith("core/models.py:\n  class Record:\n")
    assert "tools/leaf.py" not in text
    everything = index.repo_map(max_tokens=2000)
    assert everything.index("core/models.py") < everything.index("tools/leaf.py")
    focused = index.repo_map(max_tokens=60, focus=["tools/leaf.py"])
    assert "tools/leaf.py:\n  def print_banner(title):" in focused
    asked = index.repo_map(max_tokens=60, query="why does crc_of_bytes overflow?")
    assert "def crc_of_bytes(payload):" in asked
    big = index.repo_map(max_tokens=2000)
    assert "    def save(self, connection):" in big


def test_search_while_updating_in_another_thread(folder: Path, index: WorkspaceIndex) -> None:
    for i in range(30):
        (folder / f"extra/mod{i}.py").parent.mkdir(exist_ok=True)
        (folder / f"extra/mod{i}.py").write_text(f"def extra_{i}(value):\n    return value * {i}\n")
    errors: list[BaseException] = []
    done = threading.Event()

    def searcher() -> None:
        try:
            while not done.is_set():
                assert index.search("checksum of bytes")[0].path == "core/checksum.py"
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    thread = threading.Thread(target=searcher)
    thread.start()
    try:
        stats = index.update()
    finally:
        done.set()
        thread.join()
    assert not errors, errors
    assert stats.files_changed == 30
    assert index.search("extra_7")[0].path == "extra/mod7.py"


def test_a_model_embedder_embeds_in_this_process(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.fake_voyage import FakeVoyage

    from delegate.index.embedders import VoyageEmbedder

    fake = FakeVoyage(dim=16).start()
    try:
        monkeypatch.setenv("VOYAGE_API_KEY", "sk-test")
        monkeypatch.setenv("VOYAGE_BASE_URL", fake.base_url)
        embedder = VoyageEmbedder(dim=16)
        with WorkspaceIndex.open(folder, IndexSettings(embedder="voyage"), embedder=embedder) as ws:
            stats = ws.update()
            assert stats.files_changed == 8 and ws.stats()["dim"] == 16
            documents = [r for r in fake.requests if r.body["input_type"] == "document"]
            assert sum(len(r.body["input"]) for r in documents) == stats.chunks_total
            assert ws.search("crc_of_bytes", mode="fts")[0].path == "core/checksum.py"
            assert len(ws.search("checksum", mode="vector", limit=3)) == 3
            assert fake.requests[-1].body["input_type"] == "query"
    finally:
        fake.stop()


def test_a_model_embedder_gets_many_files_per_request(folder: Path) -> None:
    for i in range(12):
        (folder / f"more/m{i}.py").parent.mkdir(exist_ok=True)
        (folder / f"more/m{i}.py").write_text(f"def more_{i}():\n    return {i}\n")
    fake = FakeVoyage(dim=16).start()
    try:
        embedder = VoyageEmbedder(api_key="sk-test", base_url=fake.base_url, dim=16)
        with WorkspaceIndex.open(folder, IndexSettings(), embedder=embedder) as ws:
            stats = ws.update()
        # 20 files, one batch of chunks: one request (the API's batch limit is 64 texts)
        assert stats.files_changed == 20 and stats.chunks_total <= VoyageEmbedder.MAX_BATCH
        assert len(fake.requests) == 1
    finally:
        fake.stop()


class _Node:
    """A garbage cycle's member (plain objects support weak references)."""

    partner: object = None


def test_gc_pauses_overlap_and_the_collector_comes_back_as_it_was() -> None:
    first, second = gc_paused(), gc_paused()
    try:
        first.__enter__()
        assert not gc.isenabled()
        second.__enter__()
        first.__exit__(None, None, None)
        assert not gc.isenabled()  # the second update is still writing
        second.__exit__(None, None, None)
        assert gc.isenabled()
        gc.disable()
        with gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_cyclic_garbage_made_during_a_pause_is_collected_when_it_ends() -> None:
    gc.collect()  # a fresh count: no automatic collection runs right after the pause
    with gc_paused():
        a, b = _Node(), _Node()
        a.partner, b.partner = b, a
        alive = weakref.ref(a)
        del a, b
    assert alive() is None


def test_update_pauses_the_collector_while_results_arrive(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []

    def watched(*args: Any, **kwargs: Any) -> Iterator[IndexedFile]:
        for result in index_files(*args, **kwargs):
            seen.append(gc.isenabled())
            yield result

    monkeypatch.setattr(workspace_module, "index_files", watched)
    with WorkspaceIndex.open(folder, IndexSettings()) as ws:
        ws.update()
        assert seen and not any(seen)
        assert gc.isenabled()
        monkeypatch.setattr(workspace_module, "index_files", _failing)
        (folder / "core" / "checksum.py").write_text("def changed():\n    return 1\n")
        with pytest.raises(RuntimeError, match="worker died"):
            ws.update()
        assert gc.isenabled()


def _failing(*args: Any, **kwargs: Any) -> Iterator[IndexedFile]:
    assert not gc.isenabled()
    raise RuntimeError("worker died")
    yield  # a generator, like index_files


@pytest.mark.parametrize("vector_rows", [10_000, 5])
def test_a_first_build_indexes_every_row(
    folder: Path, monkeypatch: pytest.MonkeyPatch, vector_rows: int
) -> None:
    """finish_first_build's indexes cover every row, with and without the vector index."""
    import delegate.index.store as store_module

    monkeypatch.setattr(store_module, "VECTOR_INDEX_MIN_ROWS", vector_rows)
    with WorkspaceIndex.open(folder, IndexSettings()) as ws:
        ws.update()
        store = ws._store
        expected = {
            store._chunks: {"terms_idx", "path_idx"}
            | ({"vector_idx"} if vector_rows == 5 else set()),
            store._symbols: {"name_idx", "path_idx"},
        }
        for table, names in expected.items():
            assert {ix.name for ix in table.list_indices()} == names
            for name in names:
                stats = table.index_stats(name)
                assert stats.num_unindexed_rows == 0, (name, stats)
                assert stats.num_indexed_rows == table.count_rows(), (name, stats)
