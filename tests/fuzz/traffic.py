"""Hypothesis strategies for hostile LSP traffic: what an attacker, a buggy client or a
corrupted pipe could send a language server.

- requests and notifications of the methods Delegate serves, with parameters built from
  a valid shape and then mutated (a subtree replaced by any JSON value, a key dropped);
- positions and ranges out of range (negative, past the end, huge);
- URIs of every kind: other schemes, relative, ``..``, NUL bytes, non-ASCII, empty;
- documents that are huge, binary-looking (control characters, lone surrogates) or empty;
- frames that are broken: bad or missing ``Content-Length``, garbage bytes, bodies that are
  not JSON or not JSON-RPC.

Nothing here starts a model call or ends the session (no ``shutdown``/``exit``).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
ANY_JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

URIS = st.one_of(
    st.sampled_from(
        [
            "",
            "file://",
            "file:///",
            "file:///etc/passwd",
            "file:///../../../../etc/shadow",
            "file:///tmp/%00nul.py",
            "file:///tmp/caf%C3%A9%20x.py",
            "file:///tmp/%ZZ.py",
            "untitled:Untitled-1",
            "http://127.0.0.1:1/x.py",
            "vscode-notebook-cell:/x.ipynb#W0sZmlsZQ",
            "relative/path.py",
            "file:" + "/a" * 2000,
        ]
    ),
    st.builds(lambda s: "file:///tmp/fuzz/" + s, st.text(max_size=40)),
    st.text(max_size=60),
)

NUMBER = st.one_of(
    st.integers(min_value=0, max_value=50),
    st.integers(min_value=-(2**31), max_value=2**31),
    st.just(2**53),
)
POSITION = st.fixed_dictionaries({"line": NUMBER, "character": NUMBER})
RANGE = st.fixed_dictionaries({"start": POSITION, "end": POSITION})

DOCUMENT_TEXT = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=200),  # control characters
    st.just("\ud800 lone surrogate \udfff"),
    st.builds(lambda n: "def f():\n    pass\n" * n, st.integers(min_value=1000, max_value=60_000)),
    st.builds(lambda n: "x" * n, st.integers(min_value=100_000, max_value=3_000_000)),
    st.just("# delegate: " + "a" * 5000 + "\n"),
    st.just("/* delegate: never closed\n" * 200),
)

COMMANDS = [
    "delegate.status",
    "delegate.tasks",
    "delegate.cancel",
    "delegate.reindex",
    "delegate.acceptHunk",
    "delegate.rejectHunk",
    "delegate.acceptFile",
    "delegate.rejectFile",
    "delegate.acceptAll",
    "delegate.rejectAll",
    "no.such.command",
]


def _shapes(uri: str, text: str, rng: dict[str, Any]) -> dict[str, tuple[bool, Any]]:
    """method -> (is a request, valid-looking params)."""
    doc = {"uri": uri}
    return {
        "textDocument/didOpen": (
            False,
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        ),
        "textDocument/didChange": (
            False,
            {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"range": rng, "text": text[:500]}, {"text": text}],
            },
        ),
        "textDocument/didSave": (False, {"textDocument": doc}),
        "textDocument/didClose": (False, {"textDocument": doc}),
        "textDocument/codeAction": (
            True,
            {"textDocument": doc, "range": rng, "context": {"diagnostics": []}},
        ),
        "textDocument/codeLens": (True, {"textDocument": doc}),
        "textDocument/hover": (True, {"textDocument": doc, "position": rng["start"]}),
        "workspace/executeCommand": (True, {"command": "delegate.status", "arguments": [doc]}),
        "workspace/didChangeConfiguration": (False, {"settings": {"delegate": {}}}),
        "workspace/didChangeWatchedFiles": (False, {"changes": [{"uri": uri, "type": 2}]}),
        "delegate/tasks": (True, {}),
        "delegate/proposal": (True, {"taskId": "20200101-000000-abcdef"}),
        "delegate/proposals": (True, {}),
        "delegate/search": (True, {"query": text[:50], "limit": 5}),
        "$/cancelRequest": (False, {"id": 1}),
        "$/setTrace": (False, {"value": "verbose"}),
        "no/such/method": (True, {}),
    }


@st.composite
def mutated(draw: st.DrawFn, value: Any) -> Any:
    """``value`` with, sometimes, one subtree replaced or one key dropped."""
    choice = draw(st.integers(min_value=0, max_value=3))
    if choice == 0 or not isinstance(value, dict | list) or not value:
        return value if choice else draw(ANY_JSON)
    if isinstance(value, dict):
        key = draw(st.sampled_from(sorted(value)))
        copy = dict(value)
        if choice == 1:
            del copy[key]
        else:
            copy[key] = draw(mutated(value[key]))
        return copy
    index = draw(st.integers(min_value=0, max_value=len(value) - 1))
    items = list(value)
    items[index] = draw(mutated(items[index]) if choice == 2 else ANY_JSON)
    return items


@st.composite
def lsp_message(draw: st.DrawFn) -> dict[str, Any]:
    """One JSON-RPC message of a served method, its parameters possibly mutated. A
    request carries ``"id": None`` for the sender to number."""
    uri = draw(URIS)
    text = draw(DOCUMENT_TEXT)
    shapes = _shapes(uri, text, draw(RANGE))
    method = draw(st.sampled_from(sorted(shapes)))
    is_request, params = shapes[method]
    if method == "workspace/executeCommand":
        params = {"command": draw(st.sampled_from(COMMANDS)), "arguments": [draw(ANY_JSON)]}
    if draw(st.booleans()):
        params = draw(mutated(params))
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
    if is_request:
        message["id"] = None
    return message


def encode(message: Any) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


BROKEN_FRAMES = st.one_of(
    st.binary(max_size=300),
    st.builds(lambda n, b: b"Content-Length: %d\r\n\r\n" % n + b, NUMBER, st.binary(max_size=80)),
    st.builds(lambda s: b"Content-Length: " + s + b"\r\n\r\n{}", st.binary(max_size=12)),
    st.builds(lambda b: b"\r\n\r\n" + b, st.binary(max_size=60)),
    st.builds(encode, ANY_JSON),  # a body that is JSON but no JSON-RPC message
    st.builds(lambda t: encode(t)[:-3], st.text(max_size=40)),  # a cut body
    st.just(b"Content-Length: 5\r\nContent-Length: 7\r\n\r\n{}{}{}{}"),
)
