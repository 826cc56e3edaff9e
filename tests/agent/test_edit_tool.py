"""The text editor tool's commands against a sandbox directory, with correctable errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from delegate.agent.edit_tool import EditError, definition, run_command
from delegate.agent.paths import PathEscape

SOURCE = "def a():\n    return 1\n\n\ndef b():\n    return 1\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(SOURCE)
    return tmp_path


def edit(root: Path, **input: Any) -> str:
    return run_command(root, input)


def test_definition_is_the_versioned_text_editor_tool() -> None:
    from anthropic.types import ToolTextEditor20250728Param

    expected: ToolTextEditor20250728Param = {
        "type": "text_editor_20250728",
        "name": "str_replace_based_edit_tool",
    }
    assert definition() == expected


def test_view_numbers_lines_and_honours_ranges(root: Path) -> None:
    assert edit(root, command="view", path="pkg/mod.py").splitlines()[0] == "     1\tdef a():"
    ranged = edit(root, command="view", path="pkg/mod.py", view_range=[5, -1])
    assert ranged == "     5\tdef b():\n     6\t    return 1"
    with pytest.raises(EditError, match="outside the file"):
        edit(root, command="view", path="pkg/mod.py", view_range=[50, 60])


def test_view_of_a_directory_lists_it(root: Path) -> None:
    assert edit(root, command="view", path=".") == "pkg/\npkg/mod.py"


def test_create_makes_parents_and_reports(root: Path) -> None:
    out = edit(root, command="create", path="new/dir/x.py", file_text="X = 1\n")
    assert out == "Created new/dir/x.py (1 lines)"
    assert (root / "new" / "dir" / "x.py").read_text() == "X = 1\n"


def test_str_replace_unique_match(root: Path) -> None:
    out = edit(
        root,
        command="str_replace",
        path="pkg/mod.py",
        old_str="def a():\n    return 1",
        new_str="def a():\n    return 2",
    )
    assert (root / "pkg" / "mod.py").read_text() == SOURCE.replace("return 1", "return 2", 1)
    assert "     2\t    return 2" in out


def test_str_replace_with_several_matches_says_how_many_and_where(root: Path) -> None:
    with pytest.raises(EditError, match=r"matches 2 times .*lines 2, 6"):
        edit(root, command="str_replace", path="pkg/mod.py", old_str="return 1", new_str="x")
    assert (root / "pkg" / "mod.py").read_text() == SOURCE


def test_str_replace_without_match(root: Path) -> None:
    with pytest.raises(EditError, match="not found"):
        edit(root, command="str_replace", path="pkg/mod.py", old_str="return 3", new_str="x")


def test_str_replace_keeps_crlf_line_endings(root: Path) -> None:
    (root / "win.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    edit(root, command="str_replace", path="win.txt", old_str="one\ntwo", new_str="1\n2")
    assert (root / "win.txt").read_bytes() == b"1\r\n2\r\nthree\r\n"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (0, "# top\n" + SOURCE),
        (2, SOURCE.replace("return 1\n", "return 1\n# top\n", 1)),
        (6, SOURCE + "# top\n"),
    ],
)
def test_insert_after_line(root: Path, line: int, expected: str) -> None:
    edit(root, command="insert", path="pkg/mod.py", insert_line=line, new_str="# top")
    assert (root / "pkg" / "mod.py").read_text() == expected


def test_insert_accepts_insert_text_and_refuses_bad_lines(root: Path) -> None:
    edit(root, command="insert", path="pkg/mod.py", insert_line=0, insert_text="# a\n")
    assert (root / "pkg" / "mod.py").read_text().startswith("# a\n")
    with pytest.raises(EditError, match="out of range"):
        edit(root, command="insert", path="pkg/mod.py", insert_line=99, new_str="x")


@pytest.mark.parametrize(
    ("input", "error", "message"),
    [
        ({"command": "view", "path": "../x"}, PathEscape, "'..'"),
        ({"command": "create", "path": "/tmp/x", "file_text": ""}, PathEscape, "absolute"),
        ({"command": "view", "path": "missing.py"}, EditError, "does not exist"),
        ({"command": "undo_edit", "path": "pkg/mod.py"}, EditError, "not supported"),
        ({"command": "delete", "path": "pkg/mod.py"}, EditError, "unknown command"),
        ({"command": "view"}, EditError, "'path'"),
        ({"command": "insert", "path": "pkg/mod.py", "new_str": "x"}, EditError, "insert_line"),
    ],
)
def test_errors(root: Path, input: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        run_command(root, input)


def test_binary_files_are_refused(root: Path) -> None:
    (root / "img.png").write_bytes(b"\x89PNG\x00\x00")
    with pytest.raises(EditError, match="binary"):
        edit(root, command="str_replace", path="img.png", old_str="PNG", new_str="x")
