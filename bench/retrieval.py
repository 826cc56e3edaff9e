"""Retrieval benchmark: does delegate search find the file an issue's fix touched?

For each SWE-bench Lite instance in the development set (``../shared/data/retrieval-dev``
relative to the repo, or ``--data``), the released wheel of the project is downloaded
with the instance's own ``pip download`` flags into ``bench/.cache/retrieval`` and
unpacked; the folder is indexed and searched with the issue text.  Files are ranked by
their best chunk among the first ``--limit`` hits, and file-level recall@1/5/10 is
compared with BM25 over whole files (k1=1.2, b=0.75), computed here with the same
tokenizer and the same processed query.  A script, never a test.

    .venv/bin/python bench/retrieval.py [--data DIR] [--limit 100] [--modes hybrid,fts,vector]
        [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("LANCEDB_LOG", "error")

from delegate.index.files import read_source, walk_folder
from delegate.index.search import query_text
from delegate.index.tokens import code_tokens
from delegate.index.workspace import WorkspaceIndex
from delegate.settings import IndexSettings

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "bench" / ".cache" / "retrieval"
KS = (1, 5, 10)


def corpus_for(instance: dict[str, Any]) -> Path:
    """Download and unpack the instance's wheel once per (package, version, flags)."""
    key = f"{instance['package']}-{instance['version']}"
    if "--python-version" in instance["pip_download_flags"]:
        key += (
            "-"
            + instance["pip_download_flags"][
                instance["pip_download_flags"].index("--python-version") + 1
            ]
        )
    folder = CACHE / "corpus" / key
    if folder.exists():
        return folder
    downloads = CACHE / "downloads" / key
    downloads.mkdir(parents=True, exist_ok=True)
    if not list(downloads.glob("*.whl")):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                *instance["pip_download_flags"],
                "-d",
                str(downloads),
                f"{instance['package']}=={instance['version']}",
            ],
            check=True,
        )
    wheel = sorted(downloads.glob("*.whl"))[0]
    partial = folder.with_suffix(".partial")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(partial)
    partial.rename(folder)
    return folder


class BM25:
    """Okapi BM25 over whole files, with delegate's code tokenizer."""

    def __init__(self, docs: dict[str, list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.tf = {path: Counter(tokens) for path, tokens in docs.items()}
        self.length = {path: len(tokens) for path, tokens in docs.items()}
        self.avg = sum(self.length.values()) / max(len(docs), 1)
        df: Counter[str] = Counter()
        for counts in self.tf.values():
            df.update(counts.keys())
        n = len(docs)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def rank(self, terms: list[str]) -> list[str]:
        scores: dict[str, float] = {}
        for path, counts in self.tf.items():
            norm = self.k1 * (1 - self.b + self.b * self.length[path] / self.avg)
            score = 0.0
            for term in terms:
                f = counts.get(term)
                if f:
                    score += self.idf[term] * f * (self.k1 + 1) / (f + norm)
            if score > 0:
                scores[path] = score
        return sorted(scores, key=lambda p: (-scores[p], p))


def bm25_for(folder: Path) -> BM25:
    docs: dict[str, list[str]] = {}
    for entry in walk_folder(folder, IndexSettings()).files:
        text, _ = read_source(folder, entry.path, 1 << 20)
        if text is not None:
            docs[entry.path] = list(code_tokens(f"{entry.path}\n{text}"))
    return BM25(docs)


def files_by_best_chunk(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(paths))


def rank_of(ranking: list[str], gold: list[str]) -> int | None:
    """1-based rank of the first gold file, None when absent."""
    for i, path in enumerate(ranking, 1):
        if path in gold:
            return i
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "retrieval-dev")
    ap.add_argument("--limit", type=int, default=100)
    ap.add_argument("--modes", default="hybrid,fts,vector")
    ap.add_argument("--verbose", action="store_true", help="print per-instance ranks")
    ap.add_argument(
        "--rebuild",
        action="store_true",
        help="re-index every corpus from scratch (after changing how chunks are indexed)",
    )
    args = ap.parse_args()
    instances = json.loads((args.data / "instances.json").read_text(encoding="utf-8"))
    modes = [m for m in args.modes.split(",") if m]
    methods = [*modes, "bm25"]
    ranks: dict[str, list[int | None]] = {m: [] for m in methods}
    bm25_cache: dict[Path, BM25] = {}
    rebuilt: set[Path] = set()
    for instance in instances:
        folder = corpus_for(instance)
        gold = instance["gold_files"]
        query = instance["problem_statement"]
        with WorkspaceIndex.open(folder, IndexSettings()) as index:
            index.update(rebuild=args.rebuild and folder not in rebuilt)
            rebuilt.add(folder)
            row = [instance["instance_id"]]
            for mode in modes:
                hits = index.search(query, limit=args.limit, mode=mode)
                r = rank_of(files_by_best_chunk([h.path for h in hits]), gold)
                ranks[mode].append(r)
                row.append(f"{mode}={r}")
        if folder not in bm25_cache:
            bm25_cache[folder] = bm25_for(folder)
        r = rank_of(bm25_cache[folder].rank(query_text(query).split()), gold)
        ranks["bm25"].append(r)
        row.append(f"bm25={r}")
        if args.verbose:
            print("  ".join(str(x) for x in row), file=sys.stderr)

    n = len(instances)
    print(f"## Retrieval: file-level recall on {n} SWE-bench Lite dev instances\n")
    print(f"search limit {args.limit}; files ranked by their best chunk\n")
    print("| method | " + " | ".join(f"recall@{k}" for k in KS) + " | mean rank (found) |")
    print("|---|" + "---|" * (len(KS) + 1))
    for method in methods:
        found = [r for r in ranks[method] if r is not None]
        cells = [f"{sum(1 for r in found if r <= k) / n:.2f}" for k in KS]
        mean = sum(found) / len(found) if found else float("nan")
        print(f"| {method} | " + " | ".join(cells) + f" | {mean:.1f} ({len(found)}/{n}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
