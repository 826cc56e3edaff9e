"""Broken frames and bodies get an answer or a log line, and the next message is read.

Before, a ``Content-Length`` that was too small, not a number or missing left pygls'
reader treating the rest of the stream as headers: the server stayed alive and never
answered again. A request whose parameters did not fit their type got no answer at all.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lsp.conftest import copy_workspace
from tests.robustness.raw_lsp import RawServer, frame, request


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawServer]:
    """One server for every case: each must leave it able to read the next message."""
    folder = copy_workspace("pyproj", tmp_path_factory.mktemp("framing"))
    raw = RawServer(folder)
    raw.initialize(folder)
    yield raw
    raw.close()


def status_body(msg_id: int) -> bytes:
    return json.dumps(
        request(msg_id, "workspace/executeCommand", {"command": "delegate.status"})
    ).encode()


IDS = itertools.count(100)
BROKEN = {
    "length too small": b"Content-Length: 20\r\n\r\n" + status_body(90),
    "length not a number": b"Content-Length: twelve\r\n\r\n" + status_body(90),
    "length missing": b"Content-Type: application/vscode-jsonrpc\r\n\r\n" + status_body(90),
    "no header at all": status_body(90),
    "binary garbage": bytes(range(256)) * 4 + b"\r\n\r\n",
    "header line without end": b"X" * 20000,
    "length huge": b"Content-Length: 99999999999999\r\n\r\n",
    "body not JSON": b"Content-Length: 9\r\n\r\n{not json",
    "body a JSON list": frame([1, 2]),  # type: ignore[arg-type]
    "no jsonrpc version": b'Content-Length: 13\r\n\r\n{"id": 90000}',
}


@pytest.mark.parametrize("broken", BROKEN.values(), ids=list(BROKEN))
def test_the_message_after_a_broken_frame_is_answered(server: RawServer, broken: bytes) -> None:
    server.send(broken)
    answer = server.status(next(IDS))
    assert "result" in answer and "folders" in answer["result"], answer
    assert server.proc.poll() is None


def test_a_length_larger_than_the_body_is_cut_at_the_next_header(server: RawServer) -> None:
    body = status_body(91)
    server.send(b"Content-Length: %d\r\n\r\n" % (len(body) + 500) + body)
    # the server waits for the 500 missing bytes; the next message is where it resumes
    assert "result" in server.status(next(IDS))
    assert server.proc.poll() is None


def test_errors_that_name_the_request(server: RawServer) -> None:
    server.drain()
    server.seen.clear()  # the answers to the broken frames above
    server.send(b"Content-Length: 9\r\n\r\n{not json")
    parse_error = server.response(None)
    assert parse_error["error"]["code"] == -32700
    # a code action whose parameters have the wrong types
    server.send(
        request(
            7,
            "textDocument/codeAction",
            {"textDocument": {"uri": 5}, "range": "everything", "context": []},
        )
    )
    invalid = server.response(7)
    assert invalid["error"]["code"] == -32602, invalid
    assert "textDocument/codeAction" in invalid["error"]["message"]
    server.send(request(8, "workspace/executeCommand", {"command": 12}))
    assert server.response(8)["error"]["code"] == -32602
    server.send(request(9, "no/such/method", {}))
    assert server.response(9)["error"]["code"] == -32601  # as before
    assert "result" in server.status(next(IDS))


def test_framing_problems_are_one_line_each_in_the_log(tmp_path: Path) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    raw = RawServer(folder)
    try:
        raw.initialize(folder)
        raw.send(b"Content-Length: twelve\r\n\r\n")
        assert "result" in raw.status(2)
        raw.send(request(3, "shutdown"))
        raw.response(3)
        raw.send(frame({"jsonrpc": "2.0", "method": "exit"}))
        assert raw.wait_exit() == 0
    finally:
        raw.close()
    logged = [m["params"]["message"] for m in raw.drain() if m.get("method") == "window/logMessage"]
    framing = [line for line in logged if "JSON-RPC framing" in line]
    assert any("Content-Length is not a number: 'twelve'" in line for line in framing), logged
    assert all("\n" not in line for line in framing)
    assert b"Traceback" not in raw.stderr, raw.stderr.decode(errors="replace")


def test_a_message_pygls_chokes_on_does_not_end_the_server(server: RawServer) -> None:
    """Found by the fuzz test: a cancel notification with a list for an id raised a
    TypeError out of pygls' handler, which ended the server."""
    server.send(frame({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": [1]}}))
    assert "result" in server.status(next(IDS))
    assert server.proc.poll() is None
