"""Test generation in the target's own language: conventions per language, and a Go run.

The Go scenario uses the real ``go test`` on a fixture (skipped, with the reason, where Go
is not installed): the model writes a Go test file, one of its tests fails on a real bug,
the model proves it by quoting the wrong line, removes the failing test, and the passing
test is kept.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tests.agent.scenarios import KEY
from tests.fakes.fake_anthropic import FakeAnthropic, Reply, text, tool_use

from delegate.agent.engine import run_task
from delegate.agent.task import TaskSpec
from delegate.agent.testgen_languages import conventions_for
from delegate.settings import load_settings

RUNNERS = Path(__file__).resolve().parents[1] / "fixtures" / "runners"


@pytest.mark.parametrize(
    ("files", "target", "family", "framework", "path"),
    [
        (
            {"package.json": '{"scripts": {"test": "vitest run"}}', "src/cart.ts": ""},
            "src/cart.ts",
            "js",
            "vitest",
            "src/cart.generated.test.ts",
        ),
        (
            {
                "package.json": '{"scripts": {"test": "jest"}}',
                "lib/__tests__/a.test.js": "",
                "lib/sum.js": "",
            },
            "lib/sum.js",
            "js",
            "jest",
            "lib/__tests__/sum.generated.test.js",
        ),
        (
            {"go.mod": "module x\n", "pkg/calc.go": ""},
            "pkg/calc.go",
            "go",
            "Go's testing",
            "pkg/calc_generated_test.go",
        ),
        (
            {"Cargo.toml": "[package]\n", "src/lib.rs": ""},
            "src/lib.rs",
            "rust",
            "cargo test",
            "tests/lib_generated.rs",
        ),
        (
            {"pom.xml": "<project/>", "src/main/java/calc/Calc.java": ""},
            "src/main/java/calc/Calc.java",
            "java",
            "JUnit 5",
            "src/test/java/calc/CalcGeneratedTest.java",
        ),
        (
            {"Gemfile": "", "spec/x_spec.rb": "", "lib/calc.rb": ""},
            "lib/calc.rb",
            "ruby",
            "RSpec",
            "spec/calc_generated_spec.rb",
        ),
    ],
)
def test_conventions_per_language(
    tmp_path: Path, files: dict[str, str], target: str, family: str, framework: str, path: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    conventions = conventions_for(tmp_path, target)
    assert conventions is not None
    assert (conventions.family, conventions.test_path) == (family, path)
    assert framework in conventions.framework
    assert conventions_for(tmp_path, "tool.py") is None  # Python has its own path


GO_TESTS = """\
package calc

import "testing"

func TestClampInside(t *testing.T) {
	if got := Clamp(5, 0, 10); got != 5 {
		t.Errorf("Clamp(5, 0, 10) = %d; want 5", got)
	}
}

func TestClampAboveSuspectedBug(t *testing.T) {
	if got := Clamp(42, 0, 10); got != 10 {
		t.Errorf("Clamp(42, 0, 10) = %d; want 10", got)
	}
}
"""


async def test_go_tests_are_written_judged_and_pruned(tmp_path: Path) -> None:
    if shutil.which("go") is None:
        pytest.skip("go is not installed here (apt-get install golang-go; make test does)")
    folder = tmp_path / "go-calc"
    shutil.copytree(RUNNERS / "go-calc", folder)
    (folder / "calc_test.go").unlink()  # no failing baseline: only the generated tests count
    path = "calc_generated_test.go"
    create = {"command": "create", "path": path, "file_text": GO_TESTS}
    judged = {
        "judgements": [
            {
                "test": "TestClampAboveSuspectedBug",
                "verdict": "bug",
                "code": "return low // above range",
                "why": "above the range clamp must return high",
            }
        ]
    }
    start = GO_TESTS.index("func TestClampAboveSuspectedBug")
    remove = {"command": "str_replace", "path": path, "old_str": GO_TESTS[start:], "new_str": ""}
    script = [
        Reply([tool_use("str_replace_based_edit_tool", create)]),
        Reply([tool_use("finish", {"summary": "tests for Clamp"})]),
        Reply([tool_use("judge_failures", judged)]),
        Reply([tool_use("str_replace_based_edit_tool", remove)]),
        Reply([tool_use("finish", {"summary": "kept the passing test"})]),
        Reply([text('{"approved": true, "notes": ["tests only"]}')]),
    ]
    with FakeAnthropic(script) as fake:
        settings, warnings = load_settings({"api": {"base_url": fake.base_url, "max_retries": 0}})
        assert not warnings
        spec = TaskSpec(
            "tg", folder, "Write tests for Clamp", kind="tests", file="calc.go", symbol="Clamp"
        )
        result = await run_task(spec, settings, api_key=KEY)
    assert result.state == "succeeded", result.message
    prompt = fake.requests[0].last_user_text()
    assert path in prompt and "Go's testing package" in prompt
    [change] = result.changes
    assert change.path == path and "TestClampInside" in (change.proposed or "")
    assert "TestClampAboveSuspectedBug" not in (change.proposed or "")
    [bug] = result.extra["suspected_bugs"]
    assert bug["test"] == "TestClampAboveSuspectedBug" and "return low" in bug["evidence"]
    assert result.tests_after is not None and result.tests_after.passed
    assert "TestClampAboveSuspectedBug" in fake.requests[2].last_user_text()  # the real failure
