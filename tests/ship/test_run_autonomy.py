"""`delegate run --autonomy commit-when-green`: a green result is applied to the folder and
committed to its branch without a question; nothing is pushed until `delegate ship --push`.
A red result is neither applied nor committed."""

from __future__ import annotations

import json
import re
import sys

import pytest

from delegate.cli import main
from delegate.settings import AUTONOMY_LEVELS
from tests.fakes.fake_anthropic import FakeAnthropic
from tests.ship.conftest import BASE, SUBJECT, Repo, agent, git

KEY = "sk-ant-api03-RUN-AUTONOMY-KEY-0000"
STEPPED = BASE.replace(" 1\n", " 2\n")


def configure(repo: Repo, base_url: str, tests_pass: bool) -> None:
    code = "pass" if tests_pass else "raise SystemExit(1)"
    command = json.dumps([sys.executable, "-c", code])
    (repo.work / ".delegate").mkdir(exist_ok=True)
    (repo.work / ".delegate" / ".gitignore").write_text("*\n")
    (repo.work / ".delegate" / "config.toml").write_text(
        f"[tests]\ncommand = {command}\n[budget]\nmax_iterations = 1\n"
        f'[api]\nbase_url = "{base_url}"\nmax_retries = 0\n'
    )


def run(repo: Repo, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(
        ["run", "bump the steps", "--folder", str(repo.work), "--autonomy", "commit-when-green"]
    )
    err = capsys.readouterr().err
    match = re.search(r"delegate: task (\S+)", err)
    assert match is not None
    return code, match.group(1), err


def test_a_green_run_is_applied_and_committed_but_not_pushed(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    with FakeAnthropic(policy=agent) as fake:
        configure(repo, fake.base_url, tests_pass=True)
        code, task, err = run(repo, capsys)
    assert code == 0
    assert "committed to branch delegate/bump-the-steps" in err and "nothing pushed" in err
    assert (repo.work / "calc.py").read_text() == STEPPED  # applied to the folder
    assert git(repo.work, "show", "delegate/bump-the-steps:calc.py") == STEPPED.rstrip("\n")
    assert git(repo.work, "log", "-1", "--format=%s", "delegate/bump-the-steps") == SUBJECT
    assert repo.remote_branches() == ["main"]

    assert main(["ship", task, "--folder", str(repo.work), "--push"]) == 0
    assert "delegate/bump-the-steps" in repo.remote_branches()
    trace = (repo.work / ".delegate" / "runs" / task / "trace.jsonl").read_text()
    events = [json.loads(line)["event"] for line in trace.splitlines()]
    assert events.count("autonomy") == 1 and events.count("gate") == 1
    assert KEY not in trace


def test_a_red_run_is_left_for_review(
    repo: Repo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    with FakeAnthropic(policy=agent) as fake:
        configure(repo, fake.base_url, tests_pass=False)
        run(repo, capsys)
    assert (repo.work / "calc.py").read_text() == BASE
    assert git(repo.work, "branch", "--format=%(refname:short)").split() == ["main"]


def test_the_run_flag_offers_every_autonomy_level() -> None:
    from delegate.cli import build_parser

    parser = build_parser()
    for level in AUTONOMY_LEVELS:
        assert parser.parse_args(["run", "x", "--autonomy", level]).autonomy == level
