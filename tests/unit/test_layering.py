"""Invariant 1 (ARCHITECTURE.md): only ``delegate.lsp`` imports pygls or lsprotocol.

Also: ``index`` and ``proposals`` know nothing of the agent, and nothing outside ``lsp``
imports ``delegate.lsp`` except ``delegate serve``, whose whole job is to start it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "server" / "delegate"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def sources(subpackage: str = "") -> list[Path]:
    root = PACKAGE / subpackage if subpackage else PACKAGE
    return sorted(root.rglob("*.py"))


def _outside_lsp(path: Path) -> bool:
    return "lsp" not in path.relative_to(PACKAGE).parts[:1]


@pytest.mark.parametrize(
    "path", [p for p in sources() if _outside_lsp(p)], ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_only_lsp_package_speaks_lsp(path: Path) -> None:
    for module in imported_modules(path):
        top = module.split(".")[0]
        assert top not in {"pygls", "lsprotocol"}, f"{path} imports {module}"
        if path.relative_to(PACKAGE).as_posix() != "commands/serve.py":
            assert not module.startswith("delegate.lsp"), f"{path} imports {module}"


@pytest.mark.parametrize(
    ("subpackage", "forbidden"),
    [
        ("index", ("delegate.agent", "delegate.proposals")),
        ("proposals", ("delegate.agent", "delegate.index", "anthropic")),
    ],
)
def test_lower_layers_do_not_reach_up(subpackage: str, forbidden: tuple[str, ...]) -> None:
    for path in sources(subpackage):
        for module in imported_modules(path):
            assert not module.startswith(forbidden), f"{path} imports {module}"


def test_the_check_sees_the_code() -> None:
    # guard against the glob silently matching nothing
    assert len(sources()) >= 5
