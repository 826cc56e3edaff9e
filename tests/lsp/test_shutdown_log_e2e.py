"""A clean shutdown leaves no traceback in ``.delegate/logs/server.log`` — nor does an
editor that closes the server's pipes as it quits, before the last answers are written.

The server runs ``delegate serve`` on stdio in a real workspace folder, so it writes the
log the user would read; each test reads that log after the process has ended.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.lsp.conftest import SERVER, copy_workspace
from tests.lsp.test_exit import answer, frame, read_frame

pytestmark = pytest.mark.slow


def start(folder: Path) -> tuple[subprocess.Popen[bytes], Callable[[dict[str, Any]], None]]:
    """``delegate serve`` on ``folder``, initialized and ready (its log file is open)."""
    (folder / ".delegate").mkdir(exist_ok=True)
    (folder / ".delegate" / "config.toml").write_text("[index]\non_start = false\n")
    server = subprocess.Popen(
        SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert server.stdin is not None and server.stdout is not None

    def send(message: dict[str, Any]) -> None:
        server.stdin.write(frame(message))  # type: ignore[union-attr]
        server.stdin.flush()  # type: ignore[union-attr]

    params = {
        "processId": None,
        "rootUri": folder.as_uri(),
        "capabilities": {},
        "workspaceFolders": [{"uri": folder.as_uri(), "name": folder.name}],
    }
    send({"id": 1, "method": "initialize", "params": params})
    assert "capabilities" in answer(server.stdout.read, 1)["result"]
    send({"method": "initialized", "params": {}})
    while True:  # "Delegate ready" is logged once the log file is open
        message = read_frame(server.stdout.read)
        if message.get("method") == "window/logMessage" and "ready" in message["params"]["message"]:
            return server, send


def ended(server: subprocess.Popen[bytes]) -> tuple[int, bytes]:
    try:
        code = server.wait(timeout=30)
    finally:
        server.kill()
        _, stderr = server.communicate()
    return code, stderr


def test_a_clean_shutdown_leaves_no_traceback_in_the_log(tmp_path: Path) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    server, send = start(folder)
    send({"id": 2, "method": "shutdown"})
    assert answer(server.stdout.read, 2)["result"] is None  # type: ignore[union-attr]
    send({"method": "exit"})
    code, stderr = ended(server)
    log = (folder / ".delegate" / "logs" / "server.log").read_text()
    assert code == 0
    assert "shutting down" in log
    assert "Traceback" not in log and "Error" not in log, log
    assert b"Traceback" not in stderr, stderr.decode()


def test_an_editor_closing_the_pipes_as_it_quits_is_one_line_not_a_traceback(
    tmp_path: Path,
) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    server, send = start(folder)
    send({"id": 2, "method": "shutdown"})
    server.stdout.close()  # type: ignore[union-attr]  # the editor reads no more
    try:
        send({"method": "exit"})
    except BrokenPipeError:
        pass  # the server may already have gone: that is fine too
    code, stderr = ended(server)
    log = (folder / ".delegate" / "logs" / "server.log").read_text()
    assert code == 0
    assert "Traceback" not in log and "BrokenPipeError" not in log, log
    assert b"Traceback" not in stderr, stderr.decode()
    gone = [line for line in log.splitlines() if "closed the connection" in line]
    assert len(gone) <= 1, log  # said once (if any write came after the pipe closed)
