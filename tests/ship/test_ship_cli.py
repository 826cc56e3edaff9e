"""`delegate ship` on real repositories with a local bare repository as the remote.

What the issue asks to be true: the branch's commit holds exactly the accepted hunks; the
user's working tree, index, HEAD and stash do not change by a byte; nothing reaches the
remote until the gate says push; the repository's hooks run and a failing one stops the
ship with its output; without ``gh`` the compare URL is printed; a stand-in ``gh`` gets
the title and body; and every refusal names what to do.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from delegate.cli import main
from delegate.proposals import FileChange, ProposalStore, build_proposal, set_states
from tests.fakes.fake_anthropic import FakeAnthropic, Reply, text
from tests.ship.conftest import BASE, NOTES, TASK, Repo, git, proposal_with, snapshot

BRANCH = "delegate/bump-the-steps-to-two"
ONLY_FIRST = BASE.replace("return x + 1", "return x + 2")


def ship(folder: Path, *flags: str) -> int:
    return main(["ship", TASK, "--folder", str(folder), *flags])


def user_state(repo: Repo) -> None:
    """What a user has going on: the accepted hunk and the new file in the working tree
    (the editor applied them), a stash, a staged change and an unsaved-to-git edit."""
    (repo.work / "README.md").write_text("calc, stashed\n")
    repo.git("stash", "--quiet")
    (repo.work / "calc.py").write_text(ONLY_FIRST + "# my own note\n")
    (repo.work / "notes.md").write_text(NOTES)
    (repo.work / "README.md").write_text("calc, staged\n")
    repo.git("add", "README.md")
    (repo.work / "README.md").write_text("calc, staged, then edited\n")


def test_the_commit_holds_exactly_the_accepted_hunks_and_the_user_keeps_everything(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    proposal_with(
        repo.work,
        {"0": "applied", "1": "rejected", "2": "pending", "notes": "accepted"},
        "Bump the steps to two",
    )
    user_state(repo)
    before = snapshot(repo)

    assert ship(repo.work, "--accepted-only") == 0

    assert snapshot(repo) == before
    head = repo.git("rev-parse", "HEAD")
    assert repo.git("rev-parse", f"{BRANCH}^") == head
    assert repo.git("show", f"{BRANCH}:calc.py") + "\n" == ONLY_FIRST.rstrip("\n") + "\n"
    assert repo.git("show", f"{BRANCH}:notes.md") + "\n" == NOTES
    assert repo.git("show", f"{BRANCH}:README.md") == "calc"  # HEAD's, not the user's edit
    changed = repo.git("diff", "--name-only", head, BRANCH).split()
    assert sorted(changed) == ["calc.py", "notes.md"]
    message = repo.git("log", "-1", "--format=%B", BRANCH)
    assert message.splitlines()[0] == "Bump the steps to two"  # the template: no key is set
    assert f"Delegate-Task: {TASK}" in message
    assert repo.remote_branches() == ["main"]  # no --push: nothing left the machine
    out = capsys.readouterr().out
    assert "Nothing pushed" in out and f"delegate ship {TASK} --push" in out


def test_nothing_reaches_the_remote_until_push_and_a_second_ship_reuses_the_commit(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    proposal_with(repo.work, {"0": "applied", "1": "applied", "2": "rejected", "notes": "rejected"})
    assert ship(repo.work) == 0
    assert repo.remote_branches() == ["main"]
    branch = next(b for b in repo.git("branch", "--format=%(refname:short)").split() if b != "main")
    commit = repo.git("rev-parse", branch)

    assert ship(repo.work, "--push") == 0
    assert sorted(repo.remote_branches()) == sorted(["main", branch])
    assert git(repo.remote, "rev-parse", branch) == commit  # the same commit, not a second one
    out = capsys.readouterr().out
    assert "Already on branch" in out and f"Pushed {branch} to origin" in out
    trace = repo.work / ".delegate" / "runs" / TASK / "trace.jsonl"
    gates = [r for r in map(json.loads, trace.read_text().splitlines()) if r["event"] == "gate"]
    assert [g["answer"] for g in gates] == ["cancel", "push"]


def hook(repo: Repo, name: str, body: str) -> None:
    path = repo.work / ".git" / "hooks" / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


def test_the_hooks_run_and_a_failing_one_stops_the_ship_with_its_output(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    proposal_with(
        repo.work, {"0": "accepted", "1": "rejected", "2": "rejected", "notes": "rejected"}
    )
    seen = repo.work.parent / "commit-msg-saw.txt"
    hook(repo, "commit-msg", f'cat "$1" > "{seen}"\n')
    hook(repo, "pre-commit", 'echo "lint: calc.py:3: step too small"; exit 1\n')
    before = snapshot(repo)

    assert ship(repo.work) == 1
    err = capsys.readouterr().err
    assert "a commit hook failed" in err and "lint: calc.py:3: step too small" in err
    assert repo.git("branch", "--format=%(refname:short)").split() == ["main"]
    assert snapshot(repo) == before
    assert not seen.exists()

    staged = repo.work.parent / "pre-commit-saw.txt"
    hook(repo, "pre-commit", f'git diff --cached --name-only > "{staged}"\n')
    assert ship(repo.work) == 0
    assert f"Delegate-Task: {TASK}" in seen.read_text()  # commit-msg ran on our message
    assert staged.read_text().split() == ["calc.py"]  # pre-commit saw what is committed
    assert snapshot(repo) == before


def path_with(tmp_path: Path, tools: dict[str, str]) -> str:
    """A PATH holding git and the given stand-in tools, and nothing else."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    git_path = shutil.which("git")
    assert git_path is not None
    (bin_dir / "git").symlink_to(git_path)
    for name, script in tools.items():
        (bin_dir / name).write_text(f"#!{sys.executable}\n{script}")
        (bin_dir / name).chmod(0o755)
    return str(bin_dir)


