"""A local stand-in for Anthropic's Messages API, spoken over real HTTP.

Tests drive the real ``anthropic`` SDK against this server instead of mocking our own
client, so request shapes, SSE parsing, retries and timeouts are exercised for real.
The server listens on 127.0.0.1 on a random port in a background thread.

It is driven either by a *script* (a list of turns, one per request) or by a *policy*
(a function of the recorded request that returns a turn). A turn is a :class:`Reply`
(content blocks — text, tool_use, thinking —, stop reason such as ``max_tokens`` with a tool
input cut mid-way, ``refusal`` or ``pause_turn``, usage) or a failure: :class:`Fail` (an HTTP error such as
429 with retry-after, 529 overloaded, 500), :class:`Slow` (a delay before the reply, to
trigger client time-outs) or :class:`BrokenStream` (the SSE stream is cut mid-message).

Like the real API it refuses, with a 400, a prompt longer than ``context_window`` tokens
(estimated from its size) and, when thinking is on, a tool-use turn sent back without the
thinking blocks that came with it (or with them changed). ``/v1/messages/count_tokens``
answers with the same estimate.

Every request is recorded (with the API key redacted) for assertions.

Usage::

    with FakeAnthropic(script=[Reply([text("hi")])]) as fake:
        client = AsyncAnthropic(api_key="k", base_url=fake.base_url)

Manual use: ``python -m tests.fakes.fake_anthropic --script turns.json`` where the JSON file
holds a list of replies ``{"content": [...], "stop_reason": "end_turn"}``.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Block = dict[str, Any]


def text(value: str) -> Block:
    """A text content block."""
    return {"type": "text", "text": value}


def thinking(value: str, signature: str | None = None) -> Block:
    """A thinking block; its signature is derived from the text unless one is given."""
    return {
        "type": "thinking",
        "thinking": value,
        "signature": signature or "sig_" + hashlib.sha256(value.encode()).hexdigest()[:24],
    }


_tool_ids = itertools.count(1)


def tool_use(name: str, input: dict[str, Any], id: str | None = None) -> Block:
    """A tool_use content block with a fresh id unless one is given."""
    return {
        "type": "tool_use",
        "id": id or f"toolu_fake_{next(_tool_ids):04d}",
        "name": name,
        "input": input,
    }


@dataclass
class Reply:
    """One successful model response. Usage fields left as None are estimated from sizes."""

    content: list[Block]
    stop_reason: str | None = None  # default: "tool_use" when a tool_use block is present
    input_tokens: int | None = None
    output_tokens: int | None = None
    # stream only this many characters of the last tool_use's input JSON, as a reply cut off
    # at max_tokens does (use with stop_reason="max_tokens")
    cut_tool_input_at: int | None = None


@dataclass
class Fail:
    """An HTTP error response in Anthropic's error shape."""

    status: int = 529
    error_type: str = "overloaded_error"
    message: str = "Overloaded"
    retry_after_ms: int | None = 10


@dataclass
class Slow:
    """Wait ``seconds`` before answering with ``then`` (or a short text reply)."""

    seconds: float
    then: Reply | None = None


@dataclass
class BrokenStream:
    """Start a streamed reply, send ``after_events`` SSE events, then drop the connection."""

    reply: Reply = field(default_factory=lambda: Reply([text("this reply will be cut")]))
    after_events: int = 2


Turn = Reply | Fail | Slow | BrokenStream
Policy = Callable[["RecordedRequest"], Turn]


