"""Properties of the merge that must hold for any text (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from delegate.proposals.lines import split_lines, strip_terminator
from delegate.proposals.positions import TextEdit, from_encoding, to_encoding
from delegate.proposals.review import accept, reject_all

from .helpers import accept_in_turn, one_file

CONTENT = st.sampled_from(["", "a", "b", "c", "x y", "😀", "β", "\t", "𝔘z"])
ENDING = st.sampled_from(["\n", "\r\n", "\r"])
# Few distinct lines make many equal lines, where a diff can align in more than one way.
REPETITIVE = st.tuples(st.sampled_from(["a", "b"]), st.just("\n"))


@st.composite
def texts(draw: st.DrawFn) -> str:
    line = draw(st.sampled_from([st.tuples(CONTENT, ENDING), REPETITIVE]))
    lines = draw(st.lists(line, max_size=12))
    text = "".join(c + e for c, e in lines)
    return text + draw(st.sampled_from(["", "", "tail", "😀"]))


@st.composite
def edited(draw: st.DrawFn, base: str) -> str:
    lines = split_lines(base)
    if draw(st.booleans()) and lines:
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = draw(CONTENT) + draw(ENDING)
    if draw(st.booleans()):
        i = draw(st.integers(0, len(lines)))
        lines[i:i] = [draw(CONTENT) + draw(ENDING)]
    if draw(st.booleans()) and lines:
        del lines[draw(st.integers(0, len(lines) - 1))]
    return "".join(lines)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_accepting_every_hunk_of_an_untouched_file_gives_the_proposed_text(
    data: st.DataObject,
) -> None:
    base = data.draw(texts())
    proposed = data.draw(st.one_of(texts(), edited(base)))
    proposal = one_file(base, proposed)
    if not proposal.files:
        assert base == proposed
        return
    result = accept(proposal, "a.py", None, base)
    assert result.new_text == proposed
    assert not result.conflicted


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_rejecting_every_hunk_keeps_the_current_text(data: st.DataObject) -> None:
    base = data.draw(texts())
    proposal = one_file(base, data.draw(edited(base)))
    if not proposal.files:
        return
    current = data.draw(edited(base))
    rejected = reject_all(proposal)
    result = accept(rejected, "a.py", None, current)
    assert result.edits == () and result.new_text == current
    assert all(h.state == "rejected" for h in rejected.files[0].hunks)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_subset_in_any_order_then_the_rest_gives_the_proposed_text(
    data: st.DataObject,
) -> None:
    base = data.draw(texts())
    proposed = data.draw(st.one_of(texts(), edited(base)))
    proposal = one_file(base, proposed)
    if not proposal.files:
        return
    ids = data.draw(st.permutations([h.id for h in proposal.files[0].hunks]))
    first = ids[: data.draw(st.integers(0, len(ids)))]
    proposal, text = accept_in_turn(proposal, "a.py", list(first), base)
    result = accept(proposal, "a.py", None, text)
    assert result.new_text == proposed
    assert not result.conflicted


@st.composite
def unique_line_change(draw: st.DrawFn) -> tuple[list[str], list[str], set[int]]:
    """Base lines that are all distinct, a proposal, and the base lines it touches (with anchors)."""
    n = draw(st.integers(3, 16))
    base = [f"line {i}\n" for i in range(n)]
    proposed: list[str] = []
    touched: set[int] = set()
    for i, line in enumerate(base):
        action = draw(st.sampled_from(["keep"] * 4 + ["replace", "delete", "insert"]))
        if action == "keep":
            proposed.append(line)
        elif action == "replace":
            proposed.append(f"new {i}\n")
        elif action == "insert":
            proposed.extend([line, f"inserted after {i}\n"])
        if action in ("replace", "delete"):
            touched.update({i - 1, i, i + 1})
        elif action == "insert":
            touched.update({i, i + 1})
    return base, proposed, touched


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_user_edits_away_from_every_hunk_never_block_it(data: st.DataObject) -> None:
    base, proposed, touched = data.draw(unique_line_change())
    free = [i for i in range(len(base)) if i not in touched]
    if not free or base == proposed:
        return
    k = data.draw(st.sampled_from(free))
    kind = data.draw(st.sampled_from(["modify", "delete"]))

    def user_edit(lines: list[str]) -> str:
        lines = list(lines)
        at = lines.index(base[k])  # the line is untouched, so it exists in both texts
        if kind == "modify":
            lines[at] = "user's line\n"
        else:
            del lines[at]
        return "".join(lines)

    proposal = one_file("".join(base), "".join(proposed))
    result = accept(proposal, "a.py", None, user_edit(base))
    assert not result.conflicted
    assert result.new_text == user_edit(proposed)


@settings(max_examples=200, deadline=None)
@given(texts(), st.data())
def test_encoded_columns_convert_back(text: str, data: st.DataObject) -> None:
    lines = [strip_terminator(line) for line in split_lines(text)] or [""]
    line = data.draw(st.integers(0, len(lines) - 1))
    col = data.draw(st.integers(0, len(lines[line])))
    for encoding in ("utf-8", "utf-16", "utf-32"):
        (converted,) = to_encoding(text, [TextEdit(line, col, line, col, "")], encoding)
        assert from_encoding(text, line, converted.start_col, encoding) == (line, col)
