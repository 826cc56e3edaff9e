"""``delegate serve`` over stdio: reading frames, answering bad ones, and ending on time.

pygls' ``start_io`` is replaced for three reasons:

- frames come from :mod:`delegate.lsp.framing`, which resynchronises after a broken
  ``Content-Length`` instead of going silent, and every problem is one log line;
- a request pygls cannot turn into its parameter type gets a ``-32602`` error response
  (pygls logged it and answered nothing, so the client waited for ever), a body that is
  not JSON a ``-32700`` and a body that is no JSON-RPC message a ``-32600``;
- the server ends when its client is gone — stdin closed, the ``processId`` sent in
  ``initialize`` no longer alive — and on SIGTERM, SIGINT or SIGHUP: it stops the session
  (tasks cancelled, indexes closed) for at most :data:`END_SECONDS`, kills the child
  processes still left, removes the sandboxes this process made and exits. It never goes
  on running without a client.

The frames are read on a daemon thread (a blocked read must not keep the process alive)
and handled on the event loop in order, as pygls does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.io_ import StdoutWriter
from pygls.protocol import JsonRPCProtocol

from delegate.lsp.framing import Frame, FramingError, read_frames
from delegate.lsp.language_server import DelegateServer

log = logging.getLogger(__name__)

END_SECONDS = 0.8  # the session's own stop; the rest of the second is for the kills
PARENT_POLL_SECONDS = 1.0
_EOF = object()
_HOPS_PER_MESSAGE = 3


def _nothing() -> None:
    return None


class _NoDeserializeTraceback(logging.Filter):
    """pygls logs a full traceback for each message it cannot structure; the one-line
    warning of :func:`handle_frame` says it instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Unable to deserialize message")


def serve_stdio(
    server: DelegateServer, stdin: BinaryIO, stdout: BinaryIO, exit_now: Callable[[int], None]
) -> None:
    """Serve until ``exit`` (then return, as pygls does), or until stdin ends, a signal
    comes or the client dies: then stop and call ``exit_now(code)``, which must end the
    process there (a thread still busy must not keep it alive)."""
    server.protocol.set_writer(StdoutWriter(stdout))
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_NoDeserializeTraceback())
    with contextlib.suppress(SystemExit):  # the `exit` notification
        asyncio.run(_serve(server, stdin.fileno(), exit_now))


async def _serve(server: DelegateServer, fd: int, exit_now: Callable[[int], None]) -> None:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    ended = asyncio.Event()
    why: list[str] = []

    def end(reason: str) -> None:
        if not why:
            why.append(reason)
        ended.set()

    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(number, end, f"signal {signal.Signals(number).name}")

    def read() -> None:
        for item in read_frames(fd):
            loop.call_soon_threadsafe(inbox.put_nowait, item)
        loop.call_soon_threadsafe(inbox.put_nowait, _EOF)

    threading.Thread(target=read, name="lsp-frames", daemon=True).start()
    watcher: asyncio.Task[None] | None = None
    waiting_end = asyncio.ensure_future(ended.wait())
    while True:
        getting = asyncio.ensure_future(inbox.get())
        await asyncio.wait({getting, waiting_end}, return_when=asyncio.FIRST_COMPLETED)
        if not getting.done():
            getting.cancel()
            break
        item = getting.result()
        if item is _EOF:
            end("stdin closed")
            break
        if isinstance(item, FramingError):
            log.warning("JSON-RPC framing: %s", item.reason)
            continue
        assert isinstance(item, Frame)
        message = handle_frame(server.protocol, item.body)
        # let what this message woke (the continuation of a request that awaited this
        # response, say) run before the next message is read, at the pace of pygls'
        # reader, whose every frame took three round trips through a thread
        for _ in range(_HOPS_PER_MESSAGE):
            await loop.run_in_executor(None, _nothing)
        if watcher is None and isinstance(message, types.InitializeRequest):
            pid = message.params.process_id
            if pid is not None:
                watcher = asyncio.ensure_future(watch_client_process(pid, end))
    if watcher is not None:
        watcher.cancel()
    reason = why[0] if why else "the client is gone"
    log.warning("ending the server: %s", reason)
    await end_session(server)
    exit_now(0 if getattr(server.protocol, "shut_down", False) else 1)


