"""Where and how to write generated tests for a file that is not Python.

Tests belong in the target's own language and framework, where the project keeps them:
TypeScript/JavaScript next to the file as ``<name>.test.ts`` (or in ``__tests__/`` when the
project does that) with the runner its ``package.json`` uses; Go as ``<name>_test.go`` in the
same package; Rust as an integration test under ``tests/``; Java under ``src/test/java``
mirroring the package, with JUnit; Ruby under ``spec/`` (RSpec) or ``test/`` (minitest).
Counting tests is by pattern here (Python's own path uses :mod:`ast`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from delegate.agent.test_commands import detect_command

_JS = {".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts"}
_TEST_PATTERNS = {
    "js": re.compile(r"^\s*(?:it|test)(?:\.\w+)?\s*\(", re.M),
    "go": re.compile(r"^func Test\w*\(t \*testing\.T\)", re.M),
    "rust": re.compile(r"#\[test\]"),
    "java": re.compile(r"@Test\b"),
    "ruby": re.compile(r"^\s*(?:it\s+['\"]|def test_)", re.M),
}


@dataclass(frozen=True)
class OtherConventions:
    """How to write tests for one non-Python target."""

    family: str  # js, go, rust, java, ruby
    framework: str  # e.g. "vitest", "Go's testing package"
    test_path: str

    def describe(self) -> str:
        return (
            f"- language: the target's own ({self.family}); framework: {self.framework}\n"
            f"- file: {self.test_path}, following the project's existing tests"
        )

    def count_tests(self, source: str) -> int:
        return len(_TEST_PATTERNS[self.family].findall(source))


def conventions_for(root: Path, target: str) -> OtherConventions | None:
    """Conventions for ``target`` (relative path); None for Python and unknown languages."""
    path = PurePosixPath(target)
    suffix, stem, folder = path.suffix.lower(), path.name.split(".", 1)[0], path.parent
    if suffix in _JS:
        found = detect_command(root, target)
        runner = found.runner if found and found.runner in ("jest", "vitest", "mocha") else "jest"
        if runner == "node":
            runner = "node:test"
        in_tests_dir = (
            any((root / folder).glob("__tests__/*")) if (root / folder).is_dir() else False
        )
        where = folder / "__tests__" if in_tests_dir else folder
        return OtherConventions(
            "js", runner, _free(root, str(where / f"{stem}.generated.test{suffix}"))
        )
    if suffix == ".go":
        return OtherConventions(
            "go",
            "Go's testing package (same package)",
            _free(root, str(folder / f"{stem}_generated_test.go")),
        )
    if suffix == ".rs":
        crate = _nearest(root, folder, "Cargo.toml")
        return OtherConventions(
            "rust",
            "cargo test, an integration test using the crate's public API",
            _free(root, str(crate / "tests" / f"{stem}_generated.rs")),
        )
    if suffix == ".java":
        parts = list(folder.parts)
        if "main" in parts:
            parts[parts.index("main")] = "test"
        name = path.stem + "GeneratedTest.java"
        return OtherConventions(
            "java",
            "JUnit 5 (org.junit.jupiter.api)",
            _free(root, str(PurePosixPath(*parts) / name)),
        )
    if suffix == ".rb":
        project = _nearest(root, folder, "Gemfile")
        if (root / project / "spec").is_dir():
            test = project / "spec" / f"{stem}_generated_spec.rb"
            return OtherConventions("ruby", "RSpec", _free(root, str(test)))
        return OtherConventions(
            "ruby", "minitest", _free(root, str(project / "test" / f"{stem}_generated_test.rb"))
        )
    return None


def _nearest(root: Path, folder: PurePosixPath, marker: str) -> PurePosixPath:
    current = folder
    while str(current) not in ("", "."):
        if (root / current / marker).is_file():
            return current
        current = current.parent
    return PurePosixPath(".")


def _free(root: Path, path: str) -> str:
    """``path`` (normalised), or a numbered variant when it is taken."""
    candidate = str(PurePosixPath(path))
    n = 2
    while (root / candidate).exists():
        candidate = str(PurePosixPath(path)).replace("generated", f"generated{n}", 1)
        n += 1
    return candidate
