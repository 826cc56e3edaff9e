"""Test generation through the loop (``run_task`` with kind "tests") on the textutil fixture.

Only the model is faked: the generated file is written by the real editor tool, run by the
real test runner, pruned, and measured against real mutants of the target in the sandbox.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from tests.agent.scenarios import KEY, TEST_COMMAND, project
from tests.fakes.fake_anthropic import FakeAnthropic, Reply, text, tool_use

from delegate.agent.engine import run_task
from delegate.agent.task import TaskResult, TaskSpec
from delegate.agent.testgen import count_tests
from delegate.settings import load_settings

TEST_PATH = "tests/test_textutil_generated.py"
APPROVE = Reply([text('{"approved": true, "notes": ["tests only"]}')])

GENERATED = """\
import pytest

from textutil import truncate_words


def test_short_text_is_unchanged() -> None:
    assert truncate_words("a b", 5) == "a b"


def test_long_text_is_cut() -> None:
    assert truncate_words("a b c d", 2) == "a b …"


def test_zero_words_is_rejected() -> None:
    with pytest.raises(ValueError):
        truncate_words("a b", 0)


def test_exact_length_is_unchanged_suspected_bug() -> None:
    assert truncate_words("a b", 2) == "a b"


def test_marker_after_one_word() -> None:
    assert truncate_word("a b c", 1) == "a …"
"""

WEAK = """\
from textutil import truncate_words


def test_it_exists() -> None:
    assert callable(truncate_words)
"""


BUG_LINE = "if len(words) < max_words:"
JUDGED_BUG = Reply(
    [
        tool_use(
            "judge_failures",
            {
                "judgements": [
                    {
                        "test": "test_exact_length_is_unchanged_suspected_bug",
                        "verdict": "bug",
                        "code": BUG_LINE,
                        "why": "a text of exactly max_words words must come back unchanged",
                    }
                ]
            },
        )
    ]
)


def write_tests(source: str, *judged: Reply) -> list[Reply]:
    """The model's turns: create the file, finish, judge the failures (when there are
    candidate bugs), and the reviewer's approval."""
    return [
        Reply(
            [
                tool_use(
                    "str_replace_based_edit_tool",
                    {"command": "create", "path": TEST_PATH, "file_text": source},
                )
            ]
        ),
        Reply([tool_use("finish", {"summary": "tests for truncate_words"})]),
        *judged,
        APPROVE,
    ]


async def generate(
    folder: Path, fake: FakeAnthropic, symbol: str = "truncate_words", **tests: Any
) -> TaskResult:
    settings, warnings = load_settings(
        {
            "api": {"base_url": fake.base_url, "max_retries": 0},
            "tests": {"command": TEST_COMMAND, **tests},
        }
    )
    assert not warnings
    spec = TaskSpec(
        task_id="tg",
        folder=folder,
        instruction=f"Write tests for {symbol}",
        kind="tests",
        file="textutil.py",
        symbol=symbol,
    )
    return await run_task(spec, settings, api_key=KEY)


def functions_in(source: str | None) -> set[str]:
    assert source is not None
    return {
        node.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test")
    }


async def test_keeps_passing_tests_reports_the_bug_and_scores_mutants(tmp_path: Path) -> None:
    with FakeAnthropic(write_tests(GENERATED, JUDGED_BUG)) as fake:
        folder = project(tmp_path, "textutil")
        result = await generate(folder, fake)
    assert result.state == "succeeded", result.message
    # the model was told where to write, in the project's conventions
    prompt = fake.requests[0].last_user_text()
    assert TEST_PATH in prompt and "truncate_words" in prompt and "pytest" in prompt

    [change] = result.changes
    assert (change.path, change.operation) == (TEST_PATH, "create")
    assert functions_in(change.proposed) == {
        "test_short_text_is_unchanged",
        "test_long_text_is_cut",
        "test_zero_words_is_rejected",
    }
    assert not (folder / TEST_PATH).exists()  # a proposal, not a write

    extra: dict[str, Any] = dict(result.extra)
    assert extra["test_file"] == TEST_PATH and extra["kept"] == 3
    assert extra["dropped"] == ["test_marker_after_one_word"]  # broken test: NameError
    [bug] = extra["suspected_bugs"]  # fails on the current code: reported, not dropped quietly
    assert bug["test"] == "test_exact_length_is_unchanged_suspected_bug"
    assert "a b …" in bug["failure"]
    assert BUG_LINE in bug["evidence"]  # the quoted line is really in textutil.py
    assert "suspected bug" in result.message and "test_exact_length" in result.message

    mutation = extra["mutation"]
    # four mutants of truncate_words; only `max_words < 2` (never probed with 1) survives
    assert (mutation["killed"], mutation["total"]) == (3, 4)
    assert mutation["score"] == 0.75
    assert [s.split(": ", 1)[1] for s in mutation["survivors"]] == ["constant 1 → 2"]
    assert "mutation score 3/4" in result.message
    assert result.tests_after is not None and result.tests_after.passed
    assert "3 passed" in result.tests_after.summary
    # the sandbox's textutil.py was restored after the mutants: no change to it is proposed
    assert "def truncate_words" in (folder / "textutil.py").read_text()


