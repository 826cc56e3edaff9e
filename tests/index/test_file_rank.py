"""File ranking for task descriptions: file kinds, mentioned paths and names, and whole-file
search through a real index of a small project."""

from __future__ import annotations

from pathlib import Path

import pytest

from delegate.index.file_rank import (
    KIND_PRIOR,
    file_kind,
    mentioned_paths,
    path_forms,
    query_names,
    rank_files,
)
from delegate.index.search import chunks_per_file
from delegate.index.workspace import WorkspaceIndex, file_document
from delegate.settings import IndexSettings


@pytest.mark.parametrize(
    ("path", "language", "kind"),
    [
        ("pkg/core.py", "python", "code"),
        ("tests/test_core.py", "python", "test"),
        ("pkg/tests/helpers.py", "python", "test"),
        ("pkg/core_test.go", "go", "test"),
        ("conftest.py", "python", "test"),
        ("web/app.spec.ts", "typescript", "test"),
        ("src/contest.py", "python", "code"),
        ("docs/usage.rst", "text", "doc"),
        ("README.md", "text", "doc"),
    ],
)
def test_file_kind(path: str, language: str, kind: str) -> None:
    assert file_kind(path, language) == kind


def test_a_traceback_frame_names_its_file() -> None:
    query = 'File "/usr/lib/python3/site-packages/astropy/io/ascii/rst.py", line 12, in write'
    assert ("ascii", "rst") in mentioned_paths(query)
    assert not mentioned_paths(query).isdisjoint(path_forms("astropy/io/ascii/rst.py"))
    assert mentioned_paths(query).isdisjoint(path_forms("astropy/io/ascii/core.py"))


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("from pydicom.valuerep import PersonName", "pydicom/valuerep.py"),
        ("the reader in qdp.py assumes upper case", "astropy/io/ascii/qdp.py"),
        ("see src/flask/cli.py", "src/flask/cli.py"),
        ("import pkg.sub", "pkg/sub/__init__.py"),
    ],
)
def test_mentions_of_modules_and_files(query: str, path: str) -> None:
    assert not mentioned_paths(query).isdisjoint(path_forms(path))


def test_only_code_files_answer_to_a_bare_module_name() -> None:
    assert ("index",) in path_forms("pkg/index.py")
    assert ("index",) not in path_forms("docs/index.rst")
    assert ("docs", "index", "rst") in path_forms("docs/index.rst")


def test_query_names_keep_identifiers_once() -> None:
    assert query_names("Calling parse_header(x) on a Header: parse_header fails, ok?") == [
        "Calling",
        "parse_header",
        "Header",
        "fails",
    ]


def test_rank_files_weighs_names_paths_and_kinds() -> None:
    bm25 = [("tests/test_io.py", 10.0), ("docs/io.rst", 9.0), ("pkg/io.py", 6.0), ("pkg/b.py", 6.0)]
    languages = {"docs/io.rst": "text"} | {p: "python" for p, _ in bm25 if p.endswith(".py")}
    plain = rank_files(bm25, languages=languages, definitions={}, query="reading files")
    assert [p for p, _ in plain][:2] == ["pkg/b.py", "pkg/io.py"]  # code before tests, docs
    assert dict(plain)["tests/test_io.py"] == pytest.approx(10.0 * KIND_PRIOR["test"])
    named = rank_files(
        bm25,
        languages=languages,
        # read_block is defined in one file: a strong hint; get in five: none
        definitions={"read_block": ["pkg/io.py"], "get": [f"m{i}.py" for i in range(5)]},
        query="read_block fails; get",
    )
    assert named[0][0] == "pkg/io.py"
    mentioned = rank_files(bm25, languages=languages, definitions={}, query="in pkg/b.py")
    assert mentioned[0] == ("pkg/b.py", pytest.approx(6.0 * 1.5))


@pytest.mark.parametrize(("limit", "per_file"), [(1, 1), (10, 1), (20, 2), (30, 3), (200, 3)])
def test_chunks_per_file(limit: int, per_file: int) -> None:
    assert chunks_per_file(limit) == per_file


def test_file_document_counts_the_path_once() -> None:
    path_terms = "pkg io py"
    chunks = [f"{path_terms} read block", f"{path_terms} write", path_terms]
    assert file_document("pkg/io.py", chunks).split() == [
        "pkg",
        "io",
        "py",
        "read",
        "block",
        "write",
    ]


ISSUE = """Header.parse_header drops the last card

When a header is read with `read_header`, the last card goes missing. Our tests cover
headers in many ways (see the test suite) and the docs describe header cards at length,
yet parse_header returns one card too few:

    Traceback (most recent call last):
      File "/site-packages/fitsy/cards.py", line 3, in parse_header
    IndexError: list index out of range
"""


def test_a_task_description_finds_the_file_to_change(tmp_path: Path) -> None:
    folder = tmp_path / "fitsy"
    (folder / "fitsy").mkdir(parents=True)
    (folder / "tests").mkdir()
    (folder / "docs").mkdir()
    (folder / "fitsy" / "cards.py").write_text(
        "def parse_header(lines):\n    return [l.split('=') for l in lines[:-1]]\n"
    )
    (folder / "fitsy" / "io.py").write_text(
        "from fitsy.cards import parse_header\n\n\ndef read_header(path):\n"
        "    with open(path) as f:\n        return parse_header(f.read().splitlines())\n"
    )
    (folder / "tests" / "test_header.py").write_text(
        "".join(
            f"def test_header_card_{i}():\n    header = read_header('h{i}')\n"
            f"    assert header.cards and header.parse_header\n"
            for i in range(6)
        )
    )
    (folder / "docs" / "header.rst").write_text(
        "Header cards\n============\n\n" + "A header is read card by card; the last card "
        "ends the header. Headers, cards, tests of headers.\n" * 5
    )
    with WorkspaceIndex.open(folder, IndexSettings()) as index:
        index.update()
        hits = index.search(ISSUE, limit=10)
        assert hits[0].path == "fitsy/cards.py"
        files = list(dict.fromkeys(h.path for h in hits))
        assert len(files) == len(hits)  # a list of 10 shows each file by its best chunk
        assert files[:2] == ["fitsy/cards.py", "fitsy/io.py"]
        assert set(files) >= {"tests/test_header.py", "docs/header.rst"}
        # the chunk-level ranking stays available, and filters still apply
        assert index.search(ISSUE, limit=10, mode="chunks")
        assert {h.path for h in index.search(ISSUE, path_glob="docs/*")} == {"docs/header.rst"}
        # an edit is seen by the whole-file ranking too
        (folder / "fitsy" / "io.py").unlink()
        index.update()
        assert "fitsy/io.py" not in {h.path for h in index.search(ISSUE, limit=10)}
