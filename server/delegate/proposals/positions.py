"""Text edits in code points, and their columns in the encoding the client negotiated.

Python strings index by code point, so the merge works in code points. LSP clients count
columns in UTF-16 units by default, or UTF-8 bytes or UTF-32 (code points) when negotiated;
a column after an emoji differs between all three. Conversion needs the line's text, so it
takes the text the edits were computed against.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from delegate.proposals.lines import split_lines, strip_terminator

PositionEncoding = Literal["utf-8", "utf-16", "utf-32"]


@dataclass(frozen=True)
class TextEdit:
    """Replace the range ``(start_line, start_col)``–``(end_line, end_col)`` with ``new_text``.

    Lines are 0-based and split as LSP splits them; columns count in whatever unit the
    producer says — code points unless converted with :func:`to_encoding`.
    """

    start_line: int
    start_col: int
    end_line: int
    end_col: int
    new_text: str


def units(text: str, encoding: PositionEncoding) -> int:
    """Length of ``text`` in the encoding's code units."""
    if encoding == "utf-32":
        return len(text)
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text.encode("utf-8", "surrogatepass"))


def _line_contents(text: str) -> list[str]:
    lines = [strip_terminator(line) for line in split_lines(text)]
    lines.append("")  # the (possibly empty) line after a final terminator
    return lines


def column_to_encoding(line_text: str, col: int, encoding: PositionEncoding) -> int:
    """A code-point column of ``line_text`` as a column in ``encoding`` units."""
    return units(line_text[:col], encoding)


def column_from_encoding(line_text: str, col: int, encoding: PositionEncoding) -> int:
    """A column in ``encoding`` units as a code-point column (clamped to the line's end).

    A column that falls inside a character (half a surrogate pair, mid-UTF-8 sequence)
    rounds down to that character's start.
    """
    if encoding == "utf-32":
        return min(col, len(line_text))
    used = 0
    for index, char in enumerate(line_text):
        width = units(char, encoding)
        if used + width > col:
            return index
        used += width
    return len(line_text)


def to_encoding(text: str, edits: Iterable[TextEdit], encoding: PositionEncoding) -> list[TextEdit]:
    """``edits`` (code-point columns, against ``text``) with columns in ``encoding`` units."""
    lines = _line_contents(text)

    def convert(line: int, col: int) -> int:
        return column_to_encoding(lines[line] if line < len(lines) else "", col, encoding)

    return [
        TextEdit(
            e.start_line,
            convert(e.start_line, e.start_col),
            e.end_line,
            convert(e.end_line, e.end_col),
            e.new_text,
        )
        for e in edits
    ]


def from_encoding(text: str, line: int, col: int, encoding: PositionEncoding) -> tuple[int, int]:
    """A client position (columns in ``encoding`` units) as ``(line, code-point column)``."""
    lines = _line_contents(text)
    if line >= len(lines):
        return len(lines) - 1, len(lines[-1])
    return line, column_from_encoding(lines[line], col, encoding)


def position_to_offset(lines: Sequence[str], line: int, col: int) -> int:
    """Code-point offset into ``"".join(lines)`` of a code-point position."""
    offset = sum(len(piece) for piece in lines[:line])
    if line < len(lines):
        offset += min(col, len(strip_terminator(lines[line])))
    return offset


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """``text`` with non-overlapping code-point ``edits`` applied (as an LSP client would)."""
    lines = split_lines(text)
    spans = sorted(
        (
            (
                position_to_offset(lines, e.start_line, e.start_col),
                position_to_offset(lines, e.end_line, e.end_col),
                e.new_text,
            )
            for e in edits
        ),
        key=lambda span: (span[0], span[1]),
    )
    out: list[str] = []
    cursor = 0
    for start, end, new_text in spans:
        if start < cursor:
            raise ValueError("overlapping edits")
        out.append(text[cursor:start])
        out.append(new_text)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
