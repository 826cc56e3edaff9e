"""Lines as LSP counts them, so that a hunk's line numbers are the editor's line numbers.

``str.splitlines`` also breaks on form feeds, vertical tabs, U+2028 and friends, which LSP
does not: a file containing one would make our line 7 the editor's line 6. LSP breaks only
on ``\\r\\n``, ``\\r`` and ``\\n``; every line keeps its terminator so that joining the
lines gives back the text byte for byte (CRLF, mixed endings, no final newline).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def split_lines(text: str) -> list[str]:
    """Split ``text`` into lines that keep their terminators; ``"".join`` restores it."""
    return _LINE.findall(text)


def line_offsets(lines: Sequence[str]) -> list[int]:
    """Code-point offset of the start of every line, plus one entry for the end of text."""
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return offsets


def strip_terminator(line: str) -> str:
    """The line's content without its ``\\r\\n``, ``\\r`` or ``\\n``."""
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\r", "\n")):
        return line[:-1]
    return line


def line_start_position(lines: Sequence[str], index: int) -> tuple[int, int]:
    """LSP (line, code-point column) of the start of line ``index``; ``len(lines)`` is the end.

    The end of a text that lacks a final newline is the end of its last line, not the
    start of a line that does not exist.
    """
    if not 0 <= index <= len(lines):
        raise ValueError(f"line {index} outside text of {len(lines)} lines")
    if index == len(lines) and lines and strip_terminator(lines[-1]) == lines[-1]:
        return index - 1, len(lines[-1])
    return index, 0
