"""The agent's file listing and its per-task cache of texts (``delegate.agent.file_listing``)."""

from __future__ import annotations

import os
from pathlib import Path

from delegate.agent.file_listing import iter_workspace_files, list_workspace_files
from delegate.settings import Settings


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def test_listing_follows_links_inside_once_and_never_outside(tmp_path: Path) -> None:
    root, outside = tmp_path / "ws", tmp_path / "outside"
    write(root, {"pkg/a.py": "a", "pkg/sub/b.py": "b", ".gitignore": "*.log\n", "x.log": ""})
    write(outside, {"secret.py": "s"})
    (root / "alias").symlink_to(root / "pkg", target_is_directory=True)  # same directory twice
    (root / "pkg" / "sub" / "loop").symlink_to(root / "pkg", target_is_directory=True)
    (root / "out").symlink_to(outside, target_is_directory=True)
    (root / "b_link.py").symlink_to(root / "pkg" / "sub" / "b.py")
    (root / "secret_link.py").symlink_to(outside / "secret.py")
    listed = list_workspace_files(root, Settings().index)
    # the walk pops the last directory pushed first: "pkg" is entered before "alias"
    # only when scandir lists it later; either way each real directory is listed once
    dirs = {rel.split("/")[0] for rel in listed if rel.endswith("a.py")}
    assert len(dirs) == 1 and dirs <= {"pkg", "alias"}
    assert sum(rel.endswith("/b.py") for rel in listed) == 1
    assert "b_link.py" in listed and ".gitignore" in listed
    assert not any(
        rel.startswith("out/") or "secret" in rel or rel.endswith(".log") for rel in listed
    )
    fulls = dict(iter_workspace_files(root, Settings().index))
    assert all(os.path.isfile(full) for full in fulls.values())
