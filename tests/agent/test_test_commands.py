"""Test commands per ecosystem and per subproject, and each runner's failures parsed.

Detection is checked on files alone; the parsers on the real runners where this machine
has them (cargo, go, Maven, jest, unittest — a missing one is skipped with the reason and
how to get it) and on captured logs for the others.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from delegate.agent.failures import condense_output
from delegate.agent.test_commands import detect_command
from delegate.agent.test_commands.detect import python_for
from delegate.agent.testrunner import TestRunner
from delegate.agent.workspace import test_runner_for as runner_for
from delegate.settings import Settings

RUNNERS = Path(__file__).resolve().parents[1] / "fixtures" / "runners"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.mark.parametrize(
    ("files", "command", "runner"),
    [
        ({"pom.xml": "<project/>"}, ["mvn", "-o", "-B", "-q", "test"], "maven"),
        ({"pom.xml": "<project/>", "mvnw": ""}, ["./mvnw", "-o", "-B", "-q", "test"], "maven"),
        ({"build.gradle.kts": ""}, ["gradle", "test", "--offline", "--console=plain"], "gradle"),
        (
            {"build.gradle": "", "gradlew": ""},
            ["./gradlew", "test", "--offline", "--console=plain"],
            "gradle",
        ),
        ({"Gemfile": "", "spec/x_spec.rb": ""}, ["bundle", "exec", "rspec"], "rspec"),
        ({"Gemfile": "", "test/x_test.rb": ""}, ["bundle", "exec", "rake", "test"], "minitest"),
        ({"App.csproj": "<Project/>"}, ["dotnet", "test"], "dotnet"),
        ({"go.mod": "module x\n"}, ["go", "test", "./..."], "go"),
        ({"Cargo.toml": "[package]\n"}, ["cargo", "test"], "cargo"),
        (
            {"package.json": json.dumps({"scripts": {"test": "vitest run"}}), "pnpm-lock.yaml": ""},
            ["pnpm", "test"],
            "vitest",
        ),
        (
            {"package.json": json.dumps({"scripts": {"test": "mocha"}}), "yarn.lock": ""},
            ["yarn", "test"],
            "mocha",
        ),
        ({"package.json": json.dumps({"scripts": {"test": "jest --ci"}})}, ["npm", "test"], "jest"),
        # a TypeScript project with a pyproject.toml for its tooling is not a Python project
        (
            {"package.json": json.dumps({"scripts": {"test": "jest"}}), "pyproject.toml": ""},
            ["npm", "test"],
            "jest",
        ),
    ],
)
def test_detection_per_ecosystem(
    tmp_path: Path, files: dict[str, str], command: list[str], runner: str
) -> None:
    write(tmp_path, files)
    found = detect_command(tmp_path)
    assert found is not None
    assert (found.command, found.folder, found.runner) == (command, ".", runner)


def test_python_uses_the_projects_venv_and_picks_unittest_or_pytest(tmp_path: Path) -> None:
    write(tmp_path, {"setup.cfg": "", "tests/test_a.py": "import unittest\n"})
    found = detect_command(tmp_path)
    assert found is not None and found.runner == "unittest"
    assert found.command[0] != sys.executable  # never the server's own interpreter
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "python").symlink_to(sys.executable)
    write(tmp_path, {"pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-q"\n'})
    found = detect_command(tmp_path)
    assert found is not None and found.runner == "pytest"
    assert found.command[0] == str(tmp_path / ".venv" / "bin" / "python") == python_for(tmp_path)


def test_the_nearest_project_to_the_focus_wins(tmp_path: Path) -> None:
    shutil.copytree(RUNNERS / "monorepo", tmp_path / "repo")
    root = tmp_path / "repo"
    web = detect_command(root, "web/src/app.ts")
    assert web is not None and (web.command, web.folder, web.runner) == (
        ["pnpm", "test"],
        "web",
        "vitest",
    )
    api = detect_command(root, "api/tests/test_api.py")
    assert api is not None and api.folder == "api" and api.runner == "pytest"
    runner = runner_for(root, Settings(), "api/tests/test_api.py")
    assert runner is not None and runner.cwd == root / "api" and runner.root == root
    configured = runner_for(root, Settings(tests={"command": ["make", "check"]}), "web/x.ts")
    assert configured is not None and configured.command == ["make", "check"]
    assert configured.cwd == root  # a configured command runs at the root


# --- real runners ---------------------------------------------------------------------


def _have(tool: str, why: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed here ({why}); the parser is still checked on logs")


async def only_failure(tmp_path: Path, name: str, summary: str | None = None) -> str:
    """Run fixture ``name`` with its detected command; its one failure, after checking the
    summary (``"1 failed, 1 passed"`` unless another is given)."""
    root = tmp_path / name
    shutil.copytree(RUNNERS / name, root, symlinks=True)
    runner = runner_for(root, Settings())
    assert runner is not None
    report = await runner.run()
    assert not report.passed
    if summary is None:
        assert report.summary == "1 failed, 1 passed", report.output_tail
    else:
        assert report.summary.startswith(summary), report.output_tail
    assert len(report.failures) == 1, report.failures
    return report.failures[0]


async def test_cargo_test_failures_are_parsed(tmp_path: Path) -> None:
    _have("cargo", "install rustup's cargo")
    failure = await only_failure(tmp_path, "cargo-calc")
    assert failure.startswith("tests::clamps_above")
    assert "left: 0" in failure and "src/lib.rs:26" in failure


async def test_go_test_failures_are_parsed(tmp_path: Path) -> None:
    _have("go", "apt-get install golang-go")
    failure = await only_failure(tmp_path, "go-calc", "1 failed")
    assert failure.startswith("TestClampAbove")
    assert "Clamp(42, 0, 10) = 0; want 10" in failure and "calc_test.go:13" in failure


async def test_maven_surefire_failures_are_parsed(tmp_path: Path) -> None:
    _have("mvn", "apt-get install maven")
    local = Path.home() / ".m2" / "repository" / "org" / "junit" / "jupiter" / "junit-jupiter"
    if not (local / "5.10.2").is_dir():
        pytest.skip(
            "the local Maven repository has no junit-jupiter 5.10.2 and tests reach no Maven "
            "repository; the Surefire parser is still checked on a captured log"
        )
    repository = Path.home() / ".m2" / "repository"
    if os.geteuid() == 0 and not all(
        p.stat().st_mode & stat.S_IROTH and p.stat().st_mode & stat.S_IXOTH
        for p in (repository.parent, repository)
    ):
        pytest.skip(
            "confined runs drop root to an unprivileged uid, which cannot read root's "
            f"{repository} (not world-readable here); the Surefire parser is still checked "
            "on a captured log"
        )
    failure = await only_failure(tmp_path, "maven-calc")
    assert failure.startswith("CalcTest.clampsAbove - expected: <10> but was: <0>")
    assert "line 15" in failure


async def test_jest_failures_are_parsed(tmp_path: Path) -> None:
    _have("npm", "install Node.js with npm")
    if not (RUNNERS / "node-jest" / "node_modules" / ".bin" / "jest").exists():
        pytest.skip(
            "jest is not installed in tests/fixtures/runners/node-jest: run "
            "`npm ci --prefix tests/fixtures/runners/node-jest` (make test does)"
        )
    failure = await only_failure(tmp_path, "node-jest")
    assert failure.startswith("calc.test.js › clamp › above the range")
    assert "Expected: 10" in failure and "Received: 0" in failure and "calc.test.js:9" in failure


async def test_unittest_failures_are_parsed(tmp_path: Path) -> None:
    _have("python3", "install Python 3")
    failure = await only_failure(tmp_path, "python-unittest")
    assert "test_clamp_above" in failure and "AssertionError: 0 != 10" in failure
    assert "test_calc.py:11" in failure


# --- captured logs of runners this machine may not have --------------------------------

VITEST = """\
 FAIL  src/calc.test.ts > clamp > above the range
