"""Test generation's pure parts: conventions, failure triage, dropping tests, mutants."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from delegate.agent.task import TestReport as Report
from delegate.agent.testgen import (
    classify_failures,
    count_tests,
    drop_test_functions,
    learn_conventions,
    mutants,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "repos"


def test_conventions_from_the_fixture_project() -> None:
    conventions = learn_conventions(FIXTURES / "textutil")
    assert (conventions.framework, conventions.folder, conventions.prefix_style) == (
        "pytest",
        "tests",
        True,
    )
    assert conventions.test_path("textutil.py", set()) == "tests/test_textutil_generated.py"
    taken = {"tests/test_textutil_generated.py"}
    assert conventions.test_path("textutil.py", taken) == "tests/test_textutil_generated2.py"


def test_conventions_for_suffix_style_unittest(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    for name in ("a_test.py", "b_test.py"):
        (tmp_path / "pkg" / name).write_text("import unittest\nclass T(unittest.TestCase): pass\n")
    conventions = learn_conventions(tmp_path)
    assert (conventions.framework, conventions.folder, conventions.prefix_style) == (
        "unittest",
        "pkg",
        False,
    )


def test_failures_are_triaged_into_bugs_and_broken_tests() -> None:
    report = Report(
        ["pytest"],
        False,
        1,
        "2 failed",
        failures=[
            "tests/test_t.py::test_wrong_value - assert 'a-b' == 'a_b'",
            "tests/test_t.py::test_typo - NameError: name 'slugfy' is not defined",
            "tests/test_t.py::test_param[3] - AssertionError",
        ],
    )
    triaged = {(f.name, f.suspected_bug) for f in classify_failures(report)}
    assert triaged == {("test_wrong_value", True), ("test_typo", False), ("test_param", True)}


def test_drop_test_functions_keeps_the_rest_verbatim() -> None:
    source = (
        "import pytest\n\n\ndef test_keep():\n    assert 1  # note\n\n\n"
        "@pytest.mark.parametrize('x', [1])\ndef test_drop(x):\n    assert x\n\n\n"
        "class TestGroup:\n    def test_method_drop(self):\n        assert 0\n\n    def test_method_keep(self):\n        assert 1\n"
    )
    kept = drop_test_functions(source, {"test_drop", "test_method_drop"})
    assert "# note" in kept and "parametrize" not in kept
    assert count_tests(kept) == 2
    ast.parse(kept)


def test_mutants_flip_comparisons_change_constants_and_return_early() -> None:
    source = (FIXTURES / "textutil" / "textutil.py").read_text()
    cases = mutants(source, "truncate")
    descriptions = " | ".join(d for d, _ in cases)
    assert "flip Lt → GtE" in descriptions and "flip LtE → Gt" in descriptions
    assert "constant 1 → 2" in descriptions and "return early" in descriptions
    for _, mutated in cases:
        assert mutated != ast.unparse(ast.parse(source))
        assert "def slugify" in mutated  # the rest of the module stays


@pytest.mark.parametrize("symbol", ["missing", "Cls.nope"])
def test_no_mutants_for_an_unknown_symbol(symbol: str) -> None:
    assert mutants("def f():\n    return 1 < 2\n", symbol) == []
