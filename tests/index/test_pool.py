"""The indexer's unit of work: a batch of files in, one result per file out.

Workers tokenise and embed a whole batch in one call and split the results back per
file; whatever a file gets must not depend on the files it was batched with.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np

from delegate.index.chunk_columns import ChunkColumns
from delegate.index.embedders import HashingEmbedder, embedding_text
from delegate.index.files import content_hash
from delegate.index.model import Chunk
from delegate.index.parse import parse_file
from delegate.index.pool import FileJob, IndexedFile, index_batch

MAX = 1 << 20
FILES = {
    "a.py": "import os\n\nclass Reader:\n    def read_all(self, path):\n        return open(path).read()\n\n"
    "    def close(self):\n        pass\n\n\ndef parse_args(argv):\n    return argv[1:]\n",
    "b.md": "# Title\n\nSome words about parsing.\n\n## Usage\n\nRun it.\n",
    "empty.py": "",
    "c.ts": "export function fetchUrl(url: string): Promise<string> {\n  return get(url);\n}\n",
    "blob.py": "x = 1\x00\n",
    "same.py": "VALUE = 42\n",
    "moved.py": "def moved():\n    return 1\n",
}


def _jobs(folder: Path) -> list[FileJob]:
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    same = content_hash(FILES["same.py"])
    return [
        FileJob(name, len(text), 1, known_hash=same if name == "same.py" else "")
        for name, text in FILES.items()
    ] + [FileJob("gone.py", 1, 1)]


def _summary(result: IndexedFile) -> tuple[object, ...]:
    vectors = None if result.vectors is None else result.vectors.tolist()
    return (
        result.path,
        result.status,
        result.skip_reason,
        result.hash,
        result.chunks,
        result.symbols,
        result.terms,
        vectors,
        None if result.vectors is None else result.vectors.dtype,
    )


def test_a_batch_gives_each_file_what_it_would_get_alone(tmp_path: Path) -> None:
    jobs = _jobs(tmp_path)
    moved = frozenset({content_hash(FILES["moved.py"])})
    together = index_batch(
        tmp_path, jobs, max_file_bytes=MAX, moved_hashes=moved, embedder=HashingEmbedder(64)
    )
    alone = [
        index_batch(
            tmp_path, [job], max_file_bytes=MAX, moved_hashes=moved, embedder=HashingEmbedder(64)
        )[0]
        for job in jobs
    ]
    assert [r.status for r in together] == [
        "parsed",
        "parsed",
        "parsed",
        "parsed",
        "skipped",
        "unchanged",
        "moved",
        "skipped",
    ]
    assert [_summary(r) for r in together] == [_summary(r) for r in alone]
    reader = together[0]
    assert len(reader.chunks) == len(reader.terms) == len(reader.vectors)  # type: ignore[arg-type]
    assert "reader" in reader.terms[1] or "reader" in reader.terms[0]


def test_vectors_are_float16_rows_of_the_embedder_and_empty_files_get_none(
    tmp_path: Path,
) -> None:
    jobs = _jobs(tmp_path)
    embedder = HashingEmbedder(64)
    results = index_batch(tmp_path, jobs, max_file_bytes=MAX, embedder=embedder)
    reader, empty = results[0], results[2]
    assert reader.vectors is not None and reader.vectors.dtype == np.float16
    expected = HashingEmbedder(64).embed(
        [f"a.py {c.symbol}\n{c.text}" for c in reader.chunks.chunks()]
    )
    np.testing.assert_array_equal(reader.vectors, expected.astype(np.float16))
    assert empty.parsed and len(empty.chunks) == 0 and empty.terms == []
    assert empty.vectors is not None and empty.vectors.shape == (0, 64)


def test_without_the_hashing_embedder_terms_come_but_no_vectors(tmp_path: Path) -> None:
    results = index_batch(tmp_path, _jobs(tmp_path), max_file_bytes=MAX)
    assert results[0].terms and all(r.vectors is None for r in results)


def test_chunk_columns_round_trip_chunks_and_their_embedding_text(tmp_path: Path) -> None:
    assert [f.name for f in fields(ChunkColumns)] == [f.name for f in fields(Chunk)]
    chunks = list(parse_file("a.py", FILES["a.py"]).chunks)
    columns = ChunkColumns.of(chunks)
    assert list(columns.chunks()) == chunks and len(columns) == len(chunks)
    assert columns.embedding_texts() == [embedding_text(c) for c in chunks]
    both = ChunkColumns.of(chunks)
    both.extend(columns)
    assert list(both.chunks()) == chunks + chunks
