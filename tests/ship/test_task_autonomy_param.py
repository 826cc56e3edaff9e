"""``delegate.task``'s ``autonomy``: one of the settings' levels, or a clear error."""

from __future__ import annotations

import pytest

from delegate.lsp.task_runs import parse_task_request
from delegate.settings import AUTONOMY_LEVELS


@pytest.mark.parametrize("level", AUTONOMY_LEVELS)
def test_every_level_is_taken(level: str) -> None:
    request = parse_task_request(({"uri": "file:///w/a.py", "text": "x", "autonomy": level},))
    assert request.autonomy == level


def test_absent_means_the_folders_setting() -> None:
    assert parse_task_request(({"uri": "file:///w/a.py", "text": "x"},)).autonomy is None


@pytest.mark.parametrize("bad", ["yolo", 3, ""])
def test_anything_else_is_refused_with_the_levels_named(bad: object) -> None:
    with pytest.raises(ValueError, match="`autonomy` must be one of propose, apply-when-green"):
        parse_task_request(({"uri": "file:///w/a.py", "text": "x", "autonomy": bad},))
