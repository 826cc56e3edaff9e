"""resolve_inside: every model path stays in the sandbox, or is refused with a reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from delegate.agent.paths import PathEscape, relative_posix, resolve_inside


@pytest.fixture
def root(tmp_path: Path) -> Path:
    sandbox = tmp_path / "sandbox"
    (sandbox / "src" / "pkg").mkdir(parents=True)
    (sandbox / "src" / "pkg" / "mod.py").write_text("x = 1\n")
    (sandbox / ".git").mkdir()
    (sandbox / ".git" / "config").write_text("[core]\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("s3cret\n")
    return sandbox


@pytest.mark.parametrize(
    ("user_path", "expected"),
    [
        ("src/pkg/mod.py", "src/pkg/mod.py"),
        ("./src/pkg/mod.py", "src/pkg/mod.py"),
        ("src/pkg/../pkg/mod.py", "src/pkg/mod.py"),
        ("src/new_file.py", "src/new_file.py"),  # need not exist yet
        ("", "."),
        (".", "."),
        ("src/", "src"),
        (".github/workflows/ci.yml", ".github/workflows/ci.yml"),
    ],
)
def test_paths_inside_resolve(root: Path, user_path: str, expected: str) -> None:
    assert relative_posix(root, resolve_inside(root, user_path)) == expected


@pytest.mark.parametrize(
    ("user_path", "reason"),
    [
        ("/etc/passwd", "absolute"),
        ("~/x", "absolute"),
        ("C:/x", "absolute"),
        ("../outside/secret.txt", "'..'"),
        ("src/../../outside/secret.txt", "'..'"),
        (".git/config", ".git"),
        ("src/../.git/config", ".git"),
        ("a\x00b", "NUL"),
    ],
)
def test_escapes_are_refused_with_a_reason(root: Path, user_path: str, reason: str) -> None:
    with pytest.raises(PathEscape, match=re.escape(reason)):
        resolve_inside(root, user_path)


def test_symlink_leaving_the_root_is_refused_anywhere_on_the_path(root: Path) -> None:
    (root / "link_dir").symlink_to(root.parent / "outside")
    (root / "src" / "link_file").symlink_to(root.parent / "outside" / "secret.txt")
    for user_path in ("link_dir", "link_dir/secret.txt", "link_dir/new.txt", "src/link_file"):
        with pytest.raises(PathEscape, match="symlink"):
            resolve_inside(root, user_path)


def test_symlink_staying_inside_is_followed(root: Path) -> None:
    (root / "alias").symlink_to(root / "src" / "pkg")
    assert relative_posix(root, resolve_inside(root, "alias/mod.py")) == "src/pkg/mod.py"


def test_symlink_into_git_is_refused(root: Path) -> None:
    (root / "gitdir").symlink_to(root / ".git")
    with pytest.raises(PathEscape, match=r"\.git"):
        resolve_inside(root, "gitdir/config")
