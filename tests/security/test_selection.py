"""pytest's ``@file`` syntax (arguments read from a file) is refused as a test selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from delegate.agent.testrunner import SelectionError, selection_args
from tests.agent.scenarios import TEST_COMMAND


@pytest.mark.parametrize("item", ["@args", "@tests/args.txt", "@/etc/passwd"])
def test_at_file_selection_is_refused(tmp_path: Path, item: str) -> None:
    (tmp_path / "tests").mkdir()
    # the model can create a file named "@args" with the edit tool, so the path exists
    (tmp_path / "@args").write_text("--junitxml=/tmp/outside.xml\n")
    (tmp_path / "tests" / "args.txt").write_text("-p no:cacheprovider\n")
    with pytest.raises(SelectionError, match="options are not allowed"):
        selection_args(tmp_path, TEST_COMMAND, [item])


def test_a_plain_test_path_still_works(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text("")
    assert selection_args(tmp_path, TEST_COMMAND, ["tests/test_a.py"])[-1] == "tests/test_a.py"
