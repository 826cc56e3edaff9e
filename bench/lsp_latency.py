"""LSP latency benchmark: code actions and delegate/search while the first index runs vs idle.

Starts `delegate serve` as a subprocess (the real server, over stdio), opens a copy of the
running interpreter's stdlib (without site-packages; ``bench/.cache/lsp-stdlib``) as the only
workspace folder, and measures, from the client's side, the round trip of
``textDocument/codeAction`` on a large open file and of ``delegate/search``:

1. while the server's first index of the folder is running (the folder starts unindexed);
2. after the index is done (idle server).

Target (issue "Language server core"): code action p95 ≤ 50 ms under indexing and ≤ 3× idle.
Prints a Markdown table for bench/RESULTS.md. This is a script, never a test.

    .venv/bin/python bench/lsp_latency.py [--actions 200] [--searches 40]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import statistics
import sys
import sysconfig
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("LANCEDB_LOG", "error")

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.lsp.conftest import make_client  # noqa: E402  (the Union[Command, CodeAction] fix)

CACHE = ROOT / "bench" / ".cache"
QUERIES = ["parse arguments", "http request headers", "json decode", "thread pool", "regex"]


def copy_stdlib(target: Path) -> Path:
    """A fresh, unindexed copy of the stdlib (so the first index really runs)."""
    if target.exists():
        shutil.rmtree(target)
    source = Path(sysconfig.get_paths()["stdlib"])
    shutil.copytree(
        source,
        target,
        ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc", "idlelib"),
        symlinks=True,
    )
    return target


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await call()
    return (time.perf_counter() - start) * 1000


def index_done(client: LanguageClient) -> bool:
    for values in client.progress_reports.values():
        title = getattr(values[0], "title", "") if values else ""
        if title.startswith("Delegate: indexing") and getattr(values[-1], "kind", "") == "end":
            return True
    return False


async def measure(
    client: LanguageClient,
    uri: str,
    lines: int,
    n_actions: int,
    n_searches: int,
    stop: Callable[[], bool],
) -> tuple[list[float], list[float]]:
    actions: list[float] = []
    searches: list[float] = []
    for i in range(max(n_actions, n_searches)):
        if stop():
            break
        line = (i * 37) % lines
        if i < n_actions:
            params = types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(types.Position(line, 4), types.Position(line, 4)),
                context=types.CodeActionContext(diagnostics=[]),
            )
            actions.append(
                await timed(lambda p=params: client.text_document_code_action_async(p))  # type: ignore[misc]
            )
        if i < n_searches:
            query = {"query": QUERIES[i % len(QUERIES)], "limit": 10}
            searches.append(
                await timed(
                    lambda q=query: client.protocol.send_request_async("delegate/search", q)  # type: ignore[misc]
                )
            )
        await asyncio.sleep(0.01)
    return actions, searches


def row(label: str, samples: list[float]) -> str:
    if not samples:
        return f"| {label} | 0 | – | – | – |"
    return (
        f"| {label} | {len(samples)} | {statistics.median(samples):.1f} | "
        f"{percentile(samples, 0.95):.1f} | {max(samples):.1f} |"
    )


async def run(n_actions: int, n_searches: int) -> None:
    folder = copy_stdlib(CACHE / "lsp-stdlib")
    files = sum(1 for _ in folder.rglob("*.py"))
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "delegate", "serve"], client_factory=make_client
    )
    client: LanguageClient = await config.start()  # type: ignore[assignment]
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name="stdlib")],
        )
    )
    target = folder / "argparse.py"
    text = target.read_text()
    uri = target.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    started = time.perf_counter()
    busy = await measure(
        client, uri, len(text.splitlines()), n_actions, n_searches, lambda: index_done(client)
    )
    while not index_done(client):
        await asyncio.sleep(0.2)
    index_seconds = time.perf_counter() - started
    idle = await measure(client, uri, len(text.splitlines()), n_actions, n_searches, lambda: False)
    await client.shutdown_session()
    await client.stop()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"workspace: stdlib copy, {files} .py files; first index finished {index_seconds:.0f} s after start"
    )
    print(
        "code action on argparse.py (2,600 lines; parsed once per document version); search limit 10\n"
    )
    print("| request | n | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    print(row("codeAction, during first index", busy[0]))
    print(row("codeAction, idle", idle[0]))
    print(row("delegate/search, during first index", busy[1]))
    print(row("delegate/search, idle", idle[1]))
    if busy[0] and idle[0]:
        ratio = percentile(busy[0], 0.95) / max(percentile(idle[0], 0.95), 1e-9)
        print(f"\ncode action p95 under indexing / idle: {ratio:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=200)
    parser.add_argument("--searches", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(run(args.actions, args.searches))


if __name__ == "__main__":
    main()
