"""Condensing test output: failing ids, assertion messages, locations and a summary."""

from __future__ import annotations

import pytest

from delegate.agent.failures import (
    MAX_FAILURES,
    condense_generic,
    condense_output,
    condense_pytest,
    pytest_progress,
)

QUIET_LOG = """\
.F.FF                                                                    [100%]
=================================== FAILURES ===================================
___________________________________ test_bad ___________________________________

    def test_bad():
        x = {"a": 1}
>       assert x["a"] == 2, "value mismatch"
E       AssertionError: value mismatch
E       assert 1 == 2

tests/test_a.py:5: AssertionError
________________________________ test_param[2] _________________________________

n = 2

>       assert n == 1
E       assert 2 == 1

tests/test_a.py:8: AssertionError
__________________________________ test_raise __________________________________

>       raise ValueError("boom")
E       ValueError: boom

tests/test_a.py:10: ValueError
=========================== short test summary info ============================
FAILED tests/test_a.py::test_bad - AssertionError: value mismatch
FAILED tests/test_a.py::test_param[2] - assert 2 == 1
FAILED tests/test_a.py::test_raise - ValueError: boom
3 failed, 2 passed in 1.32s
"""

VERBOSE_LOG = """\
collected 2 items

tests/test_c.py FE                                                       [100%]

==================================== ERRORS ====================================
_________________________ ERROR at setup of test_uses __________________________

>   def bad(): raise RuntimeError("fixture broke")
E   RuntimeError: fixture broke

tests/test_c.py:6: RuntimeError
=================================== FAILURES ===================================
_________________________________ TestK.test_m _________________________________

>       assert "abc" == "abd"
E       AssertionError: assert 'abc' == 'abd'
E
E         - abd
E         + abc

tests/test_c.py:4: AssertionError
=========================== short test summary info ============================
FAILED tests/test_c.py::TestK::test_m - AssertionError: assert 'abc' == 'abd'
ERROR tests/test_c.py::test_uses - RuntimeError: fixture broke
========================== 1 failed, 1 error in 0.66s ==========================
"""

COLLECTION_ERROR_LOG = """\
==================================== ERRORS ====================================
_______________________ ERROR collecting tests/test_b.py _______________________
ImportError while importing test module '/tmp/d2p/tests/test_b.py'.
tests/test_b.py:1: in <module>
    import nonexistent_mod
E   ModuleNotFoundError: No module named 'nonexistent_mod'
=========================== short test summary info ============================
ERROR tests/test_b.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!
1 error in 1.10s
"""


def test_quiet_log_gives_ids_messages_and_locations() -> None:
    result = condense_pytest(QUIET_LOG)
    assert result is not None
    assert result.summary == "3 failed, 2 passed"
    assert result.failures == [
        "tests/test_a.py::test_bad - AssertionError: value mismatch\n"
        "  E       AssertionError: value mismatch\n"
        "  E       assert 1 == 2\n"
        "  at tests/test_a.py:5",
        "tests/test_a.py::test_param[2] - assert 2 == 1\n  E       assert 2 == 1\n  at tests/test_a.py:8",
        "tests/test_a.py::test_raise - ValueError: boom\n  E       ValueError: boom\n  at tests/test_a.py:10",
    ]
    assert (result.tests_done, result.tests_total) == (5, 5)


def test_class_methods_and_setup_errors_find_their_sections() -> None:
    result = condense_pytest(VERBOSE_LOG)
    assert result is not None
    assert result.summary == "1 failed, 1 error"
    first, second = result.failures
    assert first.startswith("tests/test_c.py::TestK::test_m - AssertionError")
    assert "+ abc" in first and "at tests/test_c.py:4" in first
    assert second.startswith("ERROR tests/test_c.py::test_uses - RuntimeError: fixture broke")
    assert "at tests/test_c.py:6" in second


def test_collection_error() -> None:
    result = condense_pytest(COLLECTION_ERROR_LOG)
    assert result is not None
    assert result.summary == "1 error"
    assert result.failures == [
        "ERROR tests/test_b.py\n  E   ModuleNotFoundError: No module named 'nonexistent_mod'"
    ]


def test_non_pytest_output_is_not_claimed() -> None:
    assert condense_pytest("npm ERR! Test failed.\nexit 1\n") is None


def test_generic_fallback_keeps_the_last_lines() -> None:
    output = "\n".join(f"line {i}" for i in range(100))
    result = condense_output(output, exit_code=2)
    assert result.summary == "failed (exit code 2)"
    assert result.failures[0].splitlines()[0] == "line 70"
    assert result.failures[0].splitlines()[-1] == "line 99"
    assert condense_generic("ok", exit_code=0).failures == []
    assert condense_generic("…", exit_code=None, timed_out=True).summary == "timed out"


def test_timed_out_pytest_reports_progress_so_far() -> None:
    result = condense_output("...F  [ 40%]\n", exit_code=None, timed_out=True)
    assert result.summary.startswith("timed out")
    assert (result.tests_done, result.tests_total) == (4, 10)


def test_many_failures_are_capped() -> None:
    log = "\n".join(f"FAILED t.py::test_{i} - boom" for i in range(MAX_FAILURES + 5))
    result = condense_pytest(log + "\n25 failed in 1s\n")
    assert result is not None
    assert len(result.failures) == MAX_FAILURES + 1
    assert result.failures[-1] == "[… 5 more failures]"


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        ("..  [ 50%]\n..  [100%]\n", (4, 4)),
        ("tests/a.py ..F   [ 30%]\n", (3, 10)),
        ("nothing here\n", (0, None)),
    ],
)
def test_progress(log: str, expected: tuple[int, int | None]) -> None:
    assert pytest_progress(log) == expected
