"""The test runner: detection, condensed results, timeouts and cancellation that kill every
child, a credential-free environment, and selections that cannot smuggle in commands."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import textwrap
from pathlib import Path

import psutil
import pytest
from tests.agent.scenarios import TEST_COMMAND

from delegate.agent.testrunner import (
    SelectionError,
    TestRunner,
    detect_test_command,
    selection_args,
)

PYTEST = TEST_COMMAND  # the fixture projects need none of this venv's pytest plugins


def make_project(root: Path, tests: str) -> Path:
    (root / "tests").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'tiny'\nversion = '0'\n")
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "tests" / "test_calc.py").write_text(textwrap.dedent(tests))
    return root


def runner(root: Path, *, timeout_s: float = 120.0) -> TestRunner:
    return TestRunner(root, PYTEST, timeout_s=timeout_s, max_output_chars=5000, kill_grace_s=0.5)


# --- detection ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"pyproject.toml": ""}, "pytest"),
        ({"setup.cfg": ""}, "pytest"),
        ({"tox.ini": ""}, "pytest"),
        ({"pytest.ini": ""}, "pytest"),
        ({"tests/test_x.py": ""}, "pytest"),
        ({"package.json": json.dumps({"scripts": {"test": "jest"}})}, ["npm", "test"]),
        (
            {"package.json": json.dumps({"scripts": {"test": 'echo "Error: no test specified"'}})},
            None,
        ),
        ({"package.json": "{not json"}, None),
        ({"go.mod": "module x\n"}, ["go", "test", "./..."]),
        ({"Cargo.toml": "[package]\n"}, ["cargo", "test"]),
        ({"Makefile": "build:\n\tcc x.c\ntest: build\n\t./run\n"}, ["make", "test"]),
        ({"Makefile": "build:\n\tcc x.c\n"}, None),
        ({"README.md": "hi"}, None),
    ],
)
def test_detection_by_files_present(
    tmp_path: Path, files: dict[str, str], expected: list[str] | str | None
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    command = detect_test_command(tmp_path)
    if expected == "pytest":
        assert command is not None
        # the project has no environment of its own: the path's python3, never the server's
        assert command[0] == (shutil.which("python3") or "python3") != sys.executable
        assert command[1:3] == ["-m", "pytest"]
        assert "-x" not in command
    else:
        assert command == expected


def test_pytest_prefers_the_projects_own_venv(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    command = detect_test_command(tmp_path)
    assert command is not None and command[0] == str(tmp_path / ".venv" / "bin" / "python")


# --- selection safety -----------------------------------------------------------------


@pytest.mark.parametrize(
    "item",
    [
        "-x",
        "--co",
        "tests/test_calc.py; rm -rf /",
        "tests/test_calc.py|cat",
        "$(whoami)",
        "../outside.py",
        "/etc/passwd",
        "tests/missing.py",
        "",
    ],
)
def test_unsafe_or_missing_selections_are_refused(tmp_path: Path, item: str) -> None:
    make_project(tmp_path, "def test_ok():\n    pass\n")
    with pytest.raises(SelectionError):
        selection_args(tmp_path, PYTEST, [item])


def test_selection_is_appended_per_runner(tmp_path: Path) -> None:
    make_project(tmp_path, "")
    (tmp_path / "pkg").mkdir()
    item = "tests/test_calc.py::TestX::test_y[1-2]"
    assert selection_args(tmp_path, PYTEST, [item]) == [*PYTEST, item]
    assert selection_args(tmp_path, ["npm", "test"], ["tests"]) == ["npm", "test", "--", "tests"]
    assert selection_args(tmp_path, ["go", "test", "./..."], ["./pkg/..."]) == [
        "go",
        "test",
        "./pkg/...",
    ]
    assert selection_args(tmp_path, ["cargo", "test"], ["parser::tests"]) == [
        "cargo",
        "test",
        "parser::tests",
    ]
    with pytest.raises(SelectionError, match="cannot be narrowed"):
        selection_args(tmp_path, ["make", "test"], ["tests"])


# --- running --------------------------------------------------------------------------


async def test_passing_run(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        """
        from calc import add
        def test_add():
            assert add(1, 2) == 3
        def test_zero():
            assert add(0, 0) == 0
        """,
    )
    seen: list[tuple[int, int | None]] = []
    report = await runner(tmp_path).run(on_progress=lambda done, total: seen.append((done, total)))
    assert report.passed and report.exit_code == 0
    assert report.summary == "2 passed"
    assert report.failures == []
    assert seen[-1] == (2, 2)


async def test_failing_run_is_condensed(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        """
        from calc import add
        def test_add():
            assert add(1, 2) == 3
        def test_wrong():
            assert add(2, 2) == 5, "two and two"
        """,
    )
    report = await runner(tmp_path).run()
    assert not report.passed and report.exit_code == 1
    assert report.summary == "1 failed, 1 passed"
    assert len(report.failures) == 1
    failure = report.failures[0]
    assert failure.startswith("tests/test_calc.py::test_wrong - AssertionError: two and two")
    assert "at tests/test_calc.py:6" in failure
    assert "test_wrong" in report.output_tail


async def test_selection_narrows_the_run(tmp_path: Path) -> None:
    make_project(tmp_path, "def test_a():\n    pass\ndef test_b():\n    assert False\n")
    report = await runner(tmp_path).run(["tests/test_calc.py::test_a"])
    assert report.passed and report.summary == "1 passed"
    assert report.command[-1] == "tests/test_calc.py::test_a"


STUBBORN_CHILD = """
import os, signal, subprocess, sys, time
from pathlib import Path

