"""Making the ship's commit without touching the user's working tree, index, stash or branch.

Two steps, both away from the user's files:

1. **The tree**, with plumbing and a private index file (``GIT_INDEX_FILE`` in a temporary
   directory): ``read-tree HEAD``, then one ``hash-object``/``update-index`` per changed file,
   then ``write-tree``. The user's ``.git/index`` is never read or written.
2. **The commit**, with ``git commit`` in a temporary detached worktree whose index is set to
   that tree (``read-tree -u --reset``), so the repository's own hooks run as they would for
   the user — ``pre-commit``, ``prepare-commit-msg``, ``commit-msg`` — against a real checkout
   of exactly what is committed. A failing hook stops the ship with the hook's output; the
   worktree is removed whatever happens.

Only then is the branch created, with ``update-ref`` told that it must not exist yet, so a
branch someone made in the meantime is never overwritten.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from delegate.proposals import FileChange
from delegate.ship.errors import ShipRefused
from delegate.ship.git import git_text, output_of, run_git
from delegate.ship.repository import Repository, head_file

_NEW_FILE_MODE = "100644"


def build_tree(repo: Repository, changes: Sequence[FileChange]) -> str:
    """The tree of HEAD with ``changes`` (folder-relative paths) applied."""
    with tempfile.TemporaryDirectory(prefix="delegate-ship-index-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        top = repo.toplevel
        run_git(top, ["read-tree", repo.head], env=env)
        for change in changes:
            path = repo.repo_path(change.path)
            removed = [repo.repo_path(change.old_path)] if change.old_path else []
            if change.proposed is None:
                removed.append(path)
            for gone in removed:
                run_git(top, ["update-index", "--force-remove", "--", gone], env=env)
            if change.proposed is None:
                continue
            sha = (
                run_git(
                    top,
                    ["hash-object", "-w", "--no-filters", "--stdin"],
                    input=change.proposed.encode("utf-8"),
                )
                .stdout.decode()
                .strip()
            )
            mode = _mode_for(repo, change)
            run_git(top, ["update-index", "--add", "--cacheinfo", f"{mode},{sha},{path}"], env=env)
        return run_git(top, ["write-tree"], env=env).stdout.decode().strip()


def _mode_for(repo: Repository, change: FileChange) -> str:
    """Keep the mode HEAD gave the file (or the renamed file), so a script stays executable."""
    source = change.old_path or change.path
    found = head_file(repo, repo.repo_path(source)) if change.base is not None else None
    return found[1] if found else _NEW_FILE_MODE


def tree_of(repo: Repository, commit: str) -> str:
    return git_text(repo.toplevel, "rev-parse", f"{commit}^{{tree}}")


def commit_with_hooks(repo: Repository, tree: str, message: str) -> str:
    """Commit ``tree`` on top of HEAD with ``git commit`` (hooks and all); its id."""
    scratch = Path(tempfile.mkdtemp(prefix="delegate-ship-"))
    worktree = scratch / "worktree"
    added = False
    try:
        run_git(
            repo.toplevel,
            ["worktree", "add", "--detach", "--no-checkout", "--quiet", str(worktree), repo.head],
        )
        added = True
        run_git(worktree, ["read-tree", "-u", "--reset", tree])
        message_file = scratch / "message"
        message_file.write_text(message, encoding="utf-8")
        done = run_git(
            worktree,
            ["commit", "--quiet", "--cleanup=whitespace", "-F", str(message_file)],
            check=False,
        )
        if done.returncode != 0:
            raise ShipRefused(
                "hook_failed",
                "the commit was refused (a commit hook failed); fix what it reports and ship "
                "again — nothing was committed",
                output_of(done),
            )
        commit = git_text(worktree, "rev-parse", "HEAD")
        parent = git_text(worktree, "rev-parse", "HEAD^")
        if parent != repo.head:  # a hook that commits on its own would end up here
            raise ShipRefused("git_failed", "the commit hooks changed history; nothing was shipped")
        return commit
    finally:
        removed = not added or (
            run_git(
                repo.toplevel, ["worktree", "remove", "--force", str(worktree)], check=False
            ).returncode
            == 0
        )
        shutil.rmtree(scratch, ignore_errors=True)
        if not removed:  # forget the worktree git could not remove, now that it is gone
            run_git(repo.toplevel, ["worktree", "prune"], check=False)


def create_branch(repo: Repository, branch: str, commit: str) -> None:
    """Point the new ``refs/heads/<branch>`` at ``commit``; refuses if it exists by now."""
    done = run_git(
        repo.toplevel,
        ["update-ref", "-m", "delegate ship", f"refs/heads/{branch}", commit, ""],
        check=False,
    )
    if done.returncode != 0:
        raise ShipRefused(
            "branch_exists",
            f"branch {branch} already exists: ship with another name (--branch NAME) or "
            f"delete it (`git branch -D {branch}`)",
            output_of(done),
        )
