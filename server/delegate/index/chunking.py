"""Cut a code file into retrievable chunks, given its lines and its outline.

The rules, in the order they apply:

* every definition that is not inside a function becomes its own chunk: functions,
  methods, classes; a function's nested functions stay inside it;
* a class-like definition is opened up: its methods become method chunks and the rest of
  it (header, docstring, fields) becomes the class chunk, so no method is stored twice;
* code between definitions becomes a ``module`` chunk (inside a class: more of the
  ``class`` chunk);
* decorators, doc comments and attributes just above a definition belong to it;
* runs of small pieces (under :data:`TINY_LINES` lines: short module code, one-line
  functions, a three-line struct) are merged into one chunk of the surrounding kind, so
  search does not return a dozen crumbs;
* a piece over :data:`MAX_LINES` lines or :data:`MAX_CHARS` characters is cut at statement
  boundaries into several chunks with the same symbol;
* a method (and every later piece of a cut definition) carries the headers of what
  encloses it as context at the top of its text — ``class Parser(Base):`` then an
  indented ``...`` — while its start and end lines stay its own.

Lines between pieces that are blank or hold only closing brackets (``}``, ``});``, Ruby's
``end``) belong to no chunk; every other line belongs to exactly one.

Chunk ids are ``blake2b(path, kind, symbol, content hash)``: they do not change when lines
elsewhere in the file move, so an edit re-embeds only the chunks it touched. Two chunks
with the same key in one file (identical code under the same symbol) get an ordinal.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from delegate.index.model import Chunk, ChunkKind
from delegate.index.outline import CONTAINER_KINDS, Outline

# a blank line, or one of only closing brackets or Ruby's `end` (perhaps with a // comment)
_CLOSER = re.compile(r"^\s*(?:(?:[)}\];,]+|end\b)[\s)}\];,]*(?://.*|/\*.*)?)?$")

MAX_LINES = 120
MAX_CHARS = 6000
TINY_LINES = 5


Cuts = Callable[[], Sequence[int]]


def _no_cuts() -> Sequence[int]:
    return ()


@dataclass(slots=True)
class Piece:
    """A span of rows (0-based, inclusive) that will become one chunk.

    ``cuts`` and ``owner`` are only consulted for a piece too large for one chunk, so
    they are a function to call and an outline to ask rather than rows worked out ahead.
    """

    kind: ChunkKind
    symbol: str
    start: int
    end: int
    context: str = ""  # enclosing headers, prepended to the text
    cuts: Cuts = _no_cuts  # rows where the piece may be split
    mergeable: bool = False
    head: str = ""  # the piece's own header, repeated above its later parts when cut
    owner: Outline | None = None  # a definition piece: its header is the head


class _Lines:
    """The file's lines with prefix sums of their lengths, for O(1) span sizes."""

    def __init__(self, lines: Sequence[str], text: str | None = None) -> None:
        """``text``, when given, is ``"\n".join(lines)`` (perhaps plus a final newline):
        spans are then sliced from it instead of joined from lines."""
        self.lines = lines
        self._text = text
        self._offsets = [0, *accumulate(map(len, lines))]  # without the newlines
        self.headers: dict[tuple[int, int], str] = {}  # (start, end byte) of a definition
        # the context of every method of a class at one indentation is the same text
        self.contexts: dict[tuple[Outline, str], str] = {}

    def chars(self, start: int, end: int) -> int:
        return self._offsets[end + 1] - self._offsets[start] + end + 1 - start

    def text(self, start: int, end: int) -> str:
        if self._text is not None:
            return self._text[self._offsets[start] + start : self._offsets[end + 1] + end]
        return "\n".join(self.lines[start : end + 1])

    def indent(self, row: int) -> str:
        line = self.lines[row]
        return line[: len(line) - len(line.lstrip())]


def _too_big(lines: _Lines, start: int, end: int) -> bool:
    return end - start + 1 > MAX_LINES or lines.chars(start, end) > MAX_CHARS


def _trim(lines: _Lines, start: int, end: int) -> tuple[int, int] | None:
    """``start..end`` without the blank rows at either end (blank, or only closing brackets
    or ``end``: nothing worth a chunk of its own); ``None`` if nothing is left."""
    rows, closer = lines.lines, _CLOSER.match
    while start <= end and closer(rows[start]) is not None:
        start += 1
    while end >= start and closer(rows[end]) is not None:
        end -= 1
    return (start, end) if start <= end else None