def handle_frame(protocol: JsonRPCProtocol, body: bytes) -> Any:
    """Decode one body and hand it to pygls; answer what pygls would leave unanswered.
    Returns the structured message (None when there was none)."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        log.warning("JSON-RPC: a body that is not JSON (%s)", exc)
        _answer_error(protocol, None, -32700, f"Parse error: {exc}")
        return None
    if not isinstance(data, dict) or data.get("jsonrpc") != JsonRPCProtocol.VERSION:
        log.warning("JSON-RPC: a body that is no JSON-RPC 2.0 message")
        _answer_error(protocol, _request_id(data), -32600, "Invalid request")
        return None
    method = data.get("method")
    try:
        message = protocol.structure_message(data)
    except JsonRpcException as exc:
        invalid = isinstance(exc, JsonRpcInvalidParams)
        what = f"invalid parameters for {method!r}" if invalid else f"cannot read {method!r}"
        log.warning("JSON-RPC: %s", what)
        if "method" in data:
            _answer_error(protocol, _request_id(data), exc.code, what[:1].upper() + what[1:])
        return None
    try:
        protocol.handle_message(message)
    except Exception as exc:  # pygls' own reader caught these too: one message, not the server
        log.error("JSON-RPC: handling %r failed: %s: %s", method, type(exc).__name__, exc)
        if "id" in data and "method" in data:
            _answer_error(protocol, _request_id(data), -32603, f"Internal error: {exc}")
    return message


def _request_id(data: Any) -> int | str | None:
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def _answer_error(
    protocol: JsonRPCProtocol, msg_id: int | str | None, code: int, text: str
) -> None:
    if msg_id is None and code == -32602:
        return  # a notification: nobody waits for an answer
    protocol._send_data(  # no public way to send a response to an id pygls never saw
        {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": text}}
    )


async def watch_client_process(pid: int, end: Any) -> None:
    """Call ``end`` once process ``pid`` (the client, from ``initialize``) is gone. A pid
    not alive at the start is ignored: in another PID namespace it is not ours to see."""
    if not _alive(pid):
        log.info("client process %d is not visible here: not watched", pid)
        return
    try:
        pidfd = os.pidfd_open(pid)
    except (OSError, AttributeError):
        pidfd = None
    if pidfd is not None:
        gone = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_reader(pidfd, gone.set)
        try:
            await gone.wait()
        finally:
            loop.remove_reader(pidfd)
            os.close(pidfd)
    else:
        while _alive(pid):
            await asyncio.sleep(PARENT_POLL_SECONDS)
    end(f"client process {pid} ended")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def end_session(server: DelegateServer) -> None:
    """Stop the session within :data:`END_SECONDS`, then make sure nothing outlives us."""
    from delegate.lsp.lifecycle import stop_session

    try:
        await asyncio.wait_for(stop_session(server), END_SECONDS)
    except TimeoutError:
        log.warning("the session did not stop within %.1f s: killing what is left", END_SECONDS)
    except Exception:
        log.exception("stopping the session failed")
    kill_child_processes()
    with contextlib.suppress(Exception):
        from delegate.agent.sandbox_registry import remove_own_sandboxes

        remove_own_sandboxes()


def kill_child_processes() -> list[int]:
    """SIGKILL every child of this process (and the process group it leads, for test
    runs started in a session of their own); the pids killed."""
    me = os.getpid()
    killed: list[int] = []
    for pid in _children(me):
        with contextlib.suppress(OSError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    return killed


def _children(parent: int) -> list[int]:
    found: list[int] = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # the name field is in parentheses and may hold spaces: ppid is after its end
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1 and int(fields[1]) == parent:
            found.append(int(name))
    return found
