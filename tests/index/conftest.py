"""Fixtures shared by the index tests: a small project and its open, up-to-date index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.index.helpers import write_project

from delegate.index.workspace import WorkspaceIndex
from delegate.settings import IndexSettings


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_project(tmp_path / "shop")


@pytest.fixture
def index(folder: Path) -> Iterator[WorkspaceIndex]:
    ws = WorkspaceIndex.open(folder, IndexSettings())
    ws.update()
    yield ws
    ws.close()
