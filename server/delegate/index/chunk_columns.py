"""Chunks of many files as columns, on their way from a pool worker to the chunks table.

A worker's chunks cross a process boundary and are then written to LanceDB column by
column, so they travel as columns: a handful of lists of strings and ints pickle and
unpickle far faster than tens of thousands of small objects, strings are not tracked by
the cyclic garbage collector (the indexing process's heap stays small for it to walk),
and Arrow takes the lists as they are.  :class:`~delegate.index.model.Chunk` objects are
still what everyone outside the indexer sees; :meth:`ChunkColumns.chunks` makes them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from delegate.index.columns import Columns
from delegate.index.model import Chunk


@dataclass
class ChunkColumns(Columns):
    """Chunks as parallel lists, one entry per chunk (see :class:`~delegate.index.model.Chunk`)."""

    id: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    symbol: list[str] = field(default_factory=list)
    start_line: list[int] = field(default_factory=list)
    end_line: list[int] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    hash: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, chunks: Sequence[Chunk]) -> ChunkColumns:
        return cls(
            id=[c.id for c in chunks],
            path=[c.path for c in chunks],
            language=[c.language for c in chunks],
            kind=[c.kind for c in chunks],
            symbol=[c.symbol for c in chunks],
            start_line=[c.start_line for c in chunks],
            end_line=[c.end_line for c in chunks],
            text=[c.text for c in chunks],
            hash=[c.hash for c in chunks],
        )

    def embedding_texts(self) -> list[str]:
        """What the embedders see of each chunk (as :func:`~delegate.index.embedders.
        embedding_text` of the chunk): its path and symbol, then its text."""
        return [
            f"{path} {symbol}\n{text}"
            for path, symbol, text in zip(self.path, self.symbol, self.text, strict=True)
        ]

    def chunks(self) -> Iterator[Chunk]:
        for values in zip(*self.__dict__.values(), strict=True):
            yield Chunk(*values)
