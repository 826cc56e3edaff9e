"""``delegate:`` comments are found in every comment style, with their exact range."""

from __future__ import annotations

import pytest

from delegate.triggers import TriggerComment, find_trigger


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
