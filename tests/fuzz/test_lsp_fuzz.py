"""Fuzz `delegate serve` over its real stdio with hostile traffic (tests/fuzz/traffic.py).

One server process takes every example. Each example sends some broken frames, then
probes with ``delegate.status`` until the server answers (it must find its way back), then
sends well-framed messages with mutated parameters: every request among them must get a
response (a result or an error — never silence) and the server must stay up. Afterwards a
normal code action is answered correctly and the server's memory is within a generous
bound (a blow-up detector: the failure this guards against took 3–4 GB).

Bounded: at most ``FUZZ_EXAMPLES`` examples (default 200) and about ``FUZZ_SECONDS``
(default 60) of sending; ``bench/fuzz_long.py`` runs it longer.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.traffic import BROKEN_FRAMES, encode, lsp_message
from tests.lsp.conftest import FIXTURES
from tests.robustness.raw_lsp import RawServer, notification, request

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
SECONDS = float(os.environ.get("FUZZ_SECONDS", "60"))
MEMORY_BOUND = 1536 << 20  # bytes of resident memory, server and its children
_ids = itertools.count(1000)


class Fuzzed:
    def __init__(self, raw: RawServer, folder: Path) -> None:
        self.raw = raw
        self.folder = folder
        self.started = time.monotonic()
        self.examples = 0
        self.requests = 0

    def over_budget(self) -> bool:
        return time.monotonic() - self.started > SECONDS


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    folder = tmp_path_factory.mktemp("fuzz") / "pyproj"
    import shutil

    shutil.copytree(FIXTURES / "pyproj", folder)
    raw = RawServer(folder)
    raw.initialize(folder)
    state = Fuzzed(raw, folder)
    yield state
    code = raw.proc.poll()
    raw.close()
    if code is not None:
        tail = raw.stderr.decode(errors="replace").splitlines()[-20:]
        print(f"fuzz: the server exited with {code}; the end of its stderr:")
        for line in tail:
            print("   ", line[:300])
    errors = [line for line in raw.stderr.decode(errors="replace").splitlines() if "ERROR" in line]
    print(f"fuzz: {len(errors)} error lines on stderr:")
    for line in errors:
        print("   ", line[:300])


def probe_until_answered(raw: RawServer) -> None:
    """Send status requests until one is answered: the server has resynchronised."""
    deadline = time.monotonic() + 90
    while True:
        msg_id = next(_ids)
        raw.send(request(msg_id, "workspace/executeCommand", {"command": "delegate.status"}))
        try:
            answer = raw.response(msg_id, timeout=5)
        except AssertionError:
            assert raw.proc.poll() is None, f"the server died; stderr: {raw.stderr[-3000:]!r}"
            assert time.monotonic() < deadline, "the server never found its way back"
            continue
        assert "result" in answer, answer
        return


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@given(
    broken=st.lists(BROKEN_FRAMES, max_size=3),
    messages=st.lists(lsp_message(), min_size=1, max_size=6),
)
def test_hostile_traffic(
    fuzzed: Fuzzed, broken: list[bytes], messages: list[dict[str, Any]]
) -> None:
    if fuzzed.over_budget():
        return
    raw = fuzzed.raw
    fuzzed.examples += 1
    for data in broken:
        raw.send(data)
    if broken:
        probe_until_answered(raw)
    asked: dict[int, str] = {}
    for message in messages:
        if "id" in message:
            message = {**message, "id": next(_ids)}
            asked[message["id"]] = json.dumps(message)[:300]
        raw.send(encode(message))
    for msg_id, sent in asked.items():
        try:
            answer = raw.response(msg_id, timeout=120)
        except AssertionError:
            raise AssertionError(f"no answer to {sent}") from None
        assert "result" in answer or "error" in answer, answer
    fuzzed.requests += len(asked)
    assert raw.proc.poll() is None


def test_after_the_fuzz_a_code_action_is_right_and_memory_bounded(fuzzed: Fuzzed) -> None:
    raw = fuzzed.raw
    assert fuzzed.examples > 0
    print(f"fuzz: {fuzzed.examples} examples, {fuzzed.requests} requests answered")
    path = fuzzed.folder / "after_fuzz.py"
    text = "def area(width, height):\n    return width * height\n"
    path.write_text(text)
    raw.send(
        notification(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": path.as_uri(),
                    "languageId": "python",
                    "version": 1,
                    "text": text,
                }
            },
        )
    )
    msg_id = next(_ids)
    span = {"start": {"line": 1, "character": 4}, "end": {"line": 1, "character": 4}}
    raw.send(
        request(
            msg_id,
            "textDocument/codeAction",
            {"textDocument": {"uri": path.as_uri()}, "range": span, "context": {"diagnostics": []}},
        )
    )
    answer = raw.response(msg_id)
    titles = [action["title"] for action in answer["result"]]
    # a generic client (no experimental.delegate.prompt) gets no "Delegate task…"
    assert "Generate tests for `area`" in titles and "Delegate task…" not in titles, titles
    server = psutil.Process(raw.proc.pid)
    rss = server.memory_info().rss + sum(
        child.memory_info().rss for child in server.children(recursive=True)
    )
    print(f"fuzz: server resident memory {rss / 2**20:.0f} MiB")
    assert rss < MEMORY_BOUND, f"{rss / 2**20:.0f} MiB"
