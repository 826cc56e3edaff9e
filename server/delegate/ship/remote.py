"""Leaving the machine: the remote, the push, and the pull request on the forge.

Nothing here runs until the user has answered the gate (see ``flow.py``). The pull request
is opened with the forge's own command-line tool (``gh`` for GitHub and unknown hosts,
``glab`` for GitLab) when it is installed and signed in; otherwise the user gets the
forge's compare page for the pushed branch, worked out from the remote's URL, and the
sentence that says how to let Delegate open it next time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from delegate.ship.errors import ShipRefused
from delegate.ship.git import git_environment, git_text, output_of, run_git
from delegate.ship.repository import Repository

FORGE_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Remote:
    name: str
    url: str  # where it fetches from: the forge's address is worked out from this one
    push_url: str


@dataclass(frozen=True)
class Forge:
    kind: str  # "github" or "gitlab"
    cli: str  # "gh" or "glab"
    web: str | None  # https://host/owner/repo, None for a remote without a web page

    def compare_url(self, base: str, branch: str) -> str | None:
        if self.web is None:
            return None
        if self.kind == "gitlab":
            return (
                f"{self.web}/-/merge_requests/new?merge_request%5Bsource_branch%5D="
                f"{quote(branch, safe='')}&merge_request%5Btarget_branch%5D={quote(base, safe='')}"
            )
        return f"{self.web}/compare/{quote(base, safe='/')}...{quote(branch, safe='/')}?expand=1"


def choose_remote(repo: Repository, configured: str = "") -> Remote:
    """The configured remote, else the current branch's upstream remote, else ``origin``,
    else the only one; refuses when there is none (or the configured one is missing)."""
    names = git_text(repo.toplevel, "remote").split()
    if configured:
        if configured not in names:
            raise ShipRefused(
                "no_remote",
                f"the remote {configured!r} (setting ship.remote) does not exist: add it with "
                f"`git remote add {configured} URL` or change the setting",
            )
        chosen = configured
    else:
        upstream = (
            run_git(repo.toplevel, ["config", "--get", f"branch.{repo.branch}.remote"], check=False)
            .stdout.decode()
            .strip()
        )
        if upstream in names:
            chosen = upstream
        elif "origin" in names:
            chosen = "origin"
        elif len(names) == 1:
            chosen = names[0]
        elif not names:
            raise ShipRefused(
                "no_remote",
                "the repository has no remote to push to: add one with "
                "`git remote add origin URL`, then ship again (the commit stays on its branch)",
            )
        else:
            raise ShipRefused(
                "no_remote",
                f"several remotes ({', '.join(names)}) and none is `origin` or the branch's "
                "upstream: name one in the setting ship.remote",
            )
    url = git_text(repo.toplevel, "remote", "get-url", chosen)
    return Remote(chosen, url, git_text(repo.toplevel, "remote", "get-url", "--push", chosen))


_SCP_LIKE = re.compile(r"^(?:[\w.-]+@)?(?P<host>[\w.-]+):(?P<path>[^/].*)$")
_URL = re.compile(r"^(?:https?|ssh|git)://(?:[^@/]+@)?(?P<host>[^/:]+)(?::\d+)?/(?P<path>.+)$")


def web_address(url: str) -> str | None:
    """``https://host/owner/repo`` for a remote URL of a hosted repository, else None
    (a path on disk or a ``file://`` URL has no web page)."""
    match = _URL.match(url) or (None if "://" in url else _SCP_LIKE.match(url))
    if match is None:
        return None
    path = match["path"].strip("/")
    path = path.removesuffix(".git")
    if not path or "/" not in path:
        return None
    return f"https://{match['host']}/{path}"


def forge_for(url: str) -> Forge:
    web = web_address(url)
    host = web.split("/")[2].lower() if web else ""
    if "gitlab" in host:
        return Forge("gitlab", "glab", web)
    return Forge("github", "gh", web)


def push(repo: Repository, remote: Remote, branch: str) -> str:
    """Push the new branch (and only it); git's own words on success, a refusal on failure."""
    done = run_git(
        repo.toplevel,
        ["push", "--porcelain", remote.name, f"refs/heads/{branch}:refs/heads/{branch}"],
        check=False,
    )
    if done.returncode != 0:
        raise ShipRefused(
            "push_failed",
            f"git push to {remote.name} failed: the commit stays on branch {branch}; fix the "
            f"cause and push it with `git push {remote.name} {branch}`",
            output_of(done),
        )
    return output_of(done)


def forge_ready(forge: Forge, cwd: Path) -> ShipRefused | None:
    """None when the forge's tool is installed and signed in, else the refusal saying so."""
    name = "GitHub CLI" if forge.cli == "gh" else "GitLab CLI"
    if shutil.which(forge.cli) is None:
        return ShipRefused(
            "forge_missing",
            f"{forge.cli} ({name}) is not installed: install it and sign in with "
            f"`{forge.cli} auth login` to let Delegate open the pull request",
        )
    status = _forge(forge, cwd, ["auth", "status"])
    if status.returncode != 0:
        return ShipRefused(
            "forge_signed_out",
            f"{forge.cli} is not signed in: run `{forge.cli} auth login`, then ship again",
            output_of(status),
        )
    return None


def _forge(forge: Forge, cwd: Path, args: list[str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            [forge.cli, *args],
            cwd=cwd,
            env=git_environment({"GH_PROMPT_DISABLED": "1", "NO_COLOR": "1"}),
            capture_output=True,
            timeout=FORGE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return subprocess.CompletedProcess([forge.cli, *args], 1, b"", str(exc).encode())


def open_pull_request(
    repo: Repository, forge: Forge, base: str, branch: str, title: str, body: str
) -> str:
    """Open the pull (merge) request with the forge's tool; its URL (or the tool's output)."""
    with tempfile.TemporaryDirectory(prefix="delegate-pr-") as scratch:
        body_file = Path(scratch) / "body.md"
        body_file.write_text(body, encoding="utf-8")
        if forge.cli == "gh":
            args = ["pr", "create", "--head", branch, "--base", base, "--title", title]
            args += ["--body-file", str(body_file)]
        else:
            args = ["mr", "create", "--source-branch", branch, "--target-branch", base]
            args += ["--title", title, "--description", body, "--yes"]
        done = _forge(forge, repo.toplevel, args)
    if done.returncode != 0:
        raise ShipRefused(
            "forge_signed_out" if "auth" in output_of(done).lower() else "push_failed",
            f"{forge.cli} could not open the pull request (the branch is pushed): "
            f"{output_of(done) or 'no output'}",
            output_of(done),
        )
    urls = re.findall(r"https?://\S+", done.stdout.decode("utf-8", "replace"))
    return urls[-1] if urls else output_of(done)
