"""Reading JSON-RPC frames from a byte stream, and finding the next one after a bad one.

pygls' reader trusts every ``Content-Length``: one that is too small, not a number or
missing leaves it reading the rest of a body as headers, and since bodies hold no line
breaks it never sees a header line of its own again — the server stays alive and never
answers. This reader resynchronises instead:

- a header line is found anywhere at the end of a line, so the bytes a short
  ``Content-Length`` left unread (or a body sent without a header) are skipped as
  garbage and the message after them is read normally;
- a ``Content-Length`` that is not a number, a header block without one, a header line
  past :data:`MAX_HEADER_LINE` bytes and a length past :data:`MAX_BODY_BYTES` are
  reported and skipped;
- a ``Content-Length`` that is too large makes the read wait for bytes that may never
  come: when the stream has been quiet for :data:`STALL_SECONDS` and what arrived holds
  another header, the frame is reported as cut short and reading goes on from that header.

Each problem comes out as a :class:`FramingError` with a one-line reason; the caller logs
it and goes on. Reads are blocking ``os.read`` calls on the file descriptor, so this runs
on a thread of its own, never on the event loop.
"""

from __future__ import annotations

import os
import re
import select
from collections.abc import Iterator
from dataclasses import dataclass

MAX_HEADER_LINE = 8192
MAX_BODY_BYTES = 512 * 1024 * 1024
STALL_SECONDS = 2.0
_CHUNK = 1 << 16
_CONTENT_LENGTH = re.compile(rb"content-length:[ \t]*([^\r\n]*?)[ \t]*\r?\n\Z", re.IGNORECASE)
_OTHER_HEADER = re.compile(rb"\A[A-Za-z][A-Za-z0-9-]*:[^\r\n]*\r?\n\Z")


@dataclass(frozen=True)
class Frame:
    body: bytes


@dataclass(frozen=True)
class FramingError:
    reason: str


class _Input:
    """A byte buffer over a file descriptor, read as bytes arrive."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.eof = False

    def fill(self, timeout: float | None = None) -> bool:
        """Read what is there (waiting at most ``timeout``); False when nothing came."""
        if self.eof:
            return False
        if timeout is not None:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return False
        try:
            data = os.read(self.fd, _CHUNK)
        except OSError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buffer += data
        return True

    def readline(self) -> bytes | None:
        """One line with its newline; at most ``MAX_HEADER_LINE`` bytes (a longer one is
        returned cut); what is left at the end of the stream; None at its end."""
        while True:
            newline = self.buffer.find(b"\n", 0, MAX_HEADER_LINE)
            if newline >= 0:
                return self._take(newline + 1)
            if len(self.buffer) >= MAX_HEADER_LINE:
                return self._take(MAX_HEADER_LINE)
            if not self.fill():
                return self._take(len(self.buffer)) if self.buffer else None

    def read_body(self, length: int) -> bytes | int | None:
        """``length`` bytes; None at the end of the stream; or, when the stream stalls
        with another header in the bytes read so far, that header's offset."""
        while len(self.buffer) < length:
            if self.fill(STALL_SECONDS):
                continue
            if self.eof:
                return None
            header = self.buffer.find(b"Content-Length:")
            if header >= 0:
                return header
        return self._take(length)

    def _take(self, count: int) -> bytes:
        taken = bytes(self.buffer[:count])
        del self.buffer[:count]
        return taken


def read_frames(fd: int) -> Iterator[Frame | FramingError]:
    """Every frame of the stream on ``fd`` and every framing problem, in order, until
    the stream ends."""
    stream = _Input(fd)
    length: int | None = None
    bad_block = False  # this header block already had a problem
    while True:
        line = stream.readline()
        if line is None:
            return
        if not line.strip():
            if length is None:
                if not bad_block:
                    yield FramingError("a header block without Content-Length: skipped")
                bad_block = False
                continue
            body = stream.read_body(length)
            if body is None:
                yield FramingError(f"the stream ended inside a body of {length} bytes")
                return
            if isinstance(body, int):
                yield FramingError(
                    f"Content-Length {length} is more than was sent: cut at the next header"
                )
                del stream.buffer[:body]
            else:
                yield Frame(body)
            length, bad_block = None, False
            continue
        found = _CONTENT_LENGTH.search(line)
        if found is None:
            if not _OTHER_HEADER.match(line) and not bad_block:
                shown = line[:40].decode("utf-8", "replace").rstrip()
                yield FramingError(f"not a header line, skipped until the next header: {shown!r}")
                bad_block = True
            continue
        if found.start() > 0:
            yield FramingError(
                f"{found.start()} bytes that belong to no frame, skipped before a header"
            )
        value = found.group(1)
        bad_block = False
        if not value.isdigit():
            shown = value[:20].decode("utf-8", "replace")
            yield FramingError(f"Content-Length is not a number: {shown!r}")
            length, bad_block = None, True
        elif int(value) > MAX_BODY_BYTES:
            yield FramingError(f"Content-Length {int(value)} is over {MAX_BODY_BYTES} bytes")
            length, bad_block = None, True
        else:
            length = int(value)
