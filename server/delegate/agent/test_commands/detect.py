"""Detect the test command per ecosystem and per subproject.

The project a task concerns is the nearest folder above the focus file that holds a
project file (``pyproject.toml``, ``package.json``, ``go.mod``, ``Cargo.toml``, ``pom.xml``,
``build.gradle``, ``Gemfile``, ``*.csproj``/``*.sln``, a Makefile with a ``test`` target);
without a focus, the workspace root. Its command runs in that folder. Python runs in the
project's own virtual environment when it has one, else the ``python3`` on the path —
never the server's own interpreter, whose packages are not the project's. Everything here
reads files only; nothing is run. Maven and Gradle run offline: a test run has no network,
so their dependencies come from the local repository the developer's builds filled.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_NPM_PLACEHOLDER = "no test specified"
_MAKE_TEST_TARGET = re.compile(r"^test\s*:", re.MULTILINE)
_PYTEST_MENTION = re.compile(r"\bpytest\b")
_PY_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "pytest.ini", "tox.ini", "conftest.py")
_VENVS = (".venv", "venv", "env", ".env")


@dataclass(frozen=True)
class Detected:
    """A test command, the folder it runs in (relative to the root) and its runner."""

    command: list[str]
    folder: str  # POSIX path relative to the workspace root; "." for the root
    runner: str  # pytest, unittest, jest, vitest, mocha, npm, go, cargo, maven, gradle, …


def detect_command(root: Path, focus: str | None = None) -> Detected | None:
    """The command for the project nearest to ``focus`` (or the root's)."""
    for folder in _folders_up(focus):
        found = detect_in(root / folder, folder)
        if found is not None:
            return found
    return None


def detect_in(project: Path, folder: str = ".") -> Detected | None:
    """The command of the project at ``project``, judged by its files; None when unknown."""
    for detector in _DETECTORS:
        found = detector(project)
        if found is not None:
            command, runner = found
            return Detected(command, folder, runner)
    return None


def _folders_up(focus: str | None) -> list[str]:
    folders: list[str] = []
    if focus:
        folder = PurePosixPath(focus).parent
        while str(folder) not in ("", "."):
            folders.append(str(folder))
            folder = folder.parent
    folders.append(".")
    return folders


# --- one detector per ecosystem: (command, runner) or None ------------------------------

Found = tuple[list[str], str] | None


def _python(project: Path) -> Found:
    has_marker = any((project / name).is_file() for name in _PY_MARKERS)
    has_tests = any(
        (project / name).is_dir() and any((project / name).rglob("*.py"))
        for name in ("tests", "test")
    )
    if not has_marker and not has_tests:
        return None
    python = python_for(project)
    if _uses_pytest(project):
        return [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], "pytest"
    return [python, "-m", "unittest", "discover", "-v"], "unittest"


def python_for(project: Path) -> str:
    """The project's own interpreter, else ``python3`` from the path."""
    for venv in _VENVS:
        candidate = project / venv / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return shutil.which("python3") or "python3"


def _uses_pytest(project: Path) -> bool:
    if (project / "pytest.ini").is_file() or (project / "conftest.py").is_file():
        return True
    for name in (
        "pyproject.toml",
        "setup.cfg",
        "tox.ini",
        "requirements-dev.txt",
        "requirements.txt",
        "requirements-test.txt",
        "setup.py",
    ):
        if _PYTEST_MENTION.search(_read(project / name)):
            return True
    tests = [
        p for d in ("tests", "test") if (project / d).is_dir() for p in (project / d).rglob("*.py")
    ]
    uses_unittest = any("unittest" in _read(p) for p in tests[:50])
    return not uses_unittest  # plain assert-style tests are pytest's


def _node(project: Path) -> Found:
    package = project / "package.json"
    if not package.is_file():
        return None
    try:
        data = json.loads(_read(package))
    except ValueError:
        return None
    scripts = data.get("scripts") if isinstance(data, dict) else None
    test = scripts.get("test") if isinstance(scripts, dict) else None
    if not isinstance(test, str) or not test.strip() or _NPM_PLACEHOLDER in test:
        return None
    manager = "npm"
    if (project / "pnpm-lock.yaml").is_file():
        manager = "pnpm"
    elif (project / "yarn.lock").is_file():
        manager = "yarn"
    runner = next((name for name in ("vitest", "jest", "mocha") if name in test), "npm")
    if "node --test" in test:
        runner = "node"
    return [manager, "test"], runner


def _go(project: Path) -> Found:
    return (["go", "test", "./..."], "go") if (project / "go.mod").is_file() else None


def _cargo(project: Path) -> Found:
    return (["cargo", "test"], "cargo") if (project / "Cargo.toml").is_file() else None


def _maven(project: Path) -> Found:
    if not (project / "pom.xml").is_file():
        return None
    mvn = "./mvnw" if (project / "mvnw").is_file() else "mvn"
    # offline: test runs get no network, so dependencies come from the local repository
    return [mvn, "-o", "-B", "-q", "test"], "maven"


def _gradle(project: Path) -> Found:
    if not any((project / n).is_file() for n in ("build.gradle", "build.gradle.kts")):
        return None
    gradle = "./gradlew" if (project / "gradlew").is_file() else "gradle"
    return [gradle, "test", "--offline", "--console=plain"], "gradle"


def _ruby(project: Path) -> Found:
    if not (project / "Gemfile").is_file():
        return None
    if (project / "spec").is_dir() or (project / ".rspec").is_file():
        return ["bundle", "exec", "rspec"], "rspec"
    if (project / "test").is_dir():
        return ["bundle", "exec", "rake", "test"], "minitest"
    return None


def _dotnet(project: Path) -> Found:
    try:
        names = [p.name for p in project.iterdir()]
    except OSError:
        return None
    if any(n.endswith((".sln", ".csproj", ".fsproj")) for n in names):
        return ["dotnet", "test"], "dotnet"
    return None


def _make(project: Path) -> Found:
    for name in ("GNUmakefile", "makefile", "Makefile"):
        if _MAKE_TEST_TARGET.search(_read(project / name)):
            return ["make", "test"], "make"
    return None


# the order settles mixed projects: a Node project with a pyproject.toml for its tooling is
# tested by its own test script, not by pytest
_DETECTORS: tuple[Callable[[Path], Found], ...] = (
    _node,
    _cargo,
    _go,
    _maven,
    _gradle,
    _dotnet,
    _ruby,
    _python,
    _make,
)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    except OSError:
        return ""
