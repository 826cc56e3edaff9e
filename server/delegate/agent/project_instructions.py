"""The project's own guidance for agents: AGENTS.md, CLAUDE.md, .github/copilot-instructions.md.

Many repositories say how to build, test and style their code in one of these files. The
nearest file to the task's focus comes first (a subproject's AGENTS.md says more about that
subproject than the root one), then the root's. Each is capped, and goes into the system
prompt labelled as guidance from the project: it informs the work, it never overrides the
agent's rules or the developer's task.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

NAMES = ("AGENTS.md", "CLAUDE.md", ".github/copilot-instructions.md")
MAX_CHARS_PER_FILE = 8_000
MAX_FILES = 3


@dataclass(frozen=True)
class Instructions:
    path: str  # relative POSIX path of the file
    text: str


def find_instructions(root: Path, focus: str | None = None) -> list[Instructions]:
    """The instruction files for a task on ``focus`` (a path relative to ``root``), nearest first."""
    folders: list[PurePosixPath] = []
    if focus:
        folder = PurePosixPath(focus).parent
        while str(folder) not in ("", "."):
            folders.append(folder)
            folder = folder.parent
    folders.append(PurePosixPath("."))
    found: list[Instructions] = []
    for folder in folders:
        for name in NAMES:
            rel = str(folder / name) if str(folder) != "." else name
            text = _read(root, rel)
            if text is not None:
                found.append(Instructions(rel, text))
                break  # one file per folder: they usually repeat each other
        if len(found) >= MAX_FILES:
            break
    return found


def _read(root: Path, rel: str) -> str | None:
    path = root / rel
    try:
        if path.is_symlink() or not path.is_file():
            return None  # a link could point anywhere; the project's own file is enough
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    if not text:
        return None
    if len(text) > MAX_CHARS_PER_FILE:
        text = text[:MAX_CHARS_PER_FILE] + "\n[… cut]"
    return text
