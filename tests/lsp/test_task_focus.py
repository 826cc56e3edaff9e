"""A queued task's focus lines follow the user's edits until the task starts (``tasks/focus.py``).

The focus is the selection the task was delegated on, as 1-based lines of the file at
submit. When the task starts, the same text may sit elsewhere in the file, or be gone.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from delegate.agent.task import EventSink, TaskResult, TaskSpec
from delegate.tasks import TaskRecord, TaskRegistry
from delegate.tasks.focus import follow_focus, follow_lines, follow_range

TEXT = "".join(f"line {i}\n" for i in range(1, 11))  # "line 1" is line 1


def test_lines_move_with_lines_added_or_removed_above() -> None:
    above = "import os\nimport re\n" + TEXT
    assert follow_lines(TEXT, above, 4, 6) == (6, 8)
    removed = TEXT.replace("line 1\n", "").replace("line 2\n", "")
    assert follow_lines(TEXT, removed, 4, 6) == (2, 4)
    assert follow_lines(TEXT, TEXT + "tail\n", 4, 6) == (4, 6)  # below: nothing moves


def test_lines_edited_inside_stay_and_lines_added_inside_join() -> None:
    edited = TEXT.replace("line 5\n", "line five\n")
    assert follow_lines(TEXT, edited, 4, 6) == (4, 6)
    grown = TEXT.replace("line 5\n", "line 5\nnew a\nnew b\n")
    assert follow_lines(TEXT, grown, 4, 6) == (4, 8)
    shrunk = TEXT.replace("line 5\n", "")
    assert follow_lines(TEXT, shrunk, 4, 6) == (4, 5)


def test_lines_added_at_the_edges_stay_out() -> None:
    before_first = TEXT.replace("line 4\n", "new\nline 4\n")
    assert follow_lines(TEXT, before_first, 4, 6) == (5, 7)
    after_last = TEXT.replace("line 6\n", "line 6\nnew\n")
    assert follow_lines(TEXT, after_last, 4, 6) == (4, 6)


def test_lines_rewritten_whole_become_what_replaced_them() -> None:
    rewritten = TEXT.replace("line 4\nline 5\nline 6\n", "other\n")
    assert follow_lines(TEXT, rewritten, 4, 6) == (4, 4)


def test_lines_deleted_whole_are_gone() -> None:
    deleted = TEXT.replace("line 4\nline 5\nline 6\n", "")
    assert follow_lines(TEXT, deleted, 4, 6) is None
    assert follow_lines(TEXT, "", 4, 6) is None


def test_a_range_past_the_end_comes_back_as_it_is() -> None:
    assert follow_lines(TEXT, "x\n" + TEXT, 20, 22) == (20, 22)
    assert follow_lines("", "x\n", 1, 1) == (1, 1)


def test_the_note_says_where_the_focus_went_or_that_it_is_gone() -> None:
    moved = follow_focus("calc.py", TEXT, "a\nb\n" + TEXT, 4, 6)
    assert moved.changed and (moved.start_line, moved.end_line) == (6, 8)
    assert moved.note() == (
        "calc.py changed while the task waited for a free slot: its focus moved from "
        "lines 4-6 to lines 6-8."
    )
    same = follow_focus("calc.py", TEXT, TEXT + "tail\n", 4, 6)
    assert not same.changed and same.note() == ""
    gone = follow_focus("calc.py", TEXT, TEXT.replace("line 4\n", ""), 4, 4)
    assert gone.changed and gone.start_line is None and gone.end_line is None
    assert gone.note() == (
        "Line 4 of calc.py, the task's focus, was deleted while it waited for a free "
        "slot; it works on the whole file."
    )
    missing = follow_focus("calc.py", TEXT, None, 4, 6)  # the file itself is gone
    assert missing.now is None and missing.note().startswith("Lines 4-6 of calc.py")


def test_a_trigger_range_keeps_its_columns_and_moves_its_lines() -> None:
    rng = {"start": {"line": 4, "character": 2}, "end": {"line": 4, "character": 9}}
    moved = follow_range(rng, TEXT, "new\n" + TEXT)
    assert moved == {"start": {"line": 5, "character": 2}, "end": {"line": 5, "character": 9}}
    assert follow_range(rng, TEXT, TEXT.replace("line 5\n", "")) is None
    assert follow_range({"start": {}}, TEXT, TEXT) is None


async def test_the_registry_records_the_new_focus_and_tells_its_listeners(tmp_path: Path) -> None:
    started = asyncio.Event()
    release = asyncio.Event()

    async def runner(spec: TaskSpec, events: EventSink) -> TaskResult:
        started.set()
        await release.wait()
        return TaskResult(spec.task_id, "succeeded", "done")

    registry = TaskRegistry(runner, max_concurrent=1)
    seen: list[TaskRecord] = []
    registry.on_change(seen.append)
    spec = TaskSpec("t-1", tmp_path, "do it", file="calc.py", start_line=4, end_line=6)
    registry.submit(
        spec, trigger={"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 5}}
    )
    await started.wait()
    moved = {"start": {"line": 5, "character": 0}, "end": {"line": 5, "character": 5}}
    registry.refocus("t-1", start_line=6, end_line=8, trigger=moved, message="moved")
    record = registry.get("t-1")
    assert record is not None
    assert (record.start_line, record.end_line, record.trigger) == (6, 8, moved)
    assert seen[-1].message == "moved" and seen[-1].start_line == 6
    saved = (tmp_path / ".delegate" / "tasks" / "t-1.json").read_text()
    assert '"start_line": 6' in saved
    release.set()
    for _ in range(100):
        if (registry.get("t-1") or record).finished:
            break
        await asyncio.sleep(0)
    assert (registry.get("t-1") or record).finished
    registry.refocus("t-1", start_line=1, end_line=1, trigger=None, message="late")
    after = registry.get("t-1")
    assert after is not None and after.start_line == 6  # a finished record stays as it is


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_lines_edited_only_outside_the_focus_are_found_unchanged(data: st.DataObject) -> None:
    count = data.draw(st.integers(1, 30))
    # distinct lines: where a line equal to the focus's first or last one is deleted next
    # to it, no diff can tell which of the two went
    lines = [f"line {i}\n" for i in range(count)]
    start = data.draw(st.integers(1, count))
    end = data.draw(st.integers(start, count))
    focused = lines[start - 1 : end]
    above = data.draw(edited_lines(lines[: start - 1], "above"))
    below = data.draw(edited_lines(lines[end:], "below"))
    after = [*above, *focused, *below]
    moved = follow_lines("".join(lines), "".join(after), start, end)
    assert moved is not None
    new_start, new_end = moved
    assert after[new_start - 1 : new_end] == focused


@st.composite
def edited_lines(draw: st.DrawFn, lines: list[str], where: str) -> list[str]:
    """``lines`` with some deleted and new ones inserted: blank, or typed text."""
    kept = [line for line in lines if draw(st.booleans())]
    for _ in range(draw(st.integers(0, 3))):
        typed = draw(st.sampled_from(["\n", f"typed {where}\n"]))
        kept.insert(draw(st.integers(0, len(kept))), typed)
    return kept