def _header(lines: _Lines, outline: Outline) -> str:
    key = (outline.start_byte, outline.end_byte)
    header = lines.headers.get(key)
    if header is None:
        header = lines.headers[key] = lines.text(outline.start_row, outline.header_end_row)
    return header


def _context(lines: _Lines, ancestors: Sequence[Outline], first_row: int) -> str:
    if not ancestors:
        return ""
    key = (ancestors[-1], lines.indent(first_row))  # the innermost ancestor implies the rest
    context = lines.contexts.get(key)
    if context is None:
        headers = [_header(lines, a) for a in ancestors]
        context = lines.contexts[key] = "\n".join(headers) + "\n" + key[1] + "...\n"
    return context


def _region_context(lines: _Lines, ancestors: Sequence[Outline], row: int) -> tuple[str, str]:
    """(context, head) for code of the innermost ancestor starting at ``row``: when it
    starts in that ancestor's header, the header is in the text itself."""
    if ancestors and row <= ancestors[-1].header_end_row:
        return _context(lines, ancestors[:-1], row), _header(lines, ancestors[-1])
    return _context(lines, ancestors, row), ""


def _region_pieces(
    lines: _Lines,
    start: int,
    end: int,
    children: Sequence[Outline],
    gap_kind: ChunkKind,
    gap_symbol: str,
    ancestors: list[Outline],
    cuts: Cuts,
) -> list[Piece]:
    """Pieces of rows ``start..end`` whose definitions are ``children``."""
    raw: list[Piece | list[Piece]] = []  # a nested list is an opened-up container
    cursor = start

    def gap(until: int) -> None:
        span = _trim(lines, cursor, until)
        if span is not None:
            context, head = _region_context(lines, ancestors, span[0])
            raw.append(Piece(gap_kind, gap_symbol, span[0], span[1], context, cuts, True, head))

    for child in children:
        if child.end_row < cursor:
            continue  # shares its only row with the previous definition
        gap(child.chunk_start_row - 1)
        first = max(child.chunk_start_row, cursor)
        if child.kind in CONTAINER_KINDS:
            kind: ChunkKind = "module" if child.kind == "module" else "class"
            inner = _region_pieces(
                lines,
                first,
                child.end_row,
                child.children,
                kind,
                child.qualified,
                [*ancestors, child],
                child.cut_rows,
            )
            tiny = len(inner) == 1 and inner[0].end - inner[0].start + 1 < TINY_LINES
            raw.append(_with_mergeable(inner[0]) if tiny else inner)
        else:
            kind = "method" if child.kind == "method" else "function"
            raw.append(
                Piece(
                    kind,
                    child.qualified,
                    first,
                    child.end_row,
                    _context(lines, ancestors, first),
                    child.cut_rows,
                    mergeable=child.end_row - first + 1 < TINY_LINES,
                    owner=child,
                )
            )
        cursor = child.end_row + 1
    gap(end)
    return _merge_small(lines, raw, gap_kind, gap_symbol, ancestors, cuts)


def _with_mergeable(p: Piece) -> Piece:
    # not dataclasses.replace, which looks the fields up again on every call
    return Piece(p.kind, p.symbol, p.start, p.end, p.context, p.cuts, True, p.head, p.owner)


def _merge_small(
    lines: _Lines,
    raw: Sequence[Piece | list[Piece]],
    gap_kind: ChunkKind,
    gap_symbol: str,
    ancestors: list[Outline],
    cuts: Cuts,
) -> list[Piece]:
    out: list[Piece] = []
    run: list[Piece] = []

    def flush() -> None:
        if len(run) == 1:
            out.append(run[0])
        elif run:
            start, end = run[0].start, run[-1].end
            context, head = _region_context(lines, ancestors, start)
            out.append(Piece(gap_kind, gap_symbol, start, end, context, cuts, True, head))
        run.clear()

    for item in raw:
        if isinstance(item, Piece) and item.mergeable:
            if run and _too_big(lines, run[0].start, item.end):
                flush()
            run.append(item)
            continue
        if run:
            flush()
        if isinstance(item, Piece):
            out.append(item)
        else:
            out.extend(item)
    flush()
    return out


