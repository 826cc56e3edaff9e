"""A byte-level LSP client for the tests that must send what no real client would.

It starts `delegate serve` as a subprocess, writes raw bytes to its stdin and collects the
frames it answers with on a reader thread (the server's own framing is trusted here: the
point is what the server does with broken input).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

SERVE = [sys.executable, "-m", "delegate", "serve"]


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def request(msg_id: int, method: str, params: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        message["params"] = params
    return message


def notification(method: str, params: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        message["params"] = params
    return message


def initialize_params(folder: Path, process_id: int | None = None) -> dict[str, Any]:
    return {
        "processId": process_id,
        "rootUri": folder.as_uri(),
        "capabilities": {},
        "workspaceFolders": [{"uri": folder.as_uri(), "name": folder.name}],
    }


class RawServer:
    def __init__(self, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            SERVE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env={**os.environ, **(env or {})},
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.stderr = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                elif not line.strip():
                    break
            assert length is not None
            self.messages.put(json.loads(out.read(length)))

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        self.stderr = self.proc.stderr.read()

    def send(self, data: bytes | dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data if isinstance(data, bytes) else frame(data))
        self.proc.stdin.flush()

    def response(self, msg_id: int | None, timeout: float = 60.0) -> dict[str, Any]:
        """The response to ``msg_id`` (answering requests the server sends meanwhile)."""
        for message in self.seen:
            if "method" not in message and message.get("id") == msg_id:
                self.seen.remove(message)
                return message
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no response to {msg_id!r}; stderr: {self.stderr!r}")
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if "method" in message and "id" in message:  # a request of the server's
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
                continue
            if "method" not in message and message.get("id") == msg_id:
                return message
            self.seen.append(message)

    def drain(self) -> list[dict[str, Any]]:
        """Every message received and not yet taken by :meth:`response`."""
        while True:
            try:
                self.seen.append(self.messages.get_nowait())
            except queue.Empty:
                return list(self.seen)

    def initialize(self, folder: Path, process_id: int | None = None) -> None:
        self.send(request(1, "initialize", initialize_params(folder, process_id)))
        assert "result" in self.response(1)
        self.send(notification("initialized", {}))

    def status(self, msg_id: int) -> dict[str, Any]:
        self.send(request(msg_id, "workspace/executeCommand", {"command": "delegate.status"}))
        return self.response(msg_id)

    def wait_exit(self, timeout: float = 30.0) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(timeout)  # every frame sent before the end is in
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