@dataclass
class RecordedRequest:
    """One request as the server saw it; ``api_key`` keeps only a redacted form."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    api_key: str  # "<none>" or a redacted form such as "sk-ant…(40)"

    @property
    def system(self) -> list[Block]:
        system = self.body.get("system") or []
        return [text(system)] if isinstance(system, str) else list(system)

    @property
    def system_text(self) -> str:
        return "\n".join(str(block.get("text", "")) for block in self.system)

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or [])

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.body.get("tools") or [])

    @property
    def tool_names(self) -> list[str]:
        return [str(tool.get("name")) for tool in self.tools]

    @property
    def streamed(self) -> bool:
        return bool(self.body.get("stream"))

    def last_user_blocks(self) -> list[Block]:
        """The content blocks of the final user message."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                content = message.get("content")
                return [text(content)] if isinstance(content, str) else list(content or [])
        return []

    def last_user_text(self) -> str:
        return "\n".join(
            str(b.get("text", "")) for b in self.last_user_blocks() if b.get("type") == "text"
        )

    def tool_results(self) -> list[Block]:
        """The tool_result blocks answering the previous turn's tool calls."""
        return [b for b in self.last_user_blocks() if b.get("type") == "tool_result"]

    def tool_result_text(self, block: Block) -> str:
        """The result's text as the tool produced it, without the untrusted-data wrapper the
        server puts around every tool result (see :meth:`raw_tool_result_text`)."""
        raw = self.raw_tool_result_text(block)
        match = _UNTRUSTED_BLOCK.fullmatch(raw)
        return match["text"] if match else raw

    def raw_tool_result_text(self, block: Block) -> str:
        content = block.get("content")
        if isinstance(content, str):
            return content
        return "\n".join(str(c.get("text", "")) for c in content or [] if isinstance(c, dict))

    def cache_control_count(self) -> int:
        """How many blocks in the request carry ``cache_control``."""
        return json.dumps(self.body).count('"cache_control"')


_UNTRUSTED_BLOCK = re.compile(
    r'<untrusted-data source="[^"]*" nonce="(?P<nonce>\w+)">\n(?P<text>.*)\n'
    r'</untrusted-data nonce="(?P=nonce)">',
    re.S,
)


def _redact_key(value: str | None) -> str:
    if not value:
        return "<none>"
    return f"{value[:6]}…({len(value)})"