def _split(lines: _Lines, piece: Piece) -> list[Piece]:
    """Cut an oversized piece at its statement rows (or, failing that, anywhere)."""
    if not _too_big(lines, piece.start, piece.end):
        return [piece]
    result: list[Piece] = []
    start = piece.start
    cuts = sorted(c for c in piece.cuts() if piece.start < c <= piece.end)
    while start <= piece.end:
        if not _too_big(lines, start, piece.end):
            stop = piece.end
        else:
            # the furthest allowed cut that keeps this part within bounds
            fitting = [c for c in cuts if start < c and not _too_big(lines, start, c - 1)]
            stop = fitting[-1] - 1 if fitting else _hard_stop(lines, start, piece.end)
        span = _trim(lines, start, stop)
        if span is not None:
            context = piece.context if not result else _continuation(lines, piece, span[0])
            result.append(Piece(piece.kind, piece.symbol, span[0], span[1], context))
        start = stop + 1
    return result


def _hard_stop(lines: _Lines, start: int, end: int) -> int:
    stop = min(end, start + MAX_LINES - 1)
    while stop > start and lines.chars(start, stop) > MAX_CHARS:
        stop -= 1
    return stop


def _continuation(lines: _Lines, piece: Piece, row: int) -> str:
    """Context for the second and later parts of a cut piece: the enclosing headers and
    the piece's own header, then ``...``."""
    enclosing = piece.context.removesuffix("\n").rsplit("\n", 1)[0] if piece.context else ""
    head = _header(lines, piece.owner) if piece.owner is not None else piece.head
    parts = [p for p in (enclosing, head) if p]
    if not parts:
        return ""
    return "\n".join(parts) + "\n" + lines.indent(row) + "...\n"


def chunk_code(
    path: str,
    language: str,
    lines: Sequence[str],
    outlines: Sequence[Outline],
    top_level_rows: Cuts,
    *,
    text: str | None = None,
) -> list[Chunk]:
    """Chunks for a parsed code file; ``top_level_rows()`` are where module statements
    start (asked only when module code is too large for one chunk). ``text`` is the
    file's text when its lines are exactly its ``\n``-separated parts (no ``\r``)."""
    indexed = _Lines(lines, text)
    if not lines:
        return []
    pieces = _region_pieces(indexed, 0, len(lines) - 1, outlines, "module", "", [], top_level_rows)
    final: list[Piece] = []
    for piece in pieces:
        final.extend(_split(indexed, piece))
    return make_chunks(
        path, language, [(p.kind, p.symbol, p.start, p.end, p.context) for p in final], indexed
    )


def make_chunks(
    path: str,
    language: str,
    spans: Sequence[tuple[ChunkKind, str, int, int, str]],
    lines: _Lines | Sequence[str],
    *,
    text: str | None = None,
) -> list[Chunk]:
    """Chunks from ``(kind, symbol, start_row, end_row, context)`` spans, with stable ids;
    ``text``, as for :func:`chunk_code`, lets spans be sliced rather than joined."""
    indexed = lines if isinstance(lines, _Lines) else _Lines(lines, text)
    chunk_id = ChunkIds(path)
    chunks: list[Chunk] = []
    new = object.__new__
    blake2b = hashlib.blake2b
    for kind, symbol, start, end, context in spans:
        text = context + indexed.text(start, end)
        digest = blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        chunk = new(Chunk)  # the frozen dataclass __init__ is slow, and there are many
        chunk.__dict__.update(
            id=chunk_id(kind, symbol, digest),
            path=path,
            language=language,
            kind=kind,
            symbol=symbol,
            start_line=start + 1,
            end_line=end + 1,
            text=text,
            hash=digest,
        )
        chunks.append(chunk)
    return chunks


class ChunkIds:
    """Stable ids of one file's chunks, asked for in file order: a chunk's id hashes its
    path, kind, symbol and content hash, plus — for the second and later chunks with all of
    those equal — their ordinal.

    The index uses it again when it moves a renamed file's rows to the new path.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._seen: dict[str, int] = {}

    def __call__(self, kind: str, symbol: str, digest: str) -> str:
        key = f"{self._path}\0{kind}\0{symbol}\0{digest}"
        ordinal = self._seen.get(key, 0)
        self._seen[key] = ordinal + 1
        return _hash(f"{key}\0{ordinal}" if ordinal else key)


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