CHILD = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"

def test_hangs():
    # the run's cwd in its argv: the test finds it by that (pids differ in the PID namespace)
    child = subprocess.Popen([sys.executable, "-c", CHILD, os.getcwd()])
    Path("child.pid").write_text(str(child.pid))
    time.sleep(600)
"""


async def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    make_project(tmp_path, STUBBORN_CHILD)
    report = await runner(tmp_path, timeout_s=3.0).run()
    assert not report.passed and report.exit_code is None
    assert report.summary.startswith("timed out")
    assert (tmp_path / "child.pid").read_text()
    assert_process_gone(tmp_path)


async def test_cancellation_kills_the_whole_process_group(tmp_path: Path) -> None:
    make_project(tmp_path, STUBBORN_CHILD)
    task = asyncio.create_task(runner(tmp_path).run())
    pid_file = tmp_path / "child.pid"
    while not pid_file.exists() or not pid_file.read_text():
        assert not task.done()
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert_process_gone(tmp_path)


def assert_process_gone(marker: Path) -> None:
    """No process started with ``marker`` (the run's cwd) in its argv survives."""
    for process in psutil.process_iter(["cmdline"]):
        if str(marker) not in (process.info["cmdline"] or []):
            continue
        try:
            process.wait(timeout=5)  # reaped by init once killed; wait only for the reaping
        except psutil.NoSuchProcess:
            continue
        except psutil.TimeoutExpired:
            pytest.fail(f"child {process.pid} survived: {process.status()}")


async def test_environment_has_no_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake-for-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-fake")
    monkeypatch.setenv("DEPLOY_TOKEN", "token-fake")
    monkeypatch.setenv("DELEGATE_PLAIN_VALUE", "visible")
    make_project(
        tmp_path,
        """
        import json, os
        def test_dump_env():
            with open("env.json", "w") as f:
                json.dump(dict(os.environ), f)
        """,
    )
    report = await runner(tmp_path).run()
    assert report.passed
    env = json.loads((tmp_path / "env.json").read_text())
    assert not {"ANTHROPIC_API_KEY", "AWS_SECRET_ACCESS_KEY", "DEPLOY_TOKEN"} & set(env)
    assert "sk-ant-fake-for-test" not in json.dumps(env)
    # built from an allowlist: an ordinary variable of the server is not passed on either
    assert "DELEGATE_PLAIN_VALUE" not in env and env["PATH"]
    assert env["CI"] == "1" and env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONPATH"].split(":")[0] == str(tmp_path)


async def test_output_is_capped(tmp_path: Path) -> None:
    make_project(tmp_path, "def test_loud():\n    print('x' * 100_000)\n    assert False\n")
    report = await TestRunner(tmp_path, PYTEST, timeout_s=120, max_output_chars=2000).run()
    assert len(report.output_tail) <= 2000
    assert report.summary == "1 failed"


async def test_missing_command_is_a_failed_report(tmp_path: Path) -> None:
    report = await TestRunner(
        tmp_path, ["definitely-not-a-command-xyz"], timeout_s=5, max_output_chars=1000
    ).run()
    assert not report.passed and "could not start" in report.summary
