"""The exact text of chunks: the headers that carry a method's context, and text windows.

A chunk's text is what gets embedded and hashed into its id, so these pin it down to the
character: the context above a method names every enclosing header and is indented like
the method's first line, and a text window is exactly its lines.
"""

from __future__ import annotations

from delegate.index.parse import parse_file
from delegate.index.text_windows import WINDOW_LINES, chunk_text


def statements(indent: str, count: int, name: str = "step") -> str:
    return "".join(f"{indent}{name}_{i} = {i}\n" for i in range(count))


def test_method_context_names_every_enclosing_class() -> None:
    text = (
        "class Outer:\n    class Inner:\n        def a(self):\n"
        + statements(" " * 12, 6)
        + "\n        def b(self):\n"
        + statements(" " * 12, 6)
        + "\n    def c(self):\n"
        + statements(" " * 8, 6)
    )
    chunks = {c.symbol: c for c in parse_file("n.py", text).chunks if c.kind == "method"}
    inner = "class Outer:\n    class Inner:\n        ...\n"
    assert chunks["Outer.Inner.a"].text.startswith(inner + "        def a(self):\n")
    assert chunks["Outer.Inner.b"].text.startswith(inner + "        def b(self):\n")
    assert chunks["Outer.c"].text.startswith("class Outer:\n    ...\n    def c(self):\n")
    # the context is prepended, the lines are the method's own
    assert (chunks["Outer.c"].start_line, chunks["Outer.c"].end_line) == (19, 25)


def test_method_context_follows_each_methods_own_indentation() -> None:
    text = (
        "class A {\n  one() {\n"
        + statements("    ", 6, "let v")
        + "  }\n\n      two() {\n"
        + statements("    ", 6, "let w")
        + "      }\n}\n"
    )
    chunks = {c.symbol: c for c in parse_file("a.js", text).chunks if c.kind == "method"}
    assert chunks["A.one"].text.startswith("class A {\n  ...\n  one() {\n")
    assert chunks["A.two"].text.startswith("class A {\n      ...\n      two() {\n")


def test_text_windows_are_exactly_their_lines() -> None:
    # CRLF, then LF line ends; a lone carriage return inside some lines stays in them
    lines = [f"line\r{i}" if i % 7 == 3 else f"line {i}" for i in range(2 * WINDOW_LINES)]
    text = "\r\n".join(lines[:40]) + "\r\n" + "\n".join(lines[40:]) + "\n"
    chunks = chunk_text("notes.txt", text)
    assert len(chunks) >= 2
    for chunk in chunks:
        assert chunk.text == "\n".join(lines[chunk.start_line - 1 : chunk.end_line])
    assert chunks[-1].end_line == len(lines)
