"""Index benchmark: full index, one-file updates and search latency on real code.

Corpora: the running interpreter's stdlib (copied without site-packages into
``bench/.cache/stdlib``) and the Django 5.2 sdist (``pip download`` into ``bench/.cache``).
Both go into one folder so search latency is measured at ≥ 40k chunks.  Reports, in one
run: full index time, peak RSS of the process tree, files, chunks, raw tree-sitter parse
time of the same files, one-file update latency p50/p95 (20 edits), and hybrid / fts /
vector search latency p50/p95 (50 queries).  Numbers go to stdout as a Markdown table;
bench/RESULTS.md quotes them.  This is a script, never a test.

    .venv/bin/python bench/index.py [--corpus both|stdlib|django] [--workers N] [--index-only]
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import threading
import time
from pathlib import Path

os.environ.setdefault("LANCEDB_LOG", "error")

from typing import TYPE_CHECKING

# Only the standard library at the top: spawned pool workers import this script again as
# their main module, and whatever it imports counts against the index being measured
# (psutil, pydantic and the grammars cost each worker ~80 ms of CPU; `delegate index`
# and `delegate serve` have no such extra imports).
if TYPE_CHECKING:
    import psutil

    from delegate.settings import IndexSettings

CACHE = Path(__file__).resolve().parent / ".cache"
QUERIES = [
    "parse command line arguments",
    "open a zip archive and read members",
    "HttpResponseRedirect",
    "json encoder for decimal values",
    "compute md5 digest of a file",
    "QuerySet.filter",
    "thread pool executor shutdown",
    "render template with context",
    "csrf token middleware",
    "decode base64 string",
    "send email with attachments",
    "migrate database schema",
    "url routing resolve path",
    "temporary directory cleanup",
    "SequenceMatcher ratio",
    "asyncio event loop run until complete",
    "validate email address",
    "format date according to locale",
    "signal handler registration",
    "sqlite cursor execute many",
    "ForeignKey on_delete cascade",
    "pickle protocol load",
    "heap push pop priority queue",
    "gzip compress stream",
    "abstract base class register",
    "logging handler rotate file",
    "socket connect timeout",
    "cache get or set",
    "paginate a list of objects",
    "password hashing pbkdf2",
    "regular expression compile flags",
    "copy tree ignore patterns",
    "model form clean fields",
    "http cookie parsing",
    "decimal rounding context",
    "xml element tree iterparse",
    "unittest mock patch object",
    "subprocess run capture output",
    "inspect signature parameters",
    "admin site register model",
    "dataclass field default factory",
    "string template substitute",
    "csv dict reader",
    "collections ordered dict move to end",
    "get_object_or_404",
    "textwrap dedent",
    "enum auto value",
    "functools lru_cache wrapper",
    "shlex split quoted",
    "select_related prefetch_related",
]


def stdlib_copy() -> Path:
    target = CACHE / "corpus" / "stdlib"
    if not target.exists():
        source = Path(sysconfig.get_paths()["stdlib"])
        shutil.copytree(
            source,
            target,
            ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc"),
            symlinks=True,
        )
    return target


def django_copy() -> Path:
    target = CACHE / "corpus" / "django"
    if target.exists():
        return target
    downloads = CACHE / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    if not list(downloads.glob("[Dd]jango-5.2*.tar.gz")):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "django==5.2.*",
                "-d",
                str(downloads),
            ],
            check=True,
        )
    archive = sorted(downloads.glob("[Dd]jango-5.2*.tar.gz"))[-1]
    unpack = CACHE / "unpack"
    with tarfile.open(archive) as tar:
        tar.extractall(unpack, filter="data")
    shutil.move(str(next(unpack.glob("[Dd]jango-5.2*"))), target)
    return target


def corpus_folder(which: str) -> Path:
    folder = CACHE / f"bench-{which}"
    if folder.exists():
        return folder
    folder.mkdir(parents=True)
    if which in ("both", "stdlib"):
        (folder / "stdlib").symlink_to(stdlib_copy(), target_is_directory=True)
    if which in ("both", "django"):
        (folder / "django").symlink_to(django_copy(), target_is_directory=True)
    return folder


def materialise(folder: Path) -> None:
    """The walker does not follow symlinks out of the folder: replace them with copies."""
    for child in list(folder.iterdir()):
        if child.is_symlink():
            source = child.resolve()
            child.unlink()
            shutil.copytree(source, child, symlinks=True)


def raw_parse_seconds(folder: Path, settings: IndexSettings) -> tuple[float, int]:
    """tree-sitter alone, one process, on exactly the files the index walks."""
    from delegate.index.files import read_source, walk_folder
    from delegate.index.grammars import parser as grammar_parser
    from delegate.index.languages import language_for_path

    files = walk_folder(folder, settings).files
    texts = []
    for entry in files:
        language = language_for_path(entry.path)
        if language in (None, "text"):
            continue
        text, _ = read_source(folder, entry.path, settings.max_file_bytes)
        if text is not None:
            texts.append((language, text.encode("utf-8")))
    started = time.perf_counter()
    for language, data in texts:
        try:
            grammar_parser(language).parse(data)
        except Exception:
            continue
    return time.perf_counter() - started, len(files)


class KeepMessages(logging.Handler):
    """Collects the index's debug log (its per-stage timings) for the report."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class PeakRss:
    """Samples the RSS of this process and its children (the pool) every 50 ms.

    Also the CPU seconds of every descendant as last seen (``RUSAGE_CHILDREN`` counts only
    children already waited for).  Listing the descendants scans all of ``/proc``, so the
    list is refreshed every 10th sample only: sampling cost the measured process ~0.1 s of
    CPU per Django index when it was done every time.
    """

    def __init__(self) -> None:
        self.peak = 0
        self.child_cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        children: list[psutil.Process] = []
        samples = 0
        while not self._stop.is_set():
            if samples % 10 == 0:
                try:
                    children = me.children(recursive=True)
                except psutil.Error:
                    pass
            samples += 1
            total = me.memory_info().rss
            for child in children:
                try:
                    total += child.memory_info().rss
                    times = child.cpu_times()
                except psutil.Error:  # it exited since the list was made
                    continue
                self.child_cpu[child.pid] = times.user + times.system
            self.peak = max(self.peak, total)
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", choices=("both", "stdlib", "django"), default="both")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--keep", action="store_true", help="reuse an existing index (no full run)")
    ap.add_argument(
        "--index-only",
        action="store_true",
        help="only the full index (time, RSS, stage breakdown): for quick iterations",
    )
    ap.add_argument("--raw-parse-only", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    from delegate.settings import IndexSettings

    if args.raw_parse_only:
        seconds, walked = raw_parse_seconds(Path(args.raw_parse_only), IndexSettings())
        print(f"{seconds} {walked}")
        return 0

    from delegate.index.workspace import WorkspaceIndex  # (see the imports at the top)

    folder = corpus_folder(args.corpus)
    materialise(folder)
    settings = IndexSettings(workers=args.workers)
    if not args.keep:
        shutil.rmtree(folder / ".delegate", ignore_errors=True)

    # in its own process, so the texts it holds do not count towards the index's RSS
    raw = subprocess.run(
        [sys.executable, __file__, "--raw-parse-only", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    raw_seconds, walked = float(raw[0]), int(raw[1])
    timings = KeepMessages()
    index_log = logging.getLogger("delegate.index")
    index_log.setLevel(logging.DEBUG)
    index_log.addHandler(timings)
    with WorkspaceIndex.open(folder, settings) as index:
        with PeakRss() as rss:
            started = time.perf_counter()
            stats = index.update()
            full_seconds = time.perf_counter() - started
        stage_log = [m for m in timings.messages if m.startswith("update of")]
        index_log.removeHandler(timings)
        peak_rss = rss.peak
        self_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        child_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        info = index.stats()
        if args.index_only:
            print(
                f"raw parse {raw_seconds:.2f} s, full index {full_seconds:.2f} s "
                f"({full_seconds / raw_seconds:.2f}×), peak RSS {peak_rss / 2**20:.0f} MB, "
                f"{info['files']} files, {info['chunks']} chunks"
            )
            print(f"stages: {stage_log[-1] if stage_log else '(not logged)'}")
            print(f"pool workers' CPU (sampled every 50 ms): {sum(rss.child_cpu.values()):.2f} s")
            return 0

        target = (
            next(p for p in sorted((folder / "stdlib").rglob("*.py")) if p.name == "textwrap.py")
            if (folder / "stdlib").exists()
            else sorted(folder.rglob("*.py"))[0]
        )
        rel = target.relative_to(folder).as_posix()
        original = target.read_text(encoding="utf-8")
        update_ms = []
        try:
            index.update_files([rel])  # first call pays one-time imports
            for rep in range(20):
                target.write_text(original + f"\n\ndef bench_edit_{rep}():\n    return {rep}\n")
                t0 = time.perf_counter()
                index.update_files([rel])
                update_ms.append((time.perf_counter() - t0) * 1000)
        finally:
            target.write_text(original, encoding="utf-8")
            index.update_files([rel])

        search_ms: dict[str, list[float]] = {}
        for mode in ("hybrid", "fts", "vector"):
            index.search(QUERIES[0], mode=mode)  # warm caches
            samples = []
            for query in QUERIES:
                t0 = time.perf_counter()
                index.search(query, limit=10, mode=mode)  # type: ignore[arg-type]
                samples.append((time.perf_counter() - t0) * 1000)
            search_ms[mode] = samples
        map_t0 = time.perf_counter()
        index.repo_map(max_tokens=1024)
        map_first = time.perf_counter() - map_t0
        map_ms = []
        for query in QUERIES[:10]:
            t0 = time.perf_counter()
            index.repo_map(max_tokens=1024, query=query)
            map_ms.append((time.perf_counter() - t0) * 1000)

    up50, up95 = percentiles(update_ms)
    up_max = max(update_ms)
    print(f"## Index benchmark ({args.corpus})\n")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"workers: {settings.workers or os.cpu_count()}\n")
    print("| measure | value | target |")
    print("|---|---|---|")
    print(f"| files walked / indexed | {walked} / {info['files']} | |")
    print(f"| chunks | {info['chunks']} | ≥ 40,000 for search latency |")
    print(f"| raw tree-sitter parse (1 process) | {raw_seconds:.1f} s | |")
    ratio = full_seconds / raw_seconds if raw_seconds else float("nan")
    label = "update of an existing index (--keep)" if args.keep else "full index"
    print(f"| {label} | {full_seconds:.1f} s ({ratio:.2f}× raw parse) | ≤ 2.5× raw parse |")
    print(f"| peak RSS during full index, process tree | {peak_rss / 2**20:.0f} MB | ≤ 700 MB |")
    print(
        f"| max RSS self / largest child (getrusage) | {self_max / 2**20:.0f} MB / "
        f"{child_max / 2**20:.0f} MB | |"
    )
    print(
        f"| one-file update p50 / p95 / max (20 edits) | {up50:.0f} / {up95:.0f} / "
        f"{up_max:.0f} ms | p95 ≤ 200 ms |"
    )
    for mode, samples in search_ms.items():
        p50, p95 = percentiles(samples)
        target_text = "p95 ≤ 50 ms" if mode == "hybrid" else ""
        print(
            f"| {mode} search p50 / p95 (50 queries) | {p50:.1f} / {p95:.1f} ms | {target_text} |"
        )
    print(f"| repo map, first call after an update (builds the graph) | {map_first:.2f} s | |")
    map50, map95 = percentiles(map_ms)
    print(f"| repo map, later calls with a query p50 / p95 (10) | {map50:.0f} / {map95:.0f} ms | |")
    print(f"\nupdate stats: {stats}")
    print(f"\nstages of the full index: {stage_log[-1] if stage_log else '(not logged)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
