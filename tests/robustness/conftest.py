"""Fixtures for the robustness tests: `delegate serve` as a real subprocess through
pytest-lsp (one client kind: these tests are about the server, not the client)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.lsp.conftest import SERVER, copy_workspace, initialize_params, make_client


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return copy_workspace("pyproj", tmp_path)


@pytest.fixture
async def client(workspace: Path) -> AsyncIterator[LanguageClient]:
    """An initialized client of a server on a copy of the ``pyproj`` workspace."""
    config = ClientServerConfig(server_command=SERVER, client_factory=make_client)
    started: Any = await config.start()
    lsp_client: LanguageClient = started
    await lsp_client.initialize_session(initialize_params("visual-studio-code", [workspace]))
    yield lsp_client
    try:
        await asyncio.wait_for(lsp_client.shutdown_session(), 20)
    except Exception:
        pass
    await lsp_client.stop()
