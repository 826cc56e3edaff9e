"""Invariant 1 (ARCHITECTURE.md): only ``delegate.lsp`` imports pygls or lsprotocol.

Also: ``index`` and ``proposals`` know nothing of the agent, nothing outside ``lsp``
imports ``delegate.lsp`` except ``delegate serve``, whose whole job is to start it, and no
module of ``server/delegate/`` reaches itself through imports — every import counts, at
the top, inside a function or under ``TYPE_CHECKING``, and so does ``lsp/server.py``
loading the modules named in its ``FEATURE_MODULES``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
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


def module_name(path: Path, root: Path = PACKAGE.parent) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_imports(path: Path, known: Iterable[str], root: Path = PACKAGE.parent) -> set[str]:
    """The modules of ``known`` that ``path`` imports, relative imports resolved; ``from
    package import name`` counts as importing ``package.name`` when that is a module."""
    modules = set(known)
    own = module_name(path, root).split(".")
    package = own if path.name == "__init__.py" else own[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            for alias in node.names:
                if f"{target}.{alias.name}" in modules:
                    found.add(f"{target}.{alias.name}")
                elif target in modules:
                    found.add(target)
    return {m for name in found for m in with_packages(name, own, modules)}


def with_packages(name: str, importer: list[str], modules: set[str]) -> set[str]:
    """``name`` and the packages Python runs first to import it (their ``__init__``), but not
    the importer itself nor the packages it sits in: those are being imported already."""
    parts = name.split(".")
    chain = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
    inside = {".".join(importer[:i]) for i in range(1, len(importer) + 1)}
    return {m for m in chain if m in modules and m not in inside}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in sources()}
    graph = {name: module_imports(path, paths) for name, path in paths.items()}
    from delegate.lsp import server  # its features are imported by name

    graph["delegate.lsp.server"] |= set(server.FEATURE_MODULES) & set(paths)
    return graph


def import_circles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or through others
    (the strongly connected components of more than one module; Tarjan's algorithm,
    iterative)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    for root in sorted(graph):
        if root in order:
            continue
        work = [(root, iter(sorted(graph[root])))]
        order[root] = low[root] = len(order)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in order:
                    order[child] = low[child] = len(order)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], order[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == order[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    circles.append(sorted(group))
    return circles


def test_no_import_circles() -> None:
    circles = import_circles(import_graph())
    assert not circles, "modules that import each other: " + "; ".join(
        " <-> ".join(c) for c in circles
    )


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [["a", "b"], ["c", "d"]]),
    ],
)
def test_circle_finder(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert sorted(import_circles(graph)) == expected


def test_import_graph_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "delegate" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import one\n")
    source = pkg / "two.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from delegate.pkg.one import X\n"
        "def f():\n    from .three import Y\n"
    )
    (tmp_path / "delegate" / "user.py").write_text("from delegate.pkg.one import X\n")
    known = {
        "delegate",
        "delegate.pkg",
        "delegate.pkg.one",
        "delegate.pkg.two",
        "delegate.pkg.three",
        "delegate.user",
    }
    assert module_imports(source, known, tmp_path) == {"delegate.pkg.one", "delegate.pkg.three"}
    assert module_imports(pkg / "__init__.py", known, tmp_path) == {"delegate.pkg.one"}
    # importing a module of a package runs the package's __init__ first
    user = tmp_path / "delegate" / "user.py"
    assert module_imports(user, known, tmp_path) == {"delegate.pkg", "delegate.pkg.one"}


def test_the_check_sees_the_code() -> None:
    # guard against the glob silently matching nothing
    assert len(sources()) >= 5
