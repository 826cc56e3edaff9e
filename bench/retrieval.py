"""Retrieval benchmark: does `delegate search` put the file an issue's fix changed first?

Runs the development set of ``shared/retrieval`` (41 SWE-bench Lite issues over the full
trees of nine projects at the commit before the fix, tests and docs included; its README
says how the trees are brought) through that folder's own scripts: whole-file BM25
(``bm25_baseline.py eval``, the SWE-bench paper's baseline) and ``delegate index .`` then
``delegate search --json --limit 50 -`` with the issue text on stdin (``run_tool.py``, the
tool contract), in the same run, and prints both side by side with a row per repository.
A script, never a test.

    .venv/bin/python bench/retrieval.py [--repos a/b,c/d] [--instance ID] [--in-place]
        [--scratch DIR] [--results BM25.json DELEGATE.json]

``--in-place`` indexes the cached trees themselves (their ``.delegate`` folders stay, so a
second run only re-searches, or rebuilds when the index schema changed); the default
works on fresh copies as a user's first index would.  ``--results`` only prints the table
of two earlier result files.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
METRICS = ("recall@1", "recall@5", "recall@10", "mrr")
HEADERS = ("R@1", "R@5", "R@10", "MRR")


def find_harness(given: str | None) -> Path:
    """``shared/retrieval`` beside the repository or one of its parents."""
    if given:
        return Path(given).resolve()
    for parent in REPO.parents:
        candidate = parent / "shared" / "retrieval"
        if (candidate / "run_tool.py").is_file():
            return candidate
    raise SystemExit("bench/retrieval.py: no shared/retrieval found; pass --harness DIR")


def run(argv: list[str], env: dict[str, str]) -> None:
    print("+ " + " ".join(argv), file=sys.stderr, flush=True)
    subprocess.run(argv, check=True, env=env)


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def summary_rows(results: dict[str, Any], time_key: str) -> dict[str, dict[str, float]]:
    """Per repository and overall: the four metrics and mean seconds per issue."""
    summary = results["summary"]
    rows: dict[str, dict[str, float]] = {}
    for name, s in [*summary["per_repo"].items(), ("OVERALL", summary["overall"])]:
        row = {m: float(s[m]) for m in METRICS}
        seconds = s.get(f"mean_{time_key}")
        row["s"] = float(seconds) if seconds is not None else float("nan")
        row["n"] = float(s["n"])
        row["errors"] = float(s.get("n_errors", 0))
        rows[name] = row
    return rows


def table(bm25: dict[str, Any], delegate: dict[str, Any]) -> str:
    left = summary_rows(bm25, "total_s")
    right = summary_rows(delegate, "total_s")
    head = ["repository", "n"]
    head += [f"BM25 {h}" for h in (*HEADERS, "s")] + [f"delegate {h}" for h in (*HEADERS, "s")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in [*(k for k in left if k != "OVERALL"), "OVERALL"]:
        a, b = left[name], right.get(name)
        cells = [f"**{name}**" if name == "OVERALL" else name, f"{int(a['n'])}"]
        cells += [f"{a[m]:.3f}" for m in METRICS] + [f"{a['s']:.1f}"]
        if b is None:
            cells += ["-"] * 5
        else:
            cells += [f"**{b[m]:.3f}**" if b[m] > a[m] else f"{b[m]:.3f}" for m in METRICS] + [
                f"{b['s']:.1f}"
            ]
        lines.append("| " + " | ".join(cells) + " |")
    errors = int(right["OVERALL"]["errors"])
    if errors:
        lines.append(f"\n{errors} delegate instance(s) failed (scored 0); see the results file")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--harness", help="the shared/retrieval folder (found by default)")
    ap.add_argument("--scratch", default=os.environ.get("REVAL_SCRATCH", "/tmp/reval"))
    ap.add_argument("--repos", help="only these repositories (owner/name,…)")
    ap.add_argument("--instance", action="append", default=[], help="only this instance id")
    ap.add_argument("--in-place", action="store_true", help="index the cached trees themselves")
    ap.add_argument("--limit", type=int, default=50, help="search --limit (default 50)")
    ap.add_argument("--results", nargs=2, metavar=("BM25", "DELEGATE"), type=Path)
    args = ap.parse_args()
    if args.results:
        print(table(load(args.results[0]), load(args.results[1])))
        return 0
    harness = find_harness(args.harness)
    scratch = Path(args.scratch).resolve()
    env = dict(os.environ, REVAL_SCRATCH=str(scratch), LANCEDB_LOG="error")
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO / "server"), env.get("PYTHONPATH", "")) if p
    )
    selection: list[str] = []
    if args.repos:
        selection += ["--repos", args.repos]
    for instance in args.instance:
        selection += ["--instance", instance]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    bm25_out = scratch / f"bm25-{stamp}.json"
    delegate_out = scratch / f"delegate-{stamp}.json"
    python = sys.executable
    run([python, str(harness / "instances.py"), "materialize", *selection], env)
    run(
        [python, str(harness / "bm25_baseline.py"), "eval", *selection, "--out", str(bm25_out)],
        env,
    )
    delegate = f"{python} -m delegate"
    run(
        [
            python,
            str(harness / "run_tool.py"),
            "--name",
            "delegate",
            "--index-cmd",
            f"{delegate} index .",
            "--search-cmd",
            f"{delegate} search --json --limit {args.limit} -",
            "--query-mode",
            "stdin",
            "--timeout",
            "900",
            "--out",
            str(delegate_out),
            *(["--in-place"] if args.in_place else []),
            *selection,
        ],
        env,
    )
    with open("/proc/loadavg", encoding="ascii") as f:
        load_avg = " ".join(f.read().split()[:3])
    print(f"\n## Retrieval on the development set ({time.strftime('%Y-%m-%d %H:%M')})\n")
    print(f"load average at the end {load_avg}; {os.cpu_count()} CPUs; s = index + search\n")
    print(table(load(bm25_out), load(delegate_out)))
    print(f"\nresults: {bm25_out} {delegate_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
