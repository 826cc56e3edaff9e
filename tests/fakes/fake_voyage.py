"""A real HTTP server on 127.0.0.1 that speaks Voyage's ``/v1/embeddings``, for tests.

It records every request (path, headers, JSON body) so tests can check the request shape,
and answers with deterministic vectors derived from each input's text — shuffled in
``data`` order, as a real API may, so the client must sort by ``index``.
"""

from __future__ import annotations

import json
import threading
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeVoyage:
    dim: int = 1024
    requests: list[RecordedRequest] = field(default_factory=list)
    status: int = 200
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def vector_for(self, text: str) -> list[float]:
        seed = zlib.crc32(text.encode())
        return [((seed >> (i % 24)) & 7) - 3.5 + i * 1e-3 for i in range(self.dim)]

    def start(self) -> FakeVoyage:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(RecordedRequest(self.path, dict(self.headers), body))
                if fake.status != 200 or self.path != "/v1/embeddings":
                    payload: dict[str, Any] = {"detail": "nope"}
                    code = fake.status if fake.status != 200 else 404
                else:
                    items = [
                        {"object": "embedding", "embedding": fake.vector_for(t), "index": i}
                        for i, t in enumerate(body["input"])
                    ]
                    payload = {
                        "object": "list",
                        "data": list(reversed(items)),
                        "model": body["model"],
                        "usage": {"total_tokens": sum(len(t) // 4 for t in body["input"])},
                    }
                    code = 200
                raw = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
