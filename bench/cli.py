"""CLI benchmark on a small project: `delegate index` and `delegate search` as whole processes.

Most users' projects are a few hundred files, where fixed costs (interpreter start,
imports, opening the tables, building indexes) dominate.  Corpus: the running
interpreter's standard library without its tests and site-packages (≈ 700 files, copied
into ``bench/.cache/corpus/stdlib-notests``), or ``--folder DIR``.  Reports, wall clock:

- raw tree-sitter parse of the same files (``bench/index.py --raw-parse-only``: the parse
  loop alone, one process), against ``python -m delegate index DIR`` from scratch;
- ``python -m delegate search`` on the indexed folder (a short query and an issue-sized
  one), and ``import`` of the index modules alone.

Median of ``--runs`` runs each, with the load average before and after (the numbers mean
little on a busy machine).  A script, never a test.

    .venv/bin/python bench/cli.py [--folder DIR] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "bench" / ".cache" / "corpus"
LONG_QUERY = (
    "TextWrapper.wrap drops the last word when break_on_hyphens is false and the width "
    "is exactly the length of a hyphenated word.\n\nTraceback (most recent call last):\n"
    '  File "/usr/lib/python3/textwrap.py", line 356, in wrap\n'
    "    return self._wrap_chunks(chunks)\nIndexError: list index out of range\n" * 3
)


def stdlib_without_tests() -> Path:
    target = CACHE / "stdlib-notests"
    if not target.exists():
        source = Path(sysconfig.get_paths()["stdlib"])
        partial = target.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(
            source,
            partial,
            ignore=shutil.ignore_patterns(
                "site-packages", "__pycache__", "*.pyc", "test", "tests", "idle_test"
            ),
            symlinks=True,
        )
        partial.rename(target)
    return target


def load() -> str:
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def wall(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folder", type=Path, help="project to measure (default: stdlib, no tests)")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    folder = (args.folder or stdlib_without_tests()).resolve()
    env = dict(os.environ, LANCEDB_LOG="error")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO / "server"), env.get("PYTHONPATH", "")) if p
    )
    python = sys.executable
    print(f"folder {folder}; load average before {load()}; {os.cpu_count()} CPUs", flush=True)
    raw = subprocess.run(
        [python, str(REPO / "bench" / "index.py"), "--raw-parse-only", str(folder)],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout.split()
    raw_parse, files = float(raw[0]), int(raw[1])
    index_runs = []
    for _ in range(args.runs):
        shutil.rmtree(folder / ".delegate", ignore_errors=True)
        index_runs.append(wall([python, "-m", "delegate", "index", str(folder)], env))
    searches: dict[str, list[float]] = {"short query": [], "issue-sized query": []}
    imports = []
    for _ in range(args.runs):
        for name, query in (("short query", "wrap text to a width"), ("issue-sized query", "-")):
            argv = [python, "-m", "delegate", "search", "--json", "--folder", str(folder), query]
            started = time.perf_counter()
            subprocess.run(
                argv,
                check=True,
                env=env,
                input=LONG_QUERY if query == "-" else None,
                text=True,
                stdout=subprocess.DEVNULL,
            )
            searches[name].append(time.perf_counter() - started)
        imports.append(wall([python, "-c", "import delegate.index.workspace"], env))
    median = statistics.median
    print(f"\n| {files} files | median of {args.runs} (s) | min (s) |")
    print("|---|---|---|")
    print(f"| raw tree-sitter parse (loop only) | {raw_parse:.2f} | |")
    print(f"| `delegate index` from scratch | {median(index_runs):.2f} | {min(index_runs):.2f} |")
    ratio = median(index_runs) / raw_parse if raw_parse else float("nan")
    print(f"| index / raw parse | {ratio:.1f}× | |")
    for name, samples in searches.items():
        print(f"| `delegate search`, {name} | {median(samples):.2f} | {min(samples):.2f} |")
    print(f"| `import delegate.index.workspace` | {median(imports):.2f} | {min(imports):.2f} |")
    print(f"\nload average after {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
