"""Running git for a ship: one subprocess per command, never a shell, never a prompt.

The user's repository is driven only through git's own commands. The environment is the
caller's minus the variables that would point git at another repository, index or work
tree (a ship started from inside a hook must not inherit the hook's index), and git may
never stop to ask for a password: a push that needs one fails with git's message instead
of hanging a language server that has no terminal.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from delegate.ship.errors import ShipRefused

# variables that redirect git to another repository, index or work tree
_REDIRECTS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
    "GIT_NAMESPACE",
)
TIMEOUT_S = 300.0


def git_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _REDIRECTS}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("GIT_ASKPASS", "")  # no graphical prompt either, unless the user set one
    env["LC_ALL"] = "C"  # messages we match on are git's English ones
    env.update(extra or {})
    return env


def run_git(
    cwd: Path,
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """``git ARGS`` in ``cwd``; with ``check``, a failure becomes a ``git_failed`` refusal."""
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=git_environment(env),
            input=input,
            capture_output=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ShipRefused(
            "not_a_repository", "git is not installed: install git to ship a task"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise ShipRefused("git_failed", f"git {args[0]} did not finish in {TIMEOUT_S:g} s") from exc
    if check and done.returncode != 0:
        raise ShipRefused(
            "git_failed", f"git {args[0]} failed: {output_of(done) or 'no output'}", output_of(done)
        )
    return done


def git_text(cwd: Path, *args: str) -> str:
    """The stripped standard output of a git command that must succeed."""
    return run_git(cwd, args).stdout.decode("utf-8", "replace").strip()


def output_of(done: subprocess.CompletedProcess[bytes]) -> str:
    """Standard output and error of a finished command, as the user would have seen them."""
    parts = [done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")]
    return "\n".join(p.strip() for p in parts if p.strip())