AssertionError: expected 0 to be 10 // Object.is equality
 ❯ src/calc.test.ts:9:30

 Test Files  1 failed (1)
      Tests  1 failed | 1 passed (2)
"""

GRADLE = """\
> Task :test FAILED

CalcTest > clampsAbove() FAILED
    org.opentest4j.AssertionFailedError at CalcTest.java:15

2 tests completed, 1 failed
"""

RSPEC = """\
Failures:

  1) Calc clamps above the range
     Failure/Error: expect(clamp(42, 0, 10)).to eq(10)
       expected: 10
            got: 0
     # ./spec/calc_spec.rb:9:in `block (2 levels) in <top (required)>'

Finished in 0.01 seconds
2 examples, 1 failure

Failed examples:

rspec ./spec/calc_spec.rb:8 # Calc clamps above the range
"""

MINITEST = """\
  1) Failure:
CalcTest#test_clamp_above [test/calc_test.rb:9]:
Expected: 10
  Actual: 0

2 runs, 2 assertions, 1 failures, 0 errors, 0 skips
"""

DOTNET = """\
  Failed CalcTests.ClampsAbove [4 ms]
  Error Message:
   Assert.Equal() Failure: Values differ
Expected: 10
Actual:   0

Failed!  - Failed:     1, Passed:     1, Skipped:     0, Total:     2, Duration: 12 ms
"""

MOCHA = """\
  clamp
    ✓ adds
    1) above the range


  1 passing (5ms)
  1 failing

  1) clamp
       above the range:
     AssertionError [ERR_ASSERTION]: 0 == 10
      at Context.<anonymous> (test/calc.test.js:9:12)
