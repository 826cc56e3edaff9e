"""Plain data that the index hands to everyone else: chunks, symbols, search hits.

These types are the contract between ``delegate.index`` and its users (the agent's tools,
the language server, the CLI). They are frozen dataclasses of plain values so they can
cross process boundaries (the parsing pool) and be turned into JSON without ceremony.
Paths are always POSIX-style and relative to the workspace folder.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ChunkKind = Literal["function", "method", "class", "module", "text"]
SymbolKind = Literal[
    "function", "method", "class", "interface", "struct", "enum", "trait", "module", "constant"
]


@dataclass(frozen=True)
class Chunk:
    """One retrievable piece of a file: a definition, a stretch of module code, or a text window."""

    id: str  # stable: derived from path, symbol and content hash
    path: str
    language: str  # "python", "typescript", …, or "text"
    kind: ChunkKind
    symbol: str  # qualified name ("Parser.parse"), "" for module code and text windows
    start_line: int  # 1-based, inclusive
    end_line: int  # 1-based, inclusive
    text: str
    hash: str  # content hash of ``text`` (hex)


@dataclass(frozen=True)
class Definition:
    """A named definition found by tree-sitter."""

    name: str  # short name ("parse")
    qualified: str  # qualified name ("Parser.parse")
    kind: SymbolKind
    path: str
    start_line: int  # 1-based, inclusive
    end_line: int


@dataclass(frozen=True)
class Reference:
    """An identifier occurrence that may refer to a definition elsewhere."""

    name: str
    path: str
    line: int  # 1-based


@dataclass(frozen=True)
class ParsedFile:
    """Everything the index keeps about one file."""

    path: str
    language: str
    chunks: tuple[Chunk, ...]
    definitions: tuple[Definition, ...] = ()
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    """One search result; ``score`` is higher-is-better within one result list."""

    path: str
    start_line: int
    end_line: int
    symbol: str
    kind: str
    language: str
    score: float
    text: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UpdateStats:
    """What one index update did."""

    files_total: int = 0
    files_changed: int = 0
    files_removed: int = 0
    chunks_written: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    rebuild_reason: str = ""
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
