"""Definitions and references of many files as columns, on their way to the symbols table.

Workers return symbols in this shape because a handful of lists pickles far faster than
a million small objects, and Arrow takes the lists as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from delegate.index.columns import Columns
from delegate.index.model import ParsedFile


@dataclass
class SymbolColumns(Columns):
    """Definitions and references as columns: cheap to pickle, ready for Arrow.

    References are deduplicated by (name, line); one occurrence per line is enough to
    find a use.
    """

    role: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    qualified: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)
    start_line: list[int] = field(default_factory=list)
    end_line: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, parsed: ParsedFile) -> SymbolColumns:
        out = cls()
        for d in parsed.definitions:
            out._append("def", d.name, d.qualified, d.kind, d.path, d.start_line, d.end_line)
        seen: set[tuple[str, int]] = set()
        for r in parsed.references:
            if (r.name, r.line) not in seen:
                seen.add((r.name, r.line))
                out._append("ref", r.name, "", "", r.path, r.line, r.line)
        return out

    @classmethod
    def of_columns(cls, parsed: ParsedFile, names: list[str], lines: list[int]) -> SymbolColumns:
        """``parsed``'s definitions plus references given as columns, one per (name, line)
        already (see :func:`delegate.index.parse.parse_for_index`)."""
        out = cls()
        for d in parsed.definitions:
            out._append("def", d.name, d.qualified, d.kind, d.path, d.start_line, d.end_line)
        count = len(names)
        out.role += ["ref"] * count
        out.name += names
        out.qualified += [""] * count
        out.kind += [""] * count
        out.path += [parsed.path] * count
        out.start_line += lines
        out.end_line += lines
        return out

    def _append(
        self, role: str, name: str, qualified: str, kind: str, path: str, start: int, end: int
    ) -> None:
        self.role.append(role)
        self.name.append(name)
        self.qualified.append(qualified)
        self.kind.append(kind)
        self.path.append(path)
        self.start_line.append(start)
        self.end_line.append(end)
