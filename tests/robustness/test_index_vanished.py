"""The index deleted or corrupted while the server runs: searches say so or still answer,
the server keeps serving, and the index rebuilds itself on `delegate.reindex`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pytest_lsp import LanguageClient

from tests.lsp.conftest import index_runs_ended, wait_for
from tests.lsp.helpers import command, request


@pytest.mark.parametrize("damage", ["deleted", "corrupted"])
async def test_the_index_comes_back(client: LanguageClient, workspace: Path, damage: str) -> None:
    await wait_for(lambda: index_runs_ended(client, workspace) >= 1, 120)
    found = await request(client, "delegate/search", {"query": "area of a shape", "limit": 3})
    assert found["hits"], found
    index_dir = workspace / ".delegate" / "index"
    if damage == "deleted":
        shutil.rmtree(index_dir)
    else:
        for path in index_dir.rglob("*"):
            if path.is_file() and path.stat().st_size > 0:
                path.write_bytes(b"\0garbage" * 8)
    try:
        await request(client, "delegate/search", {"query": "area", "limit": 3})
    except Exception as exc:  # an error response is fine; silence or a crash is not
        assert "index" in str(exc).lower() or str(exc), exc
    status = await command(client, "delegate.status")
    assert status["folders"], status
    await command(client, "delegate.reindex")
    await wait_for(lambda: index_runs_ended(client, workspace) >= 2, 120)
    found = await request(client, "delegate/search", {"query": "area of a shape", "limit": 3})
    assert found["hits"], found