"""


@pytest.mark.parametrize(
    ("output", "head", "detail"),
    [
        (VITEST, "src/calc.test.ts > clamp > above the range", "src/calc.test.ts:9"),
        (GRADLE, "CalcTest > clampsAbove()", "CalcTest.java:15"),
        (RSPEC, "Calc clamps above the range", "./spec/calc_spec.rb:9"),
        (MINITEST, "CalcTest#test_clamp_above", "test/calc_test.rb:9"),
        (DOTNET, "CalcTests.ClampsAbove", "Values differ"),
        (MOCHA, "clamp above the range", "test/calc.test.js:9"),
    ],
)
def test_captured_logs_are_parsed(output: str, head: str, detail: str) -> None:
    condensed = condense_output(output, exit_code=1)
    assert condensed.summary == "1 failed, 1 passed"
    [failure] = condensed.failures
    assert failure.startswith(head) and detail in failure, failure


def test_a_subproject_runner_takes_selections_relative_to_the_root(tmp_path: Path) -> None:
    write(tmp_path, {"api/tests/test_a.py": "def test_a():\n    pass\n"})
    runner = TestRunner(
        tmp_path, ["pytest"], timeout_s=10, max_output_chars=1000, cwd=tmp_path / "api"
    )
    assert runner._in_cwd("api/tests/test_a.py") == "tests/test_a.py"


def test_maven_and_gradle_selections_name_classes_and_methods(tmp_path: Path) -> None:
    from delegate.agent.testrunner import SelectionError, selection_args

    maven = ["mvn", "-o", "-B", "-q", "test"]
    assert selection_args(tmp_path, maven, ["CalcTest#adds", "calc.OtherTest"])[-1] == (
        "-Dtest=CalcTest#adds,calc.OtherTest"
    )
    gradle = ["./gradlew", "test", "--offline", "--console=plain"]
    assert selection_args(tmp_path, gradle, ["CalcTest#adds"])[-2:] == ["--tests", "CalcTest.adds"]
    for bad in ("-Dfoo=1", "Calc Test", "a/b.java"):
        with pytest.raises(SelectionError):
            selection_args(tmp_path, maven, [bad])
