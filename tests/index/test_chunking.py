"""Chunking rules on small, hand-made inputs: splitting, merging, ids, odd files."""

from __future__ import annotations

import itertools
import pickle

from tests.index.test_parse_languages import fixture_file

from delegate.index.chunking import MAX_LINES
from delegate.index.parse import enclosing_definition, parse_file
from delegate.index.text_windows import OVERLAP_LINES, WINDOW_LINES, chunk_text


def spans(text: str, path: str = "m.py") -> list[tuple[str, str, int, int]]:
    return [(c.kind, c.symbol, c.start_line, c.end_line) for c in parse_file(path, text).chunks]


def big_function(statements: int) -> str:
    body = "".join(f"    value_{i} = compute({i})\n" for i in range(statements))
    return f"def big(x):\n    '''Many statements.'''\n{body}    return x\n"


def test_empty_file_has_no_chunks() -> None:
    parsed = parse_file("empty.py", "")
    assert parsed.language == "python"
    assert parsed.chunks == () and parsed.definitions == () and parsed.references == ()


def test_bom_and_crlf_do_not_change_chunks() -> None:
    text = "import os\n\n\nclass A:\n    def run(self):\n        return os.getcwd()\n"
    plain = parse_file("a.py", text)
    for variant in ("\ufeff" + text, text.replace("\n", "\r\n")):
        parsed = parse_file("a.py", variant)
        assert [(c.start_line, c.end_line, c.text) for c in parsed.chunks] == [
            (c.start_line, c.end_line, c.text) for c in plain.chunks
        ]
        assert parsed.definitions == plain.definitions


def test_syntax_error_still_chunks_every_line() -> None:
    text = "def ok(a):\n    return a\n\n\ndef broken(:\n    return (\n\nx = [1, 2\n"
    parsed = parse_file("bad.py", text)
    covered = {n for c in parsed.chunks for n in range(c.start_line, c.end_line + 1)}
    assert {1, 2, 5, 6, 8} <= covered
    assert "ok" in {d.name for d in parsed.definitions}


def test_large_function_is_split_at_statements_with_one_symbol() -> None:
    text = big_function(300)
    chunks = parse_file("big.py", text).chunks
    assert len(chunks) >= 3
    assert {(c.kind, c.symbol) for c in chunks} == {("function", "big")}
    assert chunks[0].start_line == 1 and chunks[-1].end_line == 303
    for before, after in itertools.pairwise(chunks):
        assert after.start_line == before.end_line + 1  # no gap, no overlap
    for chunk in chunks:
        assert chunk.end_line - chunk.start_line + 1 <= MAX_LINES
    for later in chunks[1:]:
        assert later.text.startswith("def big(x):\n    ...\n")


def test_large_method_parts_carry_class_and_method_headers() -> None:
    method = big_function(200).replace("def big(x)", "def big(self, x)")
    text = "class Holder(Base):\n" + "".join("    " + line + "\n" for line in method.splitlines())
    chunks = [c for c in parse_file("h.py", text).chunks if c.kind == "method"]
    assert len(chunks) >= 2 and {c.symbol for c in chunks} == {"Holder.big"}
    assert chunks[0].text.startswith("class Holder(Base):\n    ...\n    def big(self, x):")
    assert chunks[1].text.startswith("class Holder(Base):\n    def big(self, x):\n        ...\n")


def test_tiny_neighbours_merge_into_module_code() -> None:
    text = (
        "import os\n\n\ndef a():\n    return 1\n\n\ndef b():\n    return 2\n\n\n"
        "X = a() + b()\n\n\ndef long_one(path):\n    '''Five lines or more.'''\n"
        "    full = os.path.abspath(path)\n    base = os.path.basename(full)\n    return base\n"
    )
    assert spans(text) == [("module", "", 1, 12), ("function", "long_one", 15, 19)]


def test_class_chunk_holds_header_and_fields_not_methods() -> None:
    text = (
        "class Config:\n    '''Settings.'''\n\n    name = 'x'\n    size = 3\n\n"
        "    def load(self, path):\n        with open(path) as f:\n            data = f.read()\n"
        "        self.name = data.strip()\n        return self\n"
    )
    chunks = parse_file("c.py", text).chunks
    assert [(c.kind, c.symbol, c.start_line, c.end_line) for c in chunks] == [
        ("class", "Config", 1, 5),
        ("method", "Config.load", 7, 11),
    ]
    assert "def load" not in chunks[0].text


