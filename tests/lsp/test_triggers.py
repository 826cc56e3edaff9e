"""``delegate:`` comments are found in every comment style, with their exact range."""

from __future__ import annotations

import pytest

from delegate.proposals.changes import FileChange
from delegate.triggers import (
    TriggerComment,
    changes_without_trigger,
    find_trigger,
    remove_trigger,
)


def check(source: str, line: int, expected: tuple[str, int, int, int, int] | None) -> None:
    found = find_trigger(source.split("\n"), line, line)
    if expected is None:
        assert found is None
    else:
        assert found == TriggerComment(*expected)


@pytest.mark.parametrize(
    ("source", "line", "expected"),
    [
        ("# delegate: add retries to fetch()", 0, ("add retries to fetch()", 0, 0, 0, 34)),
        ("x = 1\n    # delegate: rename x  ", 1, ("rename x", 1, 4, 1, 24)),
        ("call()  # delegate: handle errors", 0, ("handle errors", 0, 8, 0, 33)),
        ("// TODO(delegate): port to async", 0, ("port to async", 0, 0, 0, 32)),
        ("  -- delegate: add an index", 0, ("add an index", 0, 2, 0, 27)),
        ("/* delegate: split this */ int x;", 0, ("split this", 0, 0, 0, 26)),
        ("# Delegate: capitals work", 0, ("capitals work", 0, 0, 0, 25)),
    ],
)
def test_single_line_comments(
    source: str, line: int, expected: tuple[str, int, int, int, int]
) -> None:
    check(source, line, expected)


@pytest.mark.parametrize(
    ("source", "line"),
    [
        ("# just a comment", 0),
        ("# delegate:", 0),  # no instruction
        ('s = "a#delegate: not a comment"', 0),
        ("x--delegate: y", 0),
        ("def f():\n    pass", 1),
    ],
)
def test_not_triggers(source: str, line: int) -> None:
    check(source, line, None)


BLOCK = """int x;
/* delegate: make this
 * thread safe
 */
int y;"""


@pytest.mark.parametrize("line", [1, 2, 3])
def test_block_comment_over_several_lines_is_found_from_any_of_its_lines(line: int) -> None:
    check(BLOCK, line, ("make this thread safe", 1, 0, 3, 3))


def test_line_after_a_block_comment_is_not_inside_it() -> None:
    check(BLOCK, 4, None)


def test_range_finds_the_first_trigger_inside_it() -> None:
    lines = ["a = 1", "b = 2  # delegate: first", "# delegate: second"]
    found = find_trigger(lines, 0, 2)
    assert found is not None and found.text == "first"


def test_out_of_range_lines_are_clamped() -> None:
    assert find_trigger(["# delegate: x"], 5, 9) == TriggerComment("x", 0, 0, 0, 13)
    assert find_trigger([], 0, 0) is None


def trigger_in(source: str, line: int) -> TriggerComment:
    found = find_trigger(source.splitlines(), line, line)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("source", "line", "expected"),
    [
        # alone on its line: the whole line goes
        (
            "def f():\n    # delegate: add retries\n    return 1\n",
            1,
            "def f():\n    return 1\n",
        ),
        # after code: only the comment and the blanks before it
        ("call()  # delegate: handle errors\nnext()\n", 0, "call()\nnext()\n"),
        # before code: the comment and the blanks after it
        ("/* delegate: split this */ int x;\n", 0, "int x;\n"),
        ("  /* delegate: a */ int x;", 0, "  int x;"),
        # a multi-line block takes all its lines
        (
            "int a;\n/* delegate: split\n * this function\n */\nint b;\n",
            1,
            "int a;\nint b;\n",
        ),
        # CRLF endings survive, last line without an ending too
        ("a\r\n// TODO(delegate): port\r\nb", 1, "a\r\nb"),
        ("x = 1\n-- delegate: add an index", 1, "x = 1\n"),
        ("f(); /* delegate: inline */ g();\n", 0, "f(); g();\n"),
    ],
)
def test_remove_trigger(source: str, line: int, expected: str) -> None:
    assert remove_trigger(source, trigger_in(source, line)) == expected


def test_remove_trigger_finds_the_comment_where_the_agent_moved_it() -> None:
    before = "import os\n\n# delegate: add retries\ndef fetch(): ...\n# delegate: other task\n"
    trigger = trigger_in(before, 2)
    after = "import os\nimport time\n\n\n# delegate: add retries\ndef fetch(): retry()\n"
    after += "# delegate: other task\n"
    expected = "import os\nimport time\n\n\ndef fetch(): retry()\n# delegate: other task\n"
    assert remove_trigger(after, trigger) == expected
    # the agent already removed it: nothing else is touched
    assert remove_trigger(expected, trigger) == expected


def test_changes_without_trigger() -> None:
    base = "def f():\n    # delegate: speed up\n    return 1\n"
    trigger = trigger_in(base, 1)
    other = FileChange("b.py", "x\n", "y\n")

    # the agent did not touch the file: a modify of the snapshot is added
    added = changes_without_trigger([other], "a.py", trigger, base)
    assert added == [other, FileChange("a.py", base, "def f():\n    return 1\n")]

    # the agent changed it: the comment goes from its proposed text
    edited = FileChange("a.py", base, base.replace("return 1", "return 2"))
    assert changes_without_trigger([edited], "a.py", trigger, base) == [
        FileChange("a.py", base, "def f():\n    return 2\n")
    ]

    # renamed: the comment goes from the new file; deleted: nothing to do
    renamed = FileChange("c.py", base, base, old_path="a.py")
    (kept,) = changes_without_trigger([renamed], "a.py", trigger, base)
    assert kept.proposed == "def f():\n    return 1\n" and kept.old_path == "a.py"
    deleted = FileChange("a.py", base, None)
    assert changes_without_trigger([deleted], "a.py", trigger, base) == [deleted]

    # no snapshot, or the comment is not there: nothing is added
    assert changes_without_trigger([other], "a.py", trigger, None) == [other]
    assert changes_without_trigger([other], "a.py", trigger, "x = 1\n") == [other]
