"""Re-map a proposal's open hunks onto a file text that moved under it.

When two proposals touch one file and the first is applied, the second's base is stale.
Rebasing makes the current text the new base: every open hunk whose region and anchors
are still intact moves to its new line numbers and stays pending (its id does not change,
because ids never include line numbers); every other open hunk becomes conflicted.
Hunks already decided are detached — their outcome is part of the new base already.
"""

from __future__ import annotations

from dataclasses import replace

from delegate.proposals.lines import split_lines
from delegate.proposals.merge import expected_lines, locate_hunks
from delegate.proposals.model import OPEN, FileProposal, Hunk, Proposal


def rebase_file(fp: FileProposal, new_text: str) -> FileProposal:
    """``fp`` with ``new_text`` as its base (only a modify can be rebased; others return as is)."""
    if fp.op != "modify":
        return fp
    open_hunks = [h for h in fp.hunks if h.state in OPEN and not h.detached]
    places = locate_hunks(fp, open_hunks, new_text)
    moved: dict[str, Hunk] = {}
    for h in open_hunks:
        place = places[h.id]
        if place is not None:
            moved[h.id] = replace(h, base_start=place[0], base_end=place[1], state="pending")
    shift = 0
    for h in sorted(moved.values(), key=lambda h: h.base_start):
        moved[h.id] = replace(h, proposed_start=h.base_start + shift)
        shift += len(split_lines(h.new_text)) - (h.base_end - h.base_start)
    hunks: list[Hunk] = []
    for h in fp.hunks:
        if h.id in moved:
            hunks.append(moved[h.id])
        elif h.state in OPEN and not h.detached:
            hunks.append(replace(h, state="conflicted", detached=True))
        else:
            hunks.append(replace(h, detached=True))
    proposed_lines, _ = expected_lines(new_text, moved.values())
    return replace(fp, base=new_text, proposed="".join(proposed_lines), hunks=tuple(hunks))


def rebase(proposal: Proposal, path: str, new_current_text: str) -> Proposal:
    """``proposal`` with ``path`` rebased onto ``new_current_text``."""
    return proposal.with_file(rebase_file(proposal.file(path), new_current_text))
