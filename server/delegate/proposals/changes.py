"""The agent's output as plain data: which files a task changes and how.

This is the hand-over point between ``delegate.agent`` (which produces changes in its
sandbox) and ``delegate.proposals`` (which turns them into reviewable hunks). Neither side
needs the other's internals: only this type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileChange:
    """One file's change, with paths relative to the workspace folder (POSIX style).

    - modify: ``base`` and ``proposed`` are both text, ``old_path`` is None.
    - create: ``base`` is None, ``proposed`` is the new file's text.
    - delete: ``base`` is the old text, ``proposed`` is None.
    - rename: ``old_path`` names the original; ``base`` is its text at snapshot time and
      ``proposed`` the text under the new ``path`` (equal to ``base`` for a pure rename).
    """

    path: str
    base: str | None
    proposed: str | None
    old_path: str | None = None

    @property
    def operation(self) -> str:
        if self.old_path is not None:
            return "rename"
        if self.base is None:
            return "create"
        if self.proposed is None:
            return "delete"
        return "modify"
