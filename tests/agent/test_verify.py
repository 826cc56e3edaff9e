"""Rule checks catch the ways a green run can lie: deleted, skipped or weakened tests,
edits outside the sources, and secrets. Each case is a change set and the rules it trips."""

from __future__ import annotations

import pytest

from delegate.agent.verify import parse_verdict, rule_checks, unified_diff
from delegate.proposals.changes import FileChange

TEST_BASE = "def test_a():\n    assert f(1) == 2\n\n\ndef test_b():\n    assert f(2) == 3\n"


@pytest.mark.parametrize(
    ("change", "rules"),
    [
        (FileChange("tests/test_f.py", TEST_BASE, None), {"deleted-test"}),
        (
            FileChange("tests/test_f.py", TEST_BASE, "def test_a():\n    assert f(1) == 2\n"),
            {"deleted-test", "weakened-test"},
        ),
        (
            FileChange(
                "tests/test_f.py", TEST_BASE, TEST_BASE.replace("    assert f(2) == 3", "    f(2)")
            ),
            {"weakened-test"},
        ),
        (
            FileChange(
                "tests/test_f.py", TEST_BASE, "import pytest\n\n@pytest.mark.skip\n" + TEST_BASE
            ),
            {"skipped-test"},
        ),
        (
            FileChange(
                "web/a.test.ts",
                "it('x', () => { expect(1).toBe(1) })\n",
                "it.skip('x', () => { expect(1).toBe(1) })\n",
            ),
            {"skipped-test"},
        ),
        (FileChange(".git/config", "a", "b"), {"outside-sources"}),
        (FileChange(".github/workflows/ci.yml", "a", "b"), {"ci-config"}),
        (FileChange("poetry.lock", "a", "b"), {"lockfile"}),
        (
            FileChange(
                "app/settings.py",
                "X = 1\n",
                "X = 1\nAPI_KEY = 'sk-ant-api03-aaaaaaaaaaaaaaaaaaaaaaaa'\n",
            ),
            {"secret"},
        ),
        (FileChange("app/core.py", "x = 1\n", "x = 2\n"), set()),
        (
            FileChange(
                "tests/test_f.py",
                TEST_BASE,
                TEST_BASE + "\n\ndef test_c():\n    assert f(3) == 4\n",
            ),
            set(),
        ),
        (FileChange("tests/test_new.py", None, TEST_BASE), set()),
    ],
)
def test_rule_checks(change: FileChange, rules: set[str]) -> None:
    assert {f.rule for f in rule_checks([change])} == rules


def test_blocking_and_warning_severities() -> None:
    findings = rule_checks(
        [FileChange("yarn.lock", "a", "b"), FileChange("tests/test_x.py", TEST_BASE, None)]
    )
    assert {(f.rule, f.severity) for f in findings} == {
        ("lockfile", "warn"),
        ("deleted-test", "block"),
    }


def test_unified_diff_covers_create_modify_delete() -> None:
    diff = unified_diff(
        [
            FileChange("a.py", "x = 1\n", "x = 2\n"),
            FileChange("b.py", None, "new\n"),
            FileChange("c.py", "old\n", None),
        ]
    )
    assert "--- a/a.py\n+++ b/a.py" in diff and "-x = 1\n+x = 2" in diff
    assert "--- /dev/null\n+++ b/b.py" in diff
    assert "--- a/c.py\n+++ /dev/null" in diff


@pytest.mark.parametrize(
    ("text", "approved"),
    [
        ('{"approved": true, "notes": []}', True),
        ('Here you go:\n```json\n{"approved": false, "notes": ["deletes a test"]}\n```', False),
        ("looks fine to me", False),
        ('{"approved": "yes"}', False),
    ],
)
def test_parse_verdict(text: str, approved: bool) -> None:
    assert parse_verdict(text)["approved"] is approved
