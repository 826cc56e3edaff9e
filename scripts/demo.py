"""`make demo`: index a real project, search it, print its repo map, and delegate a task.

The real project is this repository itself (its server code, tests and docs). The delegated
task runs on a copy of ``examples/invoices`` — a tiny library with a real rounding bug and a
failing test — only when ``ANTHROPIC_API_KEY`` is set; otherwise the demo says how to enable it.
Every step is the ordinary ``delegate`` command line, so what you see is what you get.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DELEGATE = [sys.executable, "-m", "delegate"]
QUERIES = [
    "three-way merge of an accepted hunk onto the current buffer",
    "which files are skipped because of .gitignore",
    "retry the Messages API when it is overloaded",
]
TASK = (
    "Money.percent truncates instead of rounding half up to the cent, so "
    "tests/test_money.py::test_percent_rounds_half_up fails. Fix the rounding."
)


def step(title: str) -> None:
    print(f"\n\033[1m== {title}\033[0m", flush=True)


def delegate(*args: str, cwd: Path = ROOT) -> int:
    print("$ delegate " + " ".join(a if " " not in a else repr(a) for a in args), flush=True)
    return subprocess.call([*DELEGATE, *args], cwd=cwd)


def main() -> int:
    os.environ.setdefault("LANCEDB_LOG", "error")
    step(f"Index this repository ({ROOT.name})")
    if delegate("index", str(ROOT)) != 0:
        return 1
    for query in QUERIES:
        step(f"Search: {query}")
        if delegate("search", query, "--limit", "5", "--folder", str(ROOT)) != 0:
            return 1
    step("Repo map (most important definitions, ranked by PageRank)")
    if delegate("map", "--tokens", "600", "--folder", str(ROOT)) != 0:
        return 1

    step("Delegate a task on examples/invoices")
    if not os.environ.get("ANTHROPIC_API_KEY"):
        print(
            "Skipped: set ANTHROPIC_API_KEY to let the agent fix the failing test in\n"
            "examples/invoices (it works on a copy; your files are never touched), e.g.\n"
            "    ANTHROPIC_API_KEY=sk-... make demo"
        )
        return 0
    with tempfile.TemporaryDirectory(prefix="delegate-demo-") as tmp:
        project = Path(tmp) / "invoices"
        shutil.copytree(
            ROOT / "examples" / "invoices",
            project,
            ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".delegate"),
        )
        code = delegate("run", TASK, "--folder", str(project), "--file", "invoices/money.py")
        print(f"\nThe proposal above was made in a sandbox; {project} was not modified.")
        return code


if __name__ == "__main__":
    sys.exit(main())
