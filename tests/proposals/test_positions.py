"""Edit columns in the client's position encoding: UTF-16 by default, UTF-8 or UTF-32."""

from __future__ import annotations

import pytest

from delegate.proposals.positions import (
    PositionEncoding,
    TextEdit,
    apply_edits,
    from_encoding,
    to_encoding,
)
from delegate.proposals.review import accept

from .helpers import one_file

TEXT = "a😀b\r\nβ𝔘\n"  # 😀 and 𝔘 are outside the BMP: 2 UTF-16 units, 4 UTF-8 bytes


@pytest.mark.parametrize(
    ("encoding", "col"),
    [("utf-32", 3), ("utf-16", 4), ("utf-8", 6)],
)
def test_columns_after_an_emoji(encoding: PositionEncoding, col: int) -> None:
    edit = TextEdit(0, 3, 0, 3, "!")  # after "a😀b"
    assert to_encoding(TEXT, [edit], encoding) == [TextEdit(0, col, 0, col, "!")]
    assert from_encoding(TEXT, 0, col, encoding) == (0, 3)


@pytest.mark.parametrize(("encoding", "col"), [("utf-16", 2), ("utf-8", 2), ("utf-8", 3)])
def test_a_column_inside_a_character_rounds_down(encoding: PositionEncoding, col: int) -> None:
    assert from_encoding(TEXT, 0, col, encoding) == (0, 1)


def test_second_line_columns() -> None:
    edit = TextEdit(1, 2, 1, 2, "?")  # end of "β𝔘"
    assert to_encoding(TEXT, [edit], "utf-16")[0].start_col == 3
    assert to_encoding(TEXT, [edit], "utf-8")[0].start_col == 6
    assert apply_edits(TEXT, [edit]) == "a😀b\r\nβ𝔘?\n"


def test_accept_edits_convert_for_an_unterminated_last_line_with_emoji() -> None:
    base = "x\n😀😀"
    proposal = one_file(base, "x\nok")
    result = accept(proposal, "a.py", None, base)
    (edit,) = result.edits
    assert (edit.start_line, edit.start_col, edit.end_line, edit.end_col) == (1, 0, 1, 2)
    (utf16,) = to_encoding(base, result.edits, "utf-16")
    assert (utf16.end_line, utf16.end_col) == (1, 4)
    (utf8,) = to_encoding(base, result.edits, "utf-8")
    assert (utf8.end_line, utf8.end_col) == (1, 8)


def test_apply_edits_refuses_overlaps() -> None:
    with pytest.raises(ValueError):
        apply_edits("abc\n", [TextEdit(0, 0, 0, 2, "x"), TextEdit(0, 1, 0, 3, "y")])