def test_chunk_ids_survive_unrelated_edits_and_line_shifts() -> None:
    source = fixture_file("python").read_text()
    before = {c.symbol: c for c in parse_file("inventory.py", source).chunks if c.symbol}
    edited = "# a new comment\n\n" + source.replace("return sum(counts)", "return sum(counts) + 0")
    after = {c.symbol: c for c in parse_file("inventory.py", edited).chunks if c.symbol}
    assert after["Inventory.total"].id != before["Inventory.total"].id
    assert after["Inventory.add"].id == before["Inventory.add"].id
    assert after["Inventory.add"].start_line == before["Inventory.add"].start_line + 2
    assert after["Inventory.add"].hash == before["Inventory.add"].hash


def test_identical_chunks_in_one_file_get_distinct_ids() -> None:
    function = "def twin(a):\n    b = a + 1\n    c = b * 2\n    d = c - 3\n    return d\n"
    text = f"class A:\n{_indent(function)}\n\nclass B:\n{_indent(function)}\n" + function
    text += "\n\nX = 1\n" + function.replace("twin", "other") + "\n\nX = 1\n"
    ids = [c.id for c in parse_file("t.py", text).chunks]
    assert len(ids) == len(set(ids))


def _indent(code: str) -> str:
    return "".join("    " + line + "\n" for line in code.splitlines())


def test_parsed_file_is_picklable() -> None:
    parsed = parse_file("inventory.py", fixture_file("python").read_text())
    assert pickle.loads(pickle.dumps(parsed)) == parsed


def test_enclosing_definition_finds_the_innermost() -> None:
    path = fixture_file("python")
    text = path.read_text()
    lines = text.split("\n")

    def at(fragment: str) -> str | None:
        line = next(n for n, row in enumerate(lines, 1) if fragment in row)
        found = enclosing_definition(path.name, text, line)
        return found.qualified if found else None

    assert at("count = inventory.items[name]") == "build_report.line_for"
    assert at('header = "Report"') == "build_report"
    assert at("raise ValueError") == "Inventory.add"
    assert at('currency = "EUR"') == "Inventory"
    assert at("DEFAULT_LIMIT = 100") is None
    assert enclosing_definition("notes.md", "# Title\n", 1) is None


def test_enclosing_definition_in_other_languages() -> None:
    go = fixture_file("go")
    text = go.read_text()
    line = text.split("\n").index("\tdefer s.mu.Unlock()") + 1
    found = enclosing_definition(go.name, text, line)
    assert found is not None and (found.qualified, found.kind) == ("Store.Get", "method")


def test_text_files_are_overlapping_windows() -> None:
    text = "".join(f"line {n}\n" for n in range(1, 151))
    chunks = chunk_text("notes.txt", text)
    step = WINDOW_LINES - OVERLAP_LINES
    assert [(c.start_line, c.end_line) for c in chunks] == [
        (1, WINDOW_LINES),
        (1 + step, step + WINDOW_LINES),
        (1 + 2 * step, 150),
    ]
    assert {(c.kind, c.language) for c in chunks} == {("text", "text")}
    assert parse_file("notes.txt", text).chunks == tuple(chunks)


def test_markdown_splits_at_headings_outside_code_fences() -> None:
    intro = "# Guide\n\n" + "".join(f"Intro line {n}.\n" for n in range(20))
    usage = "## Usage\n\n```sh\n# not a heading\nrun it\n```\n" + "".join(
        f"Usage line {n}.\n" for n in range(20)
    )
    text = intro + usage
    chunks = chunk_text("README.md", text)
    assert [(c.symbol, c.start_line) for c in chunks] == [("Guide", 1), ("Usage", 23)]
    assert chunks[-1].end_line == len(text.splitlines())


def test_unknown_extension_is_text() -> None:
    assert parse_file("data.unknown", "a\nb\n").language == "text"


def test_parse_for_index_gives_parse_files_references_as_columns() -> None:
    from delegate.index.parse import parse_for_index
    from delegate.index.symbol_columns import SymbolColumns

    text = "import os\n\n\ndef f(x):\n    return os.path.join(x, gg(x)) + gg(x)\n"
    full = parse_file("m.py", text)
    parsed, names, lines = parse_for_index("m.py", text)
    assert parsed.chunks == full.chunks and parsed.definitions == full.definitions
    pairs = list(zip(names, lines, strict=True))
    # the order within one line follows tree-sitter's captures, which may vary
    assert sorted((r.name, r.line) for r in full.references) == sorted(pairs)
    assert lines == sorted(lines) and ("gg", 5) in pairs
    columns = SymbolColumns.of_columns(parsed, names, lines)
    assert columns.role.count("def") == len(full.definitions) == 1
    assert sorted(zip(columns.name, columns.start_line, strict=True)) == sorted(
        zip(SymbolColumns.of(full).name, SymbolColumns.of(full).start_line, strict=True)
    )
