"""``read_frames`` on a pipe, case by case: what comes out of each kind of broken input."""

from __future__ import annotations

import os
import threading

import pytest

from delegate.lsp.framing import MAX_HEADER_LINE, Frame, FramingError, read_frames


def frames_of(data: bytes) -> list[Frame | FramingError]:
    read_end, write_end = os.pipe()

    def feed() -> None:
        os.write(write_end, data)  # a writer thread: the pipe buffer may be smaller
        os.close(write_end)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        return list(read_frames(read_end))
    finally:
        writer.join()
        os.close(read_end)


def ok(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (ok(b"{}") + ok(b"[1]"), [Frame(b"{}"), Frame(b"[1]")]),
        (b"Content-Length: 2\nContent-Type: x\n\n{}", [Frame(b"{}")]),  # bare \n is taken
        (b"content-length:2\r\n\r\n{}", [Frame(b"{}")]),
        # too small: the rest of the body is garbage before the next header
        (
            b'Content-Length: 3\r\n\r\n{"a": 1}' + ok(b"{}"),
            [Frame(b'{"a'), "bytes that belong to no frame", Frame(b"{}")],
        ),
        (b"Content-Length: ten\r\n\r\n{}" + ok(b"{}"), ["not a number", "no frame", Frame(b"{}")]),
        (b"\r\n{}" + ok(b"{}"), ["without Content-Length", "no frame", Frame(b"{}")]),
        (b"X" * (MAX_HEADER_LINE + 10) + b"\r\n" + ok(b"{}"), ["not a header", Frame(b"{}")]),
        (b"Content-Length: 999999999999\r\n\r\n" + ok(b"{}"), ["is over", Frame(b"{}")]),
        (b"Content-Length: 10\r\n\r\n{}", ["ended inside a body"]),
        (b"", []),
    ],
    ids=[
        "two frames",
        "newline only",
        "lower case",
        "length too small",
        "length not a number",
        "length missing",
        "header line too long",
        "length over the bound",
        "cut at the end",
        "nothing",
    ],
)
def test_frames(data: bytes, expected: list[Frame | str]) -> None:
    got = frames_of(data)
    assert len(got) == len(expected), got
    for item, want in zip(got, expected, strict=True):
        if isinstance(want, Frame):
            assert item == want
        else:
            assert isinstance(item, FramingError) and want in item.reason, item
