"""Chunks for files without a grammar: overlapping line windows, Markdown by section.

Windows are :data:`WINDOW_LINES` long and overlap by :data:`OVERLAP_LINES`, so a passage
that straddles a boundary is whole in at least one chunk. Markdown is first cut at its
headings (ATX ``#`` lines outside fenced code), short sections are joined, and only a
section longer than a window is windowed; each chunk's symbol is its heading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import accumulate

from delegate.index.chunking import make_chunks
from delegate.index.model import Chunk, ChunkKind

WINDOW_LINES = 60
OVERLAP_LINES = 10
MAX_WINDOW_CHARS = 6000

_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")

Span = tuple[ChunkKind, str, int, int, str]


def _windows(
    lines: Sequence[str], offsets: Sequence[int], start: int, end: int, symbol: str
) -> list[Span]:
    """Windows over rows ``start..end``; ``offsets[i]`` is the length of the first ``i``
    lines (without newlines), so a window's size is one subtraction."""
    spans: list[Span] = []
    row = start
    while row <= end:
        stop = min(end, row + WINDOW_LINES - 1)
        size = offsets[stop + 1] - offsets[row] + stop + 1 - row
        while stop > row and size > MAX_WINDOW_CHARS:
            size -= len(lines[stop]) + 1
            stop -= 1
        first, last = row, stop
        while first < last and not lines[first].strip():
            first += 1
        while last > first and not lines[last].strip():
            last -= 1
        if lines[first].strip():
            spans.append(("text", symbol, first, last, ""))
        if stop >= end:
            break
        row = max(stop + 1 - OVERLAP_LINES, row + 1)
    return spans


def _markdown_sections(lines: Sequence[str]) -> list[tuple[str, int, int]]:
    sections: list[tuple[str, int, int]] = []
    title, start, fenced = "", 0, False
    for row, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        heading = None if fenced else _HEADING.match(line)
        if heading and row > start:
            sections.append((title, start, row - 1))
            start = row
        if heading:
            title = heading.group(1)
    sections.append((title, start, len(lines) - 1))
    # join short sections with the next one, as long as the result fits one window
    joined: list[tuple[str, int, int]] = []
    for section in sections:
        if joined:
            title0, start0, end0 = joined[-1]
            if end0 - start0 + 1 < WINDOW_LINES // 4 and section[2] - start0 < WINDOW_LINES:
                joined[-1] = (title0 or section[0], start0, section[2])
                continue
        joined.append(section)
    return joined


def chunk_text(path: str, text: str, *, markdown: bool | None = None) -> list[Chunk]:
    """Text chunks of ``text`` (kind and language ``"text"``)."""
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return []
    if markdown is None:
        markdown = path.lower().endswith((".md", ".markdown"))
    offsets = [0, *accumulate(map(len, lines))]
    spans: list[Span] = []
    if markdown:
        for title, start, end in _markdown_sections(lines):
            spans.extend(_windows(lines, offsets, start, end, title))
    else:
        spans = _windows(lines, offsets, 0, len(lines) - 1, "")
    return make_chunks(path, "text", spans, lines, text=text)  # the lines joined, as sliced
