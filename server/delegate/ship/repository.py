"""The user's repository as a ship sees it: where it is, which commit and branch HEAD names.

Everything here only reads. A ship starts from the current HEAD commit and needs a named
current branch (the pull request's base), so a folder outside git, a repository without a
commit and a detached HEAD are refused, each with what to do instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from delegate.ship.errors import ShipRefused
from delegate.ship.git import git_text, run_git


@dataclass(frozen=True)
class Repository:
    """A workspace folder inside a git repository, at the moment the ship started."""

    toplevel: Path
    prefix: str  # the folder's path inside the repository, "" or ending in "/"
    head: str  # the commit HEAD names
    branch: str  # the current branch's short name

    def repo_path(self, folder_relative: str) -> str:
        """A path relative to the workspace folder, as a path inside the repository."""
        return self.prefix + folder_relative


def open_repository(folder: Path) -> Repository:
    """The repository holding ``folder``; refuses when there is nothing to ship from."""
    if not folder.is_dir():
        raise ShipRefused("not_a_repository", f"{folder} is not a directory")
    inside = run_git(folder, ["rev-parse", "--show-toplevel", "--show-prefix"], check=False)
    if inside.returncode != 0:
        raise ShipRefused(
            "not_a_repository",
            f"{folder} is not in a git repository: run `git init` and commit, then ship again",
        )
    lines = inside.stdout.decode("utf-8", "replace").splitlines()
    toplevel, prefix = Path(lines[0]), lines[1] if len(lines) > 1 else ""
    head = run_git(toplevel, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], check=False)
    if head.returncode != 0:
        raise ShipRefused(
            "no_commit",
            "the repository has no commit yet: make a first commit, then ship again",
        )
    branch = run_git(toplevel, ["symbolic-ref", "--quiet", "--short", "HEAD"], check=False)
    if branch.returncode != 0:
        raise ShipRefused(
            "detached_head",
            "HEAD is detached: check out the branch the change should be based on "
            "(`git switch BRANCH`), then ship again",
        )
    return Repository(
        toplevel=toplevel,
        prefix=prefix,
        head=head.stdout.decode().strip(),
        branch=branch.stdout.decode().strip(),
    )


def branch_tip(repo: Repository, name: str) -> str | None:
    """The commit ``refs/heads/<name>`` points at, or None when there is no such branch."""
    done = run_git(
        repo.toplevel, ["rev-parse", "--verify", "--quiet", f"refs/heads/{name}"], check=False
    )
    return done.stdout.decode().strip() if done.returncode == 0 else None


def check_branch_name(repo: Repository, name: str) -> str:
    """``name`` if git accepts it as a branch name; refuses otherwise."""
    done = run_git(repo.toplevel, ["check-ref-format", "--branch", name], check=False)
    if done.returncode != 0 or name.startswith("-"):
        raise ShipRefused(
            "bad_branch", f"{name!r} is not a valid branch name: choose another with --branch"
        )
    return name


def head_file(repo: Repository, repo_path: str) -> tuple[bytes, str] | None:
    """The bytes and mode of ``repo_path`` in HEAD, or None when HEAD has no such file."""
    listing = git_text(repo.toplevel, "ls-tree", "-z", repo.head, "--", repo_path).rstrip("\0")
    if not listing:
        return None
    meta, _, _ = listing.partition("\t")
    mode, kind, sha = meta.split()
    if kind != "blob":
        return None
    data = run_git(repo.toplevel, ["cat-file", "blob", sha]).stdout
    return data, mode


def task_of_commit(repo: Repository, commit: str) -> str | None:
    """The ``Delegate-Task`` trailer of ``commit``, or None."""
    value = git_text(
        repo.toplevel, "log", "-1", "--format=%(trailers:key=Delegate-Task,valueonly)", commit
    )
    return value.splitlines()[0].strip() if value else None


_SLUG_WORD = re.compile(r"[a-z0-9]+")


def task_slug(text: str, words: int = 5, limit: int = 40) -> str:
    """A few lowercase words of ``text`` joined by dashes: ``"Add retries to fetch()"`` →
    ``"add-retries-to-fetch"``. Empty when ``text`` has no letters or digits."""
    slug = "-".join(_SLUG_WORD.findall(text.lower())[:words])
    return slug[:limit].rstrip("-")
