"""A code action on a document far over the index size limit answers without parsing it,
and the server goes on answering other requests meanwhile.

Before, tree-sitter parsed the whole 50 MB buffer inside the request: about 80 s with no
answer to anything (``delegate.status`` included) and gigabytes of memory.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.helpers import code_actions, command, span

FUNCTION = "def f{n}(x):\n    return x + {n}\n\n\n"


def huge_python(size: int) -> str:
    parts: list[str] = []
    total = n = 0
    while total < size:
        part = FUNCTION.format(n=n)
        parts.append(part)
        total += len(part)
        n += 1
    return "".join(parts)


async def test_code_action_on_a_50_mb_document(client: LanguageClient, workspace: Path) -> None:
    path = workspace / "huge.py"
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=huge_python(50 * 1024 * 1024)
            )
        )
    )
    asked = asyncio.ensure_future(code_actions(client, uri, span(1000, 4)))
    status = await asyncio.wait_for(command(client, "delegate.status"), 60)
    assert status["folders"][0]["folder"] == workspace.as_uri()
    actions = await asyncio.wait_for(asked, 60)
    titles = [a.title for a in actions]
    # no "Generate tests for f…": the document was not parsed, yet the request is answered
    # (a generic client gets no "Delegate task…": it cannot ask for the text)
    assert titles == [], titles
    # and the server says why, in one line
    skipped = [m.message for m in client.log_messages if "not parsed" in m.message]
    assert len(skipped) == 1 and "huge.py" in skipped[0], skipped
    # a normal document still gets its parse-based action
    small = workspace / "small.py"
    small.write_text("def g(y):\n    return y\n")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=small.as_uri(), language_id="python", version=1, text=small.read_text()
            )
        )
    )
    titles = [a.title for a in await code_actions(client, small.as_uri(), span(1, 4))]
    assert "Generate tests for `g`" in titles, titles
