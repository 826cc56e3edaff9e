"""Turn a tree-sitter tree into an outline: nested definitions as plain data.

The definitions query (``queries/<language>.definitions.scm``) marks each definition node
with ``@definition.<kind>`` and its name with ``@name``; the parser hands over the
captures of one query cursor walk (shared with references). This module nests the matches by
their byte ranges, qualifies names by nesting ("Parser.parse", "outer.inner"), decides
which functions are methods (a function directly inside a class-like definition, a Go
method with a receiver, a C++ ``Parser::parse``), and records the rows chunking needs:
where the chunk starts (decorators, ``export``, doc comments and attributes just above are
part of the definition), where the header ends, and where body statements begin (the
places a large definition may be cut). Everything after this module is line arithmetic.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cached_property

from tree_sitter import Node

# kinds that hold methods; "impl" (Rust) holds methods but defines nothing itself
CONTAINER_KINDS = frozenset({"class", "interface", "struct", "enum", "trait", "module", "impl"})
_METHOD_HOLDERS = CONTAINER_KINDS - {"module"}
# a parent of these types belongs to the definition it wraps
_WRAPPERS = frozenset(
    {
        "decorated_definition",
        "export_statement",
        "template_declaration",
        "ambient_declaration",
        "type_declaration",
        "type_definition",
    }
)
# siblings just above a definition that describe it
_LEADING_TYPES = frozenset({"comment", "line_comment", "block_comment", "attribute_item"})
_MAX_HEADER_ROWS = 6


@dataclass(eq=False)
class Outline:
    """One definition. Rows are 0-based and inclusive.

    The header's last row and the body's statement rows are computed on first use: only
    methods' enclosing classes and definitions too large for one chunk need them, and
    asking the tree for them is a large share of a file's outline time.
    """

    name: str
    qualified: str
    kind: str  # "function", "method", "class", …, "impl"
    start_row: int  # the definition node itself
    end_row: int
    chunk_start_row: int  # including decorators, export keyword, doc comments
    start_byte: int
    end_byte: int
    name_byte: int  # start of the name node, so references can skip it
    node: Node = field(repr=False)
    source: bytes = field(repr=False)
    children: list[Outline] = field(default_factory=list)

    @cached_property
    def body(self) -> Node | None:
        return _body(self.node)

    @cached_property
    def header_end_row(self) -> int:
        """Last row of the signature / class header."""
        return _header_end_row(self.node, self.body, self.source)

    @cached_property
    def body_rows(self) -> tuple[int, ...]:
        """Start rows of body statements: where a large definition may be cut."""
        return _body_rows(self.body)

    def cut_rows(self) -> tuple[int, ...]:
        return self.body_rows


def _effective_end_row(node: Node) -> int:
    """Some comment nodes swallow their newline and so "end" at column 0 of the next row."""
    end = node.end_point
    return end.row - 1 if end.column == 0 and end.row > node.start_point.row else end.row


def _chunk_start(node: Node) -> int:
    parent = node.parent  # asked once per level: tree-sitter finds it by walking from the root
    while parent is not None and parent.type in _WRAPPERS:
        node = parent
        parent = node.parent
    row = node.start_point.row
    sibling = node.prev_sibling
    while sibling is not None and sibling.type in _LEADING_TYPES:
        if _effective_end_row(sibling) < row - 1:
            break
        row = sibling.start_point.row
        sibling = sibling.prev_sibling
    return row


def _body(node: Node) -> Node | None:
    body = node.child_by_field_name("body")
    if body is None:
        declarator = node.child_by_field_name("type")  # Go: type_spec -> struct_type
        if declarator is not None:
            body = declarator.child_by_field_name("body") or declarator
    return body


def _header_end_row(node: Node, body: Node | None, source: bytes) -> int:
    start = node.start_point.row
    if body is None or body.start_point.row <= start:
        return start
    row = body.start_point.row
    # a body that starts a new line (Python's block) leaves the header on the rows above
    line_start = body.start_byte - body.start_point.column
    if not source[line_start : body.start_byte].strip():
        row -= 1
    return min(max(row, start), start + _MAX_HEADER_ROWS - 1)


def _body_rows(body: Node | None) -> tuple[int, ...]:
    if body is None:
        return ()
    statements = body.named_children
    if len(statements) == 1 and statements[0].named_child_count > 1:
        statements = statements[0].named_children  # Go: block -> statement_list
    return tuple(sorted({s.start_point.row for s in statements}))


def _split_name(raw: str, kind: str) -> tuple[str, str, str]:
    """(name, scope prefix, kind) for names like ``Parser::parse`` or Ruby ``Foo::Bar``."""
    for separator in ("::", "\\"):
        if separator in raw:
            parts = [p for p in raw.split(separator) if p]
            prefix = ".".join(parts[:-1])
            if kind == "function" and prefix:
                kind = "method"
            return parts[-1], prefix, kind
    return raw, "", kind


def _definition_nodes(captures: dict[str, list[Node]]) -> list[tuple[int, int, Node, str]]:
    """(start byte, end byte, node, kind) of every ``@definition.<kind>`` capture, once per
    node, outer first."""
    found: dict[tuple[int, int], tuple[Node, str]] = {}  # keyed by (start, -end): sort order
    for capture, nodes in captures.items():
        if capture.startswith("definition."):
            kind = capture.removeprefix("definition.")
            for node in nodes:
                found.setdefault((node.start_byte, -node.end_byte), (node, kind))
    return [(start, -end, *found[start, end]) for start, end in sorted(found)]


class _Claims:
    """Capture nodes of one name (``@name``, ``@receiver``) handed out to definitions."""

    def __init__(self, nodes: list[Node]) -> None:
        unique = {n.start_byte: n for n in nodes}
        self.starts = sorted(unique)
        self.nodes = [unique[start] for start in self.starts]
        self.taken = [False] * len(self.nodes)

    def claim(self, start: int, end: int) -> Node | None:
        """The first unclaimed node within ``start..end``."""
        i = bisect_left(self.starts, start)
        while i < len(self.nodes) and self.starts[i] < end:
            if not self.taken[i] and self.nodes[i].end_byte <= end:
                self.taken[i] = True
                return self.nodes[i]
            i += 1
        return None


def build_outline(captures: dict[str, list[Node]], source: bytes) -> list[Outline]:
    """Top-level definitions of the file, each with its nested definitions.

    ``captures`` come from :func:`~delegate.index.grammars.symbols_query`: definition nodes
    and name nodes arrive in separate lists, so each definition takes the first name inside
    it that no definition nested in it has taken (inner ones choose first) — the name of a
    C function returning an inline ``struct s {…}`` is ``f``, not ``s``.
    """
    names = _Claims(captures.get("name", []))
    receivers = _Claims(captures.get("receiver", []))
    paired: list[tuple[int, int, Node, str, Node, Node | None]] = []
    for start, end, node, kind in reversed(_definition_nodes(captures)):
        name_node = names.claim(start, end)
        if name_node is not None:
            receiver = receivers.claim(start, end) if kind == "method" else None
            paired.append((start, end, node, kind, name_node, receiver))
    outlines = [_outline(*item, source) for item in reversed(paired)]
    return _nest(outlines)


def _outline(
    start: int,
    end: int,
    node: Node,
    kind: str,
    name_node: Node,
    receiver: Node | None,
    source: bytes,
) -> Outline:
    name_byte = name_node.start_byte
    raw = source[name_byte : name_node.end_byte].decode("utf-8", "replace")
    prefix = ""
    if ":" in raw or "\\" in raw:  # a scoped name; most are not, and this is per definition
        raw, prefix, kind = _split_name(raw, kind)
    if receiver is not None:
        prefix = source[receiver.start_byte : receiver.end_byte].decode("utf-8", "replace")
    return Outline(
        name=raw,
        qualified=f"{prefix}.{raw}" if prefix else raw,
        kind=kind,
        start_row=node.start_point.row,
        end_row=node.end_point.row,
        chunk_start_row=_chunk_start(node),
        start_byte=start,
        end_byte=end,
        name_byte=name_byte,
        node=node,
        source=source,
    )


def top_level_rows(root: Node) -> tuple[int, ...]:
    """Where the file's top-level statements start: where module code may be cut."""
    return tuple(sorted({child.start_point.row for child in root.named_children}))


def _nest(ordered: list[Outline]) -> list[Outline]:
    roots: list[Outline] = []
    stack: list[Outline] = []
    for item in ordered:
        while stack and stack[-1].end_byte < item.end_byte:
            stack.pop()
        if stack:
            parent = stack[-1]
            item.qualified = f"{parent.qualified}.{item.qualified}"
            if item.kind == "function" and parent.kind in _METHOD_HOLDERS:
                item.kind = "method"
            parent.children.append(item)
        else:
            roots.append(item)
        stack.append(item)
    return roots


def walk(outlines: list[Outline]) -> list[Outline]:
    """Every outline, parents before children, in source order."""
    result: list[Outline] = []
    pending = list(reversed(outlines))
    while pending:
        item = pending.pop()
        result.append(item)
        pending.extend(reversed(item.children))
    return result
