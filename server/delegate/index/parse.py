"""Parse one file into chunks, definitions and references — the index's unit of work.

:func:`parse_file` is pure: text in, :class:`~delegate.index.model.ParsedFile` out, both
plain picklable data, so the indexer can run it in a process pool. Tree-sitter parsers and
compiled queries are cached per process (see :mod:`delegate.index.grammars`).

The steps: parse with tree-sitter, walk the tree once with the language's symbols query
(definitions and references together), build the :mod:`outline <delegate.index.outline>`
of nested definitions, cut chunks (:mod:`delegate.index.chunking`), list definitions, and
collect references. References are the names the repo map and find_symbol need, not every
identifier: callees (``a.b()`` gives ``b``), member accesses, type names, imported names,
base classes and decorators — see ``queries/<language>.references.scm``. A definition's
own name is not a reference; there is at most one per (name, line), and ``self``/``this``
and one-letter names are left out. A file with syntax errors still parses (tree-sitter
recovers) and still covers every line.

Speed matters (the whole CPython standard library is a benchmark): the tree is walked by
one query cursor, names are sliced from the source bytes and decoded once per distinct
name, and no per-node Python objects are kept beyond the capture lists.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter

from tree_sitter import Node, QueryCursor, Tree

from delegate.index.chunking import chunk_code
from delegate.index.grammars import CODE_LANGUAGES, parser, symbols_query
from delegate.index.languages import TEXT, language_for_path
from delegate.index.model import Definition, ParsedFile, Reference, SymbolKind
from delegate.index.outline import Outline, build_outline, top_level_rows, walk
from delegate.index.text_windows import chunk_text

TRIVIAL_NAMES = frozenset({"self", "this", "cls", "super", "Self"})

_SYMBOL_KINDS: dict[str, SymbolKind] = {
    "function": "function",
    "method": "method",
    "class": "class",
    "interface": "interface",
    "struct": "struct",
    "enum": "enum",
    "trait": "trait",
    "module": "module",
}


_start_byte = attrgetter("start_byte")


def _lines(text: str) -> list[str]:
    """Lines as tree-sitter counts rows (``\\n`` only), without ``\\r`` or the final empty one."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if "\r" in text:
        lines = [line.removesuffix("\r") for line in lines]
    return lines


def _parse(text: str, language: str) -> tuple[bytes, Tree, dict[str, list[Node]]]:
    source = text.encode("utf-8", "surrogatepass")
    tree = parser(language).parse(source)
    return source, tree, QueryCursor(symbols_query(language)).captures(tree.root_node)


def _definitions(path: str, every: list[Outline]) -> list[Definition]:
    """Definitions of ``every`` outline (from :func:`walk`) that names a symbol."""
    definitions = []
    new = object.__new__
    for o in every:
        kind = _SYMBOL_KINDS.get(o.kind)
        if kind is not None:
            definition = new(Definition)  # see _references
            definition.__dict__.update(
                name=o.name,
                qualified=o.qualified,
                kind=kind,
                path=path,
                start_line=o.start_row + 1,
                end_line=o.end_row + 1,
            )
            definitions.append(definition)
    return definitions


def _reference_columns(
    nodes: list[Node], source: bytes, skip: set[int]
) -> tuple[list[str], list[int]]:
    """Names and 1-based lines of the references among the captured ``nodes``: one per
    (name, line), in source order.

    The captures' order is not the source order, and not even the same from one call to
    the next, so the nodes are sorted by position first: the columns are then the same
    for the same text.  Names stay bytes (sliced from ``source``) until the end and are
    decoded once per distinct name; the indexer stores these columns as they are.
    """
    seen: dict[tuple[bytes, int], None] = {}
    for node in sorted(nodes, key=_start_byte):
        start, end = node.start_byte, node.end_byte
        if end - start > 1 and start not in skip:
            seen[source[start:end], node.start_point.row] = None
    decoded: dict[bytes, str | None] = {}
    names: list[str] = []
    lines: list[int] = []
    for raw, row in seen:
        if raw in decoded:
            name = decoded[raw]
        else:
            name = raw.decode("utf-8", "replace")
            name = decoded[raw] = None if name in TRIVIAL_NAMES else name
        if name is not None:
            names.append(name)
            lines.append(row + 1)
    return names, lines


def _references(path: str, names: list[str], lines: list[int]) -> tuple[Reference, ...]:
    """Reference objects, built without the frozen dataclass ``__init__`` (a tenth of
    parse time when a file has hundreds of them)."""
    references = []
    new = object.__new__
    for name, line in zip(names, lines, strict=True):
        reference = new(Reference)
        reference.__dict__.update(name=name, path=path, line=line)
        references.append(reference)
    return tuple(references)


def parse_file(path: str, text: str, language: str | None = None) -> ParsedFile:
    """Chunks, definitions and references of one file; ``language`` defaults to the one
    its name implies (unknown names are treated as text)."""
    parsed, names, lines = parse_for_index(path, text, language)
    if not names:
        return parsed
    return dataclasses.replace(parsed, references=_references(path, names, lines))


def parse_for_index(
    path: str, text: str, language: str | None = None
) -> tuple[ParsedFile, list[str], list[int]]:
    """:func:`parse_file`, but references come as two columns — names and 1-based lines —
    and the returned ``ParsedFile`` has none: the indexer stores columns anyway."""
    language = language or language_for_path(path) or TEXT
    text = text.removeprefix("\ufeff")
    if language not in CODE_LANGUAGES:
        return ParsedFile(path=path, language=TEXT, chunks=tuple(chunk_text(path, text))), [], []
    source, tree, captures = _parse(text, language)
    outlines = build_outline(captures, source)
    root = tree.root_node
    whole = None if "\r" in text else text  # lines without "\r" are slices of the text
    chunks = chunk_code(
        path, language, _lines(text), outlines, lambda: top_level_rows(root), text=whole
    )
    every = walk(outlines)
    definitions = _definitions(path, every)
    skip = {o.name_byte for o in every if o.kind in _SYMBOL_KINDS}  # Rust impl types count
    names, lines = _reference_columns(captures.get("reference", []), source, skip)
    parsed = ParsedFile(
        path=path, language=language, chunks=tuple(chunks), definitions=tuple(definitions)
    )
    return parsed, names, lines


def enclosing_definition(path: str, text: str, line: int) -> Definition | None:
    """The innermost function, method or class whose lines contain 1-based ``line``."""
    language = language_for_path(path)
    if language not in CODE_LANGUAGES:
        return None
    source, _, captures = _parse(text.removeprefix("\ufeff"), language)
    best: Definition | None = None
    for definition in _definitions(path, walk(build_outline(captures, source))):
        if definition.start_line <= line <= definition.end_line and (
            best is None or definition.start_line >= best.start_line
        ):
            best = definition  # walk() lists parents first, so later ones are deeper
    return best
