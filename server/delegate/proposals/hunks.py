"""Line hunks from a base text to a proposed text, with ids that survive reloads and rebases.

Hunks use zero lines of context: every run of changed lines between two unchanged lines is
its own hunk, so each can be accepted alone. A hunk's id hashes its path and the text it
replaces and inserts, never its line numbers, so recomputing the diff, reloading from disk
or rebasing onto a moved text gives the same id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from difflib import SequenceMatcher

from delegate.proposals.lines import split_lines
from delegate.proposals.model import Hunk


def hunk_id(file_index: int, path: str, *parts: str) -> str:
    """``"<file index>:<8 hex digits>"`` from the path and the hunk's texts."""
    digest = hashlib.sha1("\0".join((path, *parts)).encode("utf-8", "surrogatepass"))
    return f"{file_index}:{digest.hexdigest()[:8]}"


def changed_regions(
    base_lines: Sequence[str], proposed_lines: Sequence[str]
) -> list[tuple[int, int, int, int]]:
    """``(base_start, base_end, proposed_start, proposed_end)`` for every changed run of lines.

    Runs that touch (no unchanged line between them) are merged into one region.
    """
    matcher = SequenceMatcher(None, base_lines, proposed_lines, autojunk=False)
    regions: list[tuple[int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if regions and regions[-1][1] == i1 and regions[-1][3] == j1:
            b1, _, p1, _ = regions[-1]
            regions[-1] = (b1, i2, p1, j2)
        else:
            regions.append((i1, i2, j1, j2))
    return regions


def line_hunks(file_index: int, path: str, base: str, proposed: str) -> tuple[Hunk, ...]:
    """The line hunks that turn ``base`` into ``proposed``, in file order."""
    base_lines = split_lines(base)
    proposed_lines = split_lines(proposed)
    hunks: list[Hunk] = []
    seen: dict[str, int] = {}
    for b1, b2, p1, p2 in changed_regions(base_lines, proposed_lines):
        old_text = "".join(base_lines[b1:b2])
        new_text = "".join(proposed_lines[p1:p2])
        hid = hunk_id(file_index, path, old_text, new_text)
        seen[hid] = seen.get(hid, 0) + 1
        if seen[hid] > 1:  # the same change twice in one file: number the repeats
            hid = f"{hid}~{seen[hid]}"
        hunks.append(Hunk(hid, "lines", b1, b2, old_text, new_text, p1))
    return tuple(hunks)


def file_hunk(
    file_index: int, op: str, path: str, old_path: str | None, base: str, proposed: str
) -> Hunk:
    """The single hunk that stands for a create, delete or rename."""
    hid = hunk_id(file_index, path, "file", op, old_path or "", base, proposed)
    return Hunk(hid, "file", 0, len(split_lines(base)), base, proposed, 0)
