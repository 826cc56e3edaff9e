"""Line splitting as LSP counts lines, and hunks with stable ids."""

from __future__ import annotations

import pytest

from delegate.proposals.build import build_proposal
from delegate.proposals.changes import FileChange
from delegate.proposals.hunks import line_hunks
from delegate.proposals.lines import line_start_position, split_lines


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("", []),
        ("a", ["a"]),
        ("a\n", ["a\n"]),
        ("a\r\nb\rc\nd", ["a\r\n", "b\r", "c\n", "d"]),
        ("\n\n", ["\n", "\n"]),
        # form feed, U+2028 and U+0085 are not LSP line breaks
        ("a\x0cb\u2028c\x85d\n", ["a\x0cb\u2028c\x85d\n"]),
        ("😀\r\n", ["😀\r\n"]),
    ],
)
def test_split_lines_matches_lsp_and_round_trips(text: str, lines: list[str]) -> None:
    assert split_lines(text) == lines
    assert "".join(split_lines(text)) == text


@pytest.mark.parametrize(
    ("text", "index", "position"),
    [
        ("a\nb\n", 0, (0, 0)),
        ("a\nb\n", 2, (2, 0)),  # after a final newline: the empty last line
        ("a\nbc", 2, (1, 2)),  # no final newline: the end of the last line
        ("", 0, (0, 0)),
    ],
)
def test_line_start_position(text: str, index: int, position: tuple[int, int]) -> None:
    assert line_start_position(split_lines(text), index) == position


def test_each_separated_change_is_its_own_hunk() -> None:
    base = "a\nb\nc\nd\ne\n"
    proposed = "A\nb\nc\nD\nE\nnew\n"
    hunks = line_hunks(0, "f.py", base, proposed)
    assert [(h.base_start, h.base_end, h.old_text, h.new_text) for h in hunks] == [
        (0, 1, "a\n", "A\n"),
        (3, 5, "d\ne\n", "D\nE\nnew\n"),
    ]
    assert [h.proposed_start for h in hunks] == [0, 3]


def test_hunk_ids_are_stable_and_do_not_depend_on_line_numbers() -> None:
    first = line_hunks(2, "f.py", "x\ny\n", "x\nY\n")
    again = line_hunks(2, "f.py", "x\ny\n", "x\nY\n")
    shifted = line_hunks(2, "f.py", "top\nmore\nx\ny\n", "top\nmore\nx\nY\n")
    assert first[0].id == again[0].id == shifted[0].id
    assert first[0].id.startswith("2:")
    assert line_hunks(2, "g.py", "x\ny\n", "x\nY\n")[0].id != first[0].id


def test_repeated_identical_changes_get_distinct_ids() -> None:
    hunks = line_hunks(0, "f.py", "a\nx\nb\nx\nc\n", "a\ny\nb\ny\nc\n")
    assert len(hunks) == 2
    assert len({h.id for h in hunks}) == 2


def test_build_proposal_makes_file_hunks_and_drops_unchanged_files() -> None:
    proposal = build_proposal(
        "t",
        [
            FileChange("same.py", "x\n", "x\n"),
            FileChange("new.py", None, "n\n"),
            FileChange("old.py", "o\n", None),
            FileChange("moved.py", "m\n", "m\n", old_path="orig.py"),
            FileChange("mod.py", "a\nb\n", "a\nB\n"),
        ],
    )
    assert [(f.path, f.op, len(f.hunks)) for f in proposal.files] == [
        ("new.py", "create", 1),
        ("old.py", "delete", 1),
        ("moved.py", "rename", 1),
        ("mod.py", "modify", 1),
    ]
    assert [f.hunks[0].kind for f in proposal.files] == ["file", "file", "file", "lines"]
    assert proposal.file("moved.py").source_path == "orig.py"


def test_build_proposal_refuses_duplicate_paths() -> None:
    with pytest.raises(ValueError):
        build_proposal("t", [FileChange("a", "1", "2"), FileChange("a", "1", "3")])