async def test_a_test_that_asserts_nothing_kills_no_mutant(tmp_path: Path) -> None:
    with FakeAnthropic(write_tests(WEAK)) as fake:
        result = await generate(project(tmp_path, "textutil"), fake)
    assert result.state == "succeeded", result.message
    mutation = result.extra["mutation"]
    assert (mutation["killed"], mutation["total"], mutation["score"]) == (0, 4, 0.0)
    assert len(mutation["survivors"]) == 4
    assert count_tests(result.changes[0].proposed or "") == 1


async def test_a_test_file_that_does_not_load_scores_nothing(tmp_path: Path) -> None:
    broken = GENERATED.replace("import truncate_words", "import truncate_wordz")
    with FakeAnthropic(write_tests(broken)) as fake:
        result = await generate(project(tmp_path, "textutil"), fake)
    assert result.state == "failed"
    assert "do not load" in result.message and "truncate_wordz" in result.message
    assert "mutation" not in result.extra  # every mutant would "fail" it: no score claimed


async def test_edits_to_the_code_under_test_are_undone(tmp_path: Path) -> None:
    fix = {
        "command": "str_replace",
        "path": "textutil.py",
        "old_str": "if len(words) < max_words:",
        "new_str": "if len(words) <= max_words:",
    }
    script = write_tests(GENERATED, JUDGED_BUG)
    script.insert(0, Reply([tool_use("str_replace_based_edit_tool", fix)]))
    with FakeAnthropic(script) as fake:
        result = await generate(project(tmp_path, "textutil"), fake)
    assert result.state == "succeeded", result.message
    assert [c.path for c in result.changes] == [TEST_PATH]
    # judged against the code as it is: the exact-length test still shows the bug
    assert [b["test"] for b in result.extra["suspected_bugs"]] == [
        "test_exact_length_is_unchanged_suspected_bug"
    ]
    assert "textutil.py" in " ".join(result.extra["reverted"])


async def test_a_mutant_that_hangs_is_killed_by_a_short_timeout(tmp_path: Path) -> None:
    folder = project(tmp_path, "textutil")
    with (folder / "textutil.py").open("a") as f:  # `n -= 2` never reaches 0 from 3
        f.write("\n\ndef count_down(n: int) -> int:\n    steps = 0\n    while n != 0:\n")
        f.write("        n -= 1\n        steps += 1\n    return steps\n")
    tests = "from textutil import count_down\n\n\ndef test_counts() -> None:\n"
    tests += "    assert count_down(3) == 3\n"
    with FakeAnthropic(write_tests(tests)) as fake:
        result = await generate(folder, fake, "count_down", timeout_seconds=120)
    assert result.state == "succeeded", result.message
    mutation = result.extra["mutation"]
    assert mutation["timeout_s"] < 120  # scaled from the kept tests' own run time
    outcomes = {m["mutant"]: m["outcome"] for m in mutation["mutants"]}
    line = (folder / "textutil.py").read_text().splitlines().index("        n -= 1") + 1
    assert outcomes[f"line {line}: constant 1 → 2"] == "timed out"  # killed, and quickly
    assert mutation["killed"] == mutation["total"]


async def test_a_failure_without_evidence_is_a_wrong_test_and_dropped(tmp_path: Path) -> None:
    unproven = Reply(
        [
            tool_use(
                "judge_failures",
                {
                    "judgements": [
                        {
                            "test": "test_exact_length_is_unchanged_suspected_bug",
                            "verdict": "bug",
                            "code": "return text[:limit]  # not in the file",
                            "why": "it looks wrong",
                        }
                    ]
                },
            )
        ]
    )
    with FakeAnthropic(write_tests(GENERATED, unproven)) as fake:
        result = await generate(project(tmp_path, "textutil"), fake)
    assert result.state == "succeeded", result.message
    assert result.extra["suspected_bugs"] == []
    assert "test_exact_length_is_unchanged_suspected_bug" in result.extra["dropped"]
    asked = fake.requests[2].last_user_text()
    assert "test_exact_length_is_unchanged_suspected_bug" in asked and "judge_failures" in asked
    assert "suspected bug" not in result.message
