"""One realistic fixture per language: its chunks, definitions and some references.

Each ``tests/fixtures/languages/<language>/`` holds one source file and ``expected.txt``,
the rendered outline (``chunk <kind> <symbol> <first>-<last>``,
``def <kind> <qualified> <first>-<last>`` and ``ref <line> <names>``). Run with ``DELEGATE_UPDATE_EXPECT=1`` to
rewrite the expectations after a deliberate change, then review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from delegate.index.model import ParsedFile
from delegate.index.parse import parse_file

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "languages"
LANGUAGES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())

# (name, line) pairs each fixture must report, and pairs it must not: definition names,
# trivial names, and plain identifiers (variables, arguments, constants used as values),
# which are not references — only callees, member accesses, type names, imported names,
# base classes and decorators are
REFERENCES: dict[str, tuple[set[tuple[str, int]], set[tuple[str, int]]]] = {
    "python": (
        {
            ("Base", 12),  # base class
            ("dataclass", 6),  # imported name
            ("dataclass", 46),  # decorator
            ("Inventory", 36),  # annotation
            ("values", 25),  # method call
            ("items", 25),  # attribute access
            ("build_report", 55),  # call
            ("line_for", 41),
        },
        {("Inventory", 12), ("self", 18), ("x", 48), ("line_for", 37), ("DEFAULT_LIMIT", 17)},
    ),
    "javascript": (
        {("formatPrice", 35), ("formatPrice", 2), ("Cart", 44), ("Base", 9), ("reduce", 25)},
        {("describeCart", 33), ("this", 12), ("TAX_RATE", 29), ("describeLine", 38)},
    ),
    "typescript": (
        {("Job", 16), ("State", 17), ("EventEmitter", 15), ("JobQueue", 46), ("shift", 36)},
        {("JobQueue", 15), ("push", 24), ("done", 41)},
    ),
    "tsx": (
        {("useState", 10), ("setCount", 13), ("Panel", 37), ("Counter", 30)},
        {("Counter", 9), ("increment", 19)},
    ),
    "go": (
        {("New", 10), ("Store", 29), ("Reader", 47), ("copyOne", 57), ("Put", 53), ("mu", 30)},
        {("Get", 29), ("s", 29), ("ErrMissing", 34)},
    ),
    "rust": (
        {("Point", 19), ("Shape", 23), ("area", 14), ("clamp", 42), ("write", 34)},
        {("Shape", 18), ("value", 40)},
    ),
    "java": (
        {("Catalog", 7), ("Book", 16), ("notifyListeners", 21), ("ArrayList", 3)},
        {("addBook", 16), ("result", 31)},
    ),
    "c": (
        {("buffer_grow", 42), ("malloc", 21), ("capacity", 23), ("buffer", 16)},
        {("buffer_grow", 27), ("INITIAL_CAPACITY", 21)},
    ),
    "cpp": (
        {("check", 12), ("Matrix", 30), ("multiply", 48), ("cols_", 31)},
        {("at", 11), ("cols_", 13)},
    ),
    "ruby": (
        {("Logger", 11), ("Base", 5), ("transfer", 46), ("withdraw", 41)},
        {("deposit", 14), ("amount", 17)},
    ),
    "c_sharp": (
        {("Entity", 14), ("Line", 25), ("LineTotal", 43), ("Add", 31)},
        {("AddLine", 25), ("sum", 45)},
    ),
    "php": (
        {("BaseService", 15), ("User", 24), ("format_user", 47), ("find", 29)},
        {("get", 24), ("user", 31)},
    ),
}


def fixture_file(language: str) -> Path:
    (source,) = [p for p in (FIXTURES / language).iterdir() if p.name != "expected.txt"]
    return source


def render(parsed: ParsedFile) -> str:
    rows = [f"chunk {c.kind} {c.symbol or '-'} {c.start_line}-{c.end_line}" for c in parsed.chunks]
    rows += [f"def {d.kind} {d.qualified} {d.start_line}-{d.end_line}" for d in parsed.definitions]
    by_line: dict[int, list[str]] = {}
    for r in parsed.references:
        by_line.setdefault(r.line, []).append(r.name)
    rows += [f"ref {line} {' '.join(sorted(names))}" for line, names in sorted(by_line.items())]
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def parsed() -> dict[str, ParsedFile]:
    return {
        language: parse_file(fixture_file(language).name, fixture_file(language).read_text())
        for language in LANGUAGES
    }


def test_every_language_has_a_fixture() -> None:
    assert set(LANGUAGES) == set(REFERENCES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_chunks_and_definitions(language: str, parsed: dict[str, ParsedFile]) -> None:
    result = parsed[language]
    assert result.language == language
    expected_file = FIXTURES / language / "expected.txt"
    if os.environ.get("DELEGATE_UPDATE_EXPECT"):
        expected_file.write_text(render(result), encoding="utf-8")
    assert render(result) == expected_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("language", LANGUAGES)
def test_references(language: str, parsed: dict[str, ParsedFile]) -> None:
    result = parsed[language]
    found = {(r.name, r.line) for r in result.references}
    present, absent = REFERENCES[language]
    assert present <= found, present - found
    assert not (absent & found), absent & found
    assert len(found) == len(result.references), "one reference per (name, line)"
    assert all(len(r.name) > 1 and r.name not in {"self", "this"} for r in result.references)


@pytest.mark.parametrize("language", LANGUAGES)
def test_chunks_cover_every_line(language: str, parsed: dict[str, ParsedFile]) -> None:
    lines = fixture_file(language).read_text().split("\n")
    covered: set[int] = set()
    for chunk in parsed[language].chunks:
        span = set(range(chunk.start_line, chunk.end_line + 1))
        assert not (span & covered), f"{chunk.symbol} overlaps another chunk"
        covered |= span
        # the chunk's own lines are the tail of its text; context may come first
        own = "\n".join(lines[chunk.start_line - 1 : chunk.end_line])
        assert chunk.text.endswith(own)
    uncovered = [
        n
        for n, line in enumerate(lines, 1)
        if n not in covered and not re.fullmatch(r"\s*([)}\];,]+|end)?[\s;]*(//.*)?", line)
    ]
    assert uncovered == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_methods_carry_their_class_header(language: str, parsed: dict[str, ParsedFile]) -> None:
    lines = fixture_file(language).read_text().split("\n")
    containers = [d for d in parsed[language].definitions if d.kind not in {"method", "function"}]
    for chunk in parsed[language].chunks:
        if chunk.kind != "method":
            continue
        enclosing = [d for d in containers if d.start_line < chunk.start_line <= d.end_line]
        own = "\n".join(lines[chunk.start_line - 1 : chunk.end_line])
        context = chunk.text.removesuffix(own)
        if enclosing:
            assert context.rstrip().endswith("..."), chunk.symbol
        for owner in enclosing:  # Go and Rust methods may have none: impl is not a definition
            assert lines[owner.start_line - 1] in context.split("\n"), chunk.symbol


@pytest.mark.parametrize("language", LANGUAGES)
def test_references_come_in_source_order_every_time(language: str) -> None:
    path = fixture_file(language)
    text = path.read_text()
    first = [(r.line, r.name) for r in parse_file(path.name, text).references]
    assert [line for line, _ in first] == sorted(line for line, _ in first)
    for _ in range(5):  # tree-sitter's captures come in an order that varies between calls
        assert [(r.line, r.name) for r in parse_file(path.name, text).references] == first


def test_references_on_one_line_keep_their_left_to_right_order() -> None:
    text = "def f(p):\n    data = open(p).read()\n    return sink.write(decode(data))\n"
    names = [(r.line, r.name) for r in parse_file("f.py", text).references]
    assert names == [(2, "open"), (2, "read"), (3, "write"), (3, "decode")]