def _estimate_tokens(value: Any) -> int:
    return max(1, len(json.dumps(value)) // 4)


class FakeAnthropic:
    """The server. Use as a context manager or call :meth:`start` / :meth:`stop`."""

    def __init__(
        self,
        script: Sequence[Turn] = (),
        *,
        policy: Policy | None = None,
        model: str | None = None,
        context_window: int | None = None,
    ) -> None:
        self._script = list(script)
        self._policy = policy
        self._model = model
        # a request whose estimated prompt exceeds this many tokens gets the API's 400
        self.context_window = context_window
        # tool_use id -> the thinking blocks sent before it, which must come back with it
        self._thinking_for_tool: dict[str, list[Block]] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._cached_prefixes: set[str] = set()
        self.requests: list[RecordedRequest] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeAnthropic:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-anthropic",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- driving ---------------------------------------------------------------------------
    def push(self, *turns: Turn) -> None:
        """Append turns to the script."""
        with self._lock:
            self._script.extend(turns)

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._script)

    def prompt_tokens(self, request: RecordedRequest) -> int:
        body = request.body
        return _estimate_tokens([body.get("system"), body.get("tools"), body.get("messages")])

    def _refusal(self, request: RecordedRequest) -> Fail | None:
        """What the real API refuses before the model runs: an over-long prompt, and (with
        thinking on) a tool-use turn sent back without its thinking blocks, or changed."""
        tokens = self.prompt_tokens(request)
        if self.context_window is not None and tokens > self.context_window:
            return Fail(
                400,
                "invalid_request_error",
                f"prompt is too long: {tokens} tokens > {self.context_window} maximum",
                None,
            )
        if not request.body.get("thinking") or request.body["thinking"].get("type") == "disabled":
            return None
        assistants = [
            (i, m) for i, m in enumerate(request.messages) if m.get("role") == "assistant"
        ]
        if not assistants:
            return None
        index, last = assistants[-1]
        content = last.get("content")
        blocks = [content] if isinstance(content, str) else list(content or [])
        for block in blocks:
            if isinstance(block, dict) and block.get("type") == "tool_use":
                issued = self._thinking_for_tool.get(str(block.get("id")), [])
                if issued and blocks[: len(issued)] != issued:
                    found = blocks[0].get("type") if blocks and isinstance(blocks[0], dict) else "?"
                    return Fail(
                        400,
                        "invalid_request_error",
                        f"messages.{index}.content.0.type: Expected `thinking` or "
                        f"`redacted_thinking`, but found `{found}`. When `thinking` is enabled, "
                        "a final `assistant` message must start with a thinking block.",
                        None,
                    )
        return None

    def _remember_thinking(self, reply: Reply) -> None:
        leading = []
        for block in reply.content:
            if block.get("type") in ("thinking", "redacted_thinking"):
                leading.append(block)
            elif block.get("type") == "tool_use" and leading:
                with self._lock:
                    self._thinking_for_tool[str(block["id"])] = list(leading)

    def _next_turn(self, request: RecordedRequest) -> Turn:
        refusal = self._refusal(request)
        with self._lock:
            self.requests.append(request)
            if refusal is not None:
                return refusal
            if self._script:
                return self._script.pop(0)
        if self._policy is not None:
            return self._policy(request)
        return Fail(
            400,
            "invalid_request_error",
            f"fake_anthropic: script exhausted after {len(self.requests) - 1} turns",
            None,
        )

    def _usage(self, request: RecordedRequest, reply: Reply) -> dict[str, int]:
        """Estimate usage; the cached prefix (up to the last cache_control) is read or written."""
        body = request.body
        total_in = reply.input_tokens or _estimate_tokens(
            [body.get("system"), body.get("tools"), body.get("messages")]
        )
        cached = _estimate_tokens([body.get("system"), body.get("tools")])
        usage = {
            "input_tokens": total_in,
            "output_tokens": reply.output_tokens or _estimate_tokens(reply.content),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
        if request.cache_control_count() and cached < total_in:
            key = hashlib.sha256(
                json.dumps([body.get("system"), body.get("tools")], sort_keys=True).encode()
            ).hexdigest()
            with self._lock:
                hit = key in self._cached_prefixes
                self._cached_prefixes.add(key)
            usage["cache_read_input_tokens" if hit else "cache_creation_input_tokens"] = cached
            usage["input_tokens"] = total_in - cached
        return usage

    def message_for(self, request: RecordedRequest, reply: Reply) -> dict[str, Any]:
        self._remember_thinking(reply)
        has_tool = any(block.get("type") == "tool_use" for block in reply.content)
        return {
            "id": f"msg_fake_{len(self.requests):04d}",
            "type": "message",
            "role": "assistant",
            "model": self._model or str(request.body.get("model", "claude-fake")),
            "content": reply.content,
            "stop_reason": reply.stop_reason or ("tool_use" if has_tool else "end_turn"),
            "stop_sequence": None,
            "usage": self._usage(request, reply),
            "_cut_tool_input_at": reply.cut_tool_input_at,
        }


def _sse_events(message: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The event sequence the real API streams for ``message``."""
    usage = dict(message["usage"])
    cut_at = message.pop("_cut_tool_input_at", None)
    last_tool = max(
        (i for i, b in enumerate(message["content"]) if b["type"] == "tool_use"), default=-1
    )
    start_usage = {**usage, "output_tokens": 1}
    yield (
        "message_start",
        {
            "type": "message_start",
            "message": {**message, "content": [], "stop_reason": None, "usage": start_usage},
        },
    )
    yield "ping", {"type": "ping"}
    for index, block in enumerate(message["content"]):
        if block["type"] == "thinking":
            yield (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "thinking", "thinking": "", "signature": ""},
                },
            )
            yield (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "thinking_delta", "thinking": block["thinking"]},
                },
            )
            yield (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "signature_delta", "signature": block["signature"]},
                },
            )
        elif block["type"] == "redacted_thinking":
            yield (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            )
        elif block["type"] == "text":
            yield (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": text("")},
            )
            value = block["text"]
            for start in range(0, max(len(value), 1), 40):
                yield (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "text_delta", "text": value[start : start + 40]},
                    },
                )
        elif block["type"] == "tool_use":
            yield (
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {**block, "input": {}},
                },
            )
            encoded = json.dumps(block["input"])
            if cut_at is not None and index == last_tool:
                encoded = encoded[:cut_at]
            for start in range(0, len(encoded), 30):
                yield (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {
                            "type": "input_json_delta",
                            "partial_json": encoded[start : start + 30],
                        },
                    },
                )
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": usage["output_tokens"]},
        },
    )
    yield "message_stop", {"type": "message_stop"}


class _Handler(BaseHTTPRequestHandler):
    owner: FakeAnthropic
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr access logs
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        if self.path.split("?", 1)[0].rstrip("/").endswith("/v1/messages/count_tokens"):
            body = json.loads(raw or b"{}")
            request = RecordedRequest(self.path, {}, body, "<not recorded>")
            self._send_json(200, {"input_tokens": self.owner.prompt_tokens(request)})
            return
        if not self.path.split("?", 1)[0].rstrip("/").endswith("/v1/messages"):
            self._send_json(404, _error_body("not_found_error", f"no route {self.path}"))
            return
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send_json(400, _error_body("invalid_request_error", "body is not JSON"))
            return
        auth = self.headers.get("authorization", "")
        key = auth.removeprefix("Bearer ").strip() if auth else self.headers.get("x-api-key")
        headers = {k.lower(): v for k, v in self.headers.items()}
        for secret_header in ("authorization", "x-api-key"):
            if secret_header in headers:
                headers[secret_header] = "<redacted>"
        request = RecordedRequest(self.path, headers, body, _redact_key(key))
        if not key:
            self.owner.requests.append(request)
            self._send_json(401, _error_body("authentication_error", "missing API key"))
            return
        self._answer(request, self.owner._next_turn(request))

    def _answer(self, request: RecordedRequest, turn: Turn) -> None:
        if isinstance(turn, Slow):
            if self.owner._stopping.wait(turn.seconds):
                return
            turn = turn.then or Reply([text("slow reply")])
        if isinstance(turn, Fail):
            extra = {"retry-after-ms": str(turn.retry_after_ms)} if turn.retry_after_ms else {}
            self._send_json(turn.status, _error_body(turn.error_type, turn.message), extra)
            return
        if isinstance(turn, BrokenStream):
            message = self.owner.message_for(request, turn.reply)
            self._stream(message, cut_after=turn.after_events)
            return
        message = self.owner.message_for(request, turn)
        if request.streamed:
            self._stream(message)
        else:
            message.pop("_cut_tool_input_at", None)
            self._send_json(200, message)

    def _send_json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("request-id", "req_fake")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _stream(self, message: dict[str, Any], cut_after: int | None = None) -> None:
        try:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.send_header("request-id", "req_fake")
            self.end_headers()
            for count, (event, data) in enumerate(_sse_events(message)):
                if cut_after is not None and count >= cut_after:
                    # drop the connection without the terminating chunk
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                chunk = f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True


def _error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}


def _reply_from_json(item: dict[str, Any]) -> Reply:
    return Reply(list(item["content"]), item.get("stop_reason"))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a scripted fake Messages API.")
    parser.add_argument("--script", required=True, help="JSON file: a list of replies")
    args = parser.parse_args(argv)
    with open(args.script, encoding="utf-8") as handle:
        turns = [_reply_from_json(item) for item in json.load(handle)]
    fake = FakeAnthropic(turns).start()
    print(f"ANTHROPIC_BASE_URL={fake.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
