"""The index commands as a user runs them: ``python -m delegate index/search/map`` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.index.helpers import PROJECT, write_project

pytestmark = pytest.mark.slow


def delegate(*args: str, cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LANCEDB_LOG": "error"}
    return subprocess.run(
        [sys.executable, "-m", "delegate", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = write_project(tmp_path / "shop")
    (root / ".git").mkdir()
    return root


def test_search_json_on_an_unindexed_folder_indexes_it_first(project: Path) -> None:
    result = delegate(
        "search", "checksum of a byte string", "--json", "--limit", "3", cwd=project / "core"
    )
    assert result.returncode == 0, result.stderr
    assert "not indexed yet" in result.stderr
    hits = json.loads(result.stdout)
    assert 1 <= len(hits) <= 3
    assert hits[0]["path"] == "core/checksum.py"
    for hit in hits:
        assert set(hit) >= {"path", "start_line", "end_line", "symbol", "kind", "score"}
        assert not hit["path"].startswith("/")
        assert isinstance(hit["start_line"], int) and isinstance(hit["score"], float)
    again = delegate("search", "checksum", "--json", cwd=project)
    assert "not indexed yet" not in again.stderr


def test_index_summary_then_incremental(project: Path) -> None:
    first = delegate("index", str(project), cwd=project.parent)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"indexed {len(PROJECT)} files ({len(PROJECT)} changed), ")
    (project / "tools/leaf.py").write_text("def other():\n    pass\n")
    second = delegate("index", cwd=project)
    assert second.stdout.startswith(f"indexed {len(PROJECT)} files (1 changed), ")
    rebuilt = delegate("index", "--rebuild", cwd=project)
    assert f"({len(PROJECT)} changed)" in rebuilt.stdout and "rebuilt" in rebuilt.stderr


def test_search_filters_stdin_and_plain_output(project: Path) -> None:
    delegate("index", cwd=project)
    result = delegate(
        "search",
        "-",
        "--folder",
        str(project),
        "--lang",
        "typescript",
        "--json",
        cwd=project.parent,
        stdin="format a price",
    )
    assert {h["path"] for h in json.loads(result.stdout)} == {"web/format.ts"}
    plain = delegate("search", "records", "--path", "views/*", "--kind", "module", cwd=project)
    assert plain.returncode == 0
    assert plain.stdout.splitlines()[0].startswith("views/")


def test_map_prints_the_ranked_outline(project: Path) -> None:
    result = delegate("map", "--tokens", "40", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("core/models.py:\n  class Record:\n")
    focused = delegate("map", "--tokens", "40", "--focus", "tools/leaf.py", cwd=project)
    assert "def print_banner(title):" in focused.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", ""), "empty"),
        (("search", "x", "--limit", "0"), "--limit"),
        (("search", "x", "--folder", "/no/such/dir"), "not a directory"),
        (("map", "--tokens", "0"), "--tokens"),
        (("index", "/no/such/dir"), "not a directory"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    project: Path, args: tuple[str, ...], message: str
) -> None:
    result = delegate(*args, cwd=project)
    assert result.returncode == 2
    assert message in result.stderr
