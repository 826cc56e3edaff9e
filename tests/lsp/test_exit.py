"""``exit`` ends `delegate serve` cleanly over TCP and stdio, with LSP's exit codes:
0 after ``shutdown``, 1 without — and no traceback on stderr."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.lsp.conftest import SERVER

pytestmark = pytest.mark.slow


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    return f"Content-Length: {len(body)}\r\n\r\n".encode() + body


def read_frame(read: Callable[[int], bytes]) -> dict[str, Any]:
    header = b""
    while not header.endswith(b"\r\n\r\n"):
        chunk = read(1)
        if not chunk:
            raise EOFError("the server closed the connection")
        header += chunk
    length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
    body = b""
    while len(body) < length:
        body += read(length - len(body))
    return dict(json.loads(body))


def answer(read: Callable[[int], bytes], request_id: int) -> dict[str, Any]:
    """Read until the response to ``request_id`` (skipping logs and other notifications)."""
    while True:
        message = read_frame(read)
        if message.get("id") == request_id and "method" not in message:
            return message


def session(send: Callable[[bytes], Any], read: Callable[[int], bytes], *, shutdown: bool) -> None:
    init = {"processId": None, "rootUri": None, "capabilities": {}}
    send(frame({"id": 1, "method": "initialize", "params": init}))
    assert "capabilities" in answer(read, 1)["result"]
    send(frame({"method": "initialized", "params": {}}))
    if shutdown:
        send(frame({"id": 2, "method": "shutdown"}))
        assert answer(read, 2)["result"] is None
    send(frame({"method": "exit"}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(("shutdown", "code"), [(True, 0), (False, 1)])
def test_exit_over_tcp(shutdown: bool, code: int) -> None:
    port = free_port()
    server = subprocess.Popen(
        [*SERVER, "--tcp", f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        for _ in range(300):
            try:
                connection = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)  # waiting for the listener, not measuring anything
        with connection:
            session(connection.sendall, connection.recv, shutdown=shutdown)
            assert server.wait(timeout=30) == code
    finally:
        server.kill()
        _, stderr = server.communicate()
    assert b"Traceback" not in stderr and b"SystemExit" not in stderr


def test_exit_over_stdio_without_shutdown() -> None:
    server = subprocess.Popen(
        SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert server.stdin is not None and server.stdout is not None
    try:

        def send(data: bytes) -> None:
            server.stdin.write(data)  # type: ignore[union-attr]
            server.stdin.flush()  # type: ignore[union-attr]

        session(send, server.stdout.read, shutdown=False)
        assert server.wait(timeout=30) == 1
    finally:
        server.kill()
        _, stderr = server.communicate()
    assert b"Traceback" not in stderr