def on_forge(repo: Repo, url: str = "git@github.com:acme/calc.git") -> None:
    """Fetch from a forge's address (for the compare URL), push to the local bare remote."""
    repo.git("remote", "set-url", "origin", url)
    repo.git("remote", "set-url", "--push", "origin", str(repo.remote))


def test_without_gh_the_compare_url_is_printed(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    proposal_with(repo.work, {"0": "applied", "1": "applied", "2": "applied", "notes": "applied"})
    on_forge(repo)
    monkeypatch.setenv("PATH", path_with(tmp_path, {}))
    assert ship(repo.work, "--pr") == 0
    out = capsys.readouterr().out
    branch = next(b for b in repo.remote_branches() if b != "main")
    assert "gh (GitHub CLI) is not installed" in out and "gh auth login" in out
    assert f"https://github.com/acme/calc/compare/main...{branch}?expand=1" in out


GH = """
import json, os, sys
args = sys.argv[1:]
with open(os.environ["GH_RECORD"], "a") as log:
    body = ""
    if "--body-file" in args:
        body = open(args[args.index("--body-file") + 1]).read()
    log.write(json.dumps({"args": args, "body": body}) + "\\n")
if args[:2] == ["auth", "status"]:
    sys.exit(int(os.environ.get("GH_AUTH_EXIT", "0")))
print("https://github.com/acme/calc/pull/7")
"""


def test_a_stand_in_gh_receives_the_title_and_the_body(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    proposal_with(
        repo.work,
        {"0": "applied", "1": "rejected", "2": "applied", "notes": "applied"},
        "Bump the steps to two",
    )
    on_forge(repo)
    record = tmp_path / "gh.jsonl"
    monkeypatch.setenv("PATH", path_with(tmp_path, {"gh": GH}))
    monkeypatch.setenv("GH_RECORD", str(record))
    assert ship(repo.work, "--pr") == 0
    assert "Pull request: https://github.com/acme/calc/pull/7" in capsys.readouterr().out
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    create = next(c for c in calls if c["args"][:2] == ["pr", "create"])
    args = create["args"]
    assert args[args.index("--head") + 1] == BRANCH
    assert args[args.index("--base") + 1] == "main"
    assert args[args.index("--title") + 1] == "Bump the steps to two"
    body = create["body"]
    for expected in (
        "## Task\n\nBump the steps to two",
        "## Plan\n\nBump every step to 2",
        "grow, shrink and scale step by 2",
        "`calc.py (+2 -2)`",
        "`notes.md (new, +3 -0)`",
        "before: failed: 3 failed, 1 passed",
        "after: passed: 4 passed",
        "approved\n- looks right",
        "cost: $0.0123",
        f"trace: `.delegate/runs/{TASK}/trace.jsonl`",
    ):
        assert expected in body, expected
    assert BRANCH in repo.remote_branches()


def test_a_signed_out_gh_is_named_and_the_compare_url_given(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    proposal_with(repo.work, {"0": "applied", "1": "applied", "2": "applied", "notes": "applied"})
    on_forge(repo)
    monkeypatch.setenv("PATH", path_with(tmp_path, {"gh": GH}))
    monkeypatch.setenv("GH_RECORD", str(tmp_path / "gh.jsonl"))
    monkeypatch.setenv("GH_AUTH_EXIT", "1")
    assert ship(repo.work, "--pr") == 0
    out = capsys.readouterr().out
    assert "gh is not signed in: run `gh auth login`" in out and "/compare/main..." in out
    assert "pr" not in {c["args"][0] for c in map(json.loads, (tmp_path / "gh.jsonl").open())}


def test_the_model_writes_the_message_when_a_key_is_set(
    repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    proposal_with(repo.work, {"0": "applied", "1": "applied", "2": "applied", "notes": "rejected"})
    key = "sk-ant-api03-SHIP-TEST-KEY-0000"
    reply = (
        f"Double every step of grow, shrink and scale\n\nThe tests asked for steps of two.\n{key}\n"
    )
    with FakeAnthropic(script=[Reply([text(reply)])]) as fake:
        (repo.work / ".delegate" / "config.toml").write_text(
            f'[api]\nbase_url = "{fake.base_url}"\nmax_retries = 0\n'
        )
        monkeypatch.setenv("ANTHROPIC_API_KEY", key)
        assert ship(repo.work, "--branch", "feature/steps") == 0
        (request,) = fake.requests
    assert "return x + 2" in request.last_user_text()  # the diff went to the model
    message = repo.git("log", "-1", "--format=%B", "feature/steps")
    assert message.startswith("Double every step of grow, shrink and scale\n\nThe tests asked")
    assert message.rstrip().endswith(f"Delegate-Task: {TASK}")
    assert key not in message and "[REDACTED]" in message  # an echoed key never leaves
    trace = (repo.work / ".delegate" / "runs" / TASK / "trace.jsonl").read_text()
    assert '"role": "ship"' in trace and "SHIP-TEST-KEY" not in trace


# -- refusals ------------------------------------------------------------------------------


def refused(folder: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    assert ship(folder, *flags) == 1
    return capsys.readouterr().err


def test_refuses_a_folder_outside_git(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    ProposalStore(folder).save(build_proposal(TASK, [FileChange("a.py", None, "x = 1\n")]))
    assert "not in a git repository: run `git init`" in refused(folder, capsys)


def test_refuses_a_detached_head(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    proposal_with(repo.work, {"0": "applied", "1": "applied", "2": "applied", "notes": "applied"})
    repo.git("checkout", "--quiet", "--detach")
    assert "HEAD is detached: check out the branch" in refused(repo.work, capsys)


def test_refuses_pending_hunks_unless_told_to_ship_the_accepted_ones(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    proposal_with(repo.work, {"0": "applied"})
    err = refused(repo.work, capsys)
    assert "3 hunk(s) still pending" in err and "--accepted-only" in err
    assert ship(repo.work, "--accepted-only") == 0


def test_refuses_when_nothing_is_accepted(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    proposal_with(
        repo.work, {"0": "rejected", "1": "rejected", "2": "rejected", "notes": "rejected"}
    )
    assert "has no accepted hunk" in refused(repo.work, capsys)


def test_refuses_a_branch_that_exists(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    proposal_with(
        repo.work,
        {"0": "applied", "1": "applied", "2": "applied", "notes": "applied"},
        "Bump the steps to two",
    )
    repo.git("branch", BRANCH)
    err = refused(repo.work, capsys)
    assert f"branch {BRANCH} already exists and holds other work" in err
    assert "--branch NAME" in err and f"git branch -D {BRANCH}" in err


def test_refuses_to_push_without_a_remote(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    proposal_with(repo.work, {"0": "applied", "1": "applied", "2": "applied", "notes": "applied"})
    repo.git("remote", "remove", "origin")
    assert "no remote to push to: add one with `git remote add origin URL`" in refused(
        repo.work, capsys, "--push"
    )


def test_refuses_a_task_without_a_proposal(repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    assert f"there is no proposal for task {TASK}" in refused(repo.work, capsys)


def test_refuses_an_accepted_hunk_that_does_not_fit_head(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    proposal_with(
        repo.work, {"0": "applied", "1": "rejected", "2": "rejected", "notes": "rejected"}
    )
    # HEAD moved under the proposal: the region the hunk replaces is not there any more
    (repo.work / "calc.py").write_text(BASE.replace("return x + 1", "return x + 10"))
    repo.git("commit", "--quiet", "-am", "someone else's change")
    err = refused(repo.work, capsys)
    assert "do not apply to HEAD" in err and "commit those first" in err
    assert os.environ.get("ANTHROPIC_API_KEY") is None


def test_a_workspace_folder_inside_the_repository_ships_its_own_paths(
    repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    package = repo.work / "pkg"
    package.mkdir()
    (package / "mod.py").write_text("A = 1\n")
    repo.git("add", "pkg/mod.py")
    repo.git("commit", "--quiet", "-m", "pkg")
    proposal = build_proposal(TASK, [FileChange("mod.py", "A = 1\n", "A = 2\n")])
    ProposalStore(package).save(
        set_states(proposal, "mod.py", [proposal.files[0].hunks[0].id], "applied")
    )
    assert ship(package, "--branch", "pkg-change") == 0
    assert repo.git("show", "pkg-change:pkg/mod.py") == "A = 2"
    assert repo.git("diff", "--name-only", "main", "pkg-change") == "pkg/mod.py"


def test_a_gitlab_remote_gets_its_merge_request_from_a_stand_in_glab(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    proposal_with(
        repo.work,
        {"0": "applied", "1": "applied", "2": "applied", "notes": "applied"},
        "Bump the steps to two",
    )
    on_forge(repo, "git@gitlab.com:acme/calc.git")
    record = tmp_path / "glab.jsonl"
    monkeypatch.setenv("PATH", path_with(tmp_path, {"glab": GH}))
    monkeypatch.setenv("GH_RECORD", str(record))
    assert ship(repo.work, "--pr") == 0
    calls = [json.loads(line)["args"] for line in record.read_text().splitlines()]
    assert calls[0] == ["auth", "status"]
    args = next(c for c in calls if c[:2] == ["mr", "create"])
    assert args[args.index("--source-branch") + 1] == BRANCH
    assert args[args.index("--target-branch") + 1] == "main"
    assert args[args.index("--title") + 1] == "Bump the steps to two"
    assert "## Verifier\n\napproved" in args[args.index("--description") + 1]
    assert "Pull request: https://github.com/acme/calc/pull/7" in capsys.readouterr().out
