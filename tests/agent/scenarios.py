"""Shared pieces of the agent scenarios: fixture projects, their test command, the fake key."""

from __future__ import annotations

import itertools
import shutil
import sys
from pathlib import Path

KEY = "sk-ant-api03-DISTINCTIVE-SCENARIO-KEY-7f3a9c"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "repos"
# the fixture projects need none of this venv's pytest plugins; not loading them saves ~1 s a run
TEST_COMMAND = [
    sys.executable,
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    *itertools.chain.from_iterable(
        ("-p", f"no:{name}")
        for name in ("asyncio", "pytest-lsp", "hypothesispytest", "timeout", "anyio")
    ),
]


def project(tmp_path: Path, name: str) -> Path:
    """A fresh copy of the fixture project ``name`` under ``tmp_path``."""
    folder = tmp_path / name
    shutil.copytree(FIXTURES / name, folder)
    return folder
