"""End-to-end fixtures: `delegate serve` in a subprocess, driven by pytest-lsp's client.

Each test gets a fresh copy of a fixture workspace in tmp_path and a server started with
VS Code-like or Neovim-like client capabilities.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Union

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "workspaces"
CLIENTS = ["visual-studio-code", "neovim"]
SERVER = [sys.executable, "-m", "delegate", "serve"]


def make_client() -> LanguageClient:
    """The pytest-lsp client, taught that a code action with a `command` is a CodeAction.

    lsprotocol 2025.0.0 structures ``Union[Command, CodeAction]`` by trying Command first, and
    a CodeAction that carries a ``command`` then loses its kind and diagnostics.
    """
    client = make_test_lsp_client()
    converter = client.protocol._converter

    def structure(obj: Any, _: Any) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(Union[types.Command, types.CodeAction], structure)  # noqa: UP007

    task_changes: list[dict[str, Any]] = []
    client.task_changes = task_changes  # type: ignore[attr-defined]

    @client.feature("delegate/taskChanged")
    def task_changed(params: Any) -> None:
        task_changes.append(params._asdict() if hasattr(params, "_asdict") else dict(params))

    registrations: list[types.Registration] = []
    client.registrations = registrations  # type: ignore[attr-defined]

    # window/showMessageRequest: recorded, answered by ``client.on_message_request`` when a
    # test sets one, else with the action titled ``client.message_answer`` (None: the user
    # closes the message)
    message_requests: list[types.ShowMessageRequestParams] = []
    client.message_requests = message_requests  # type: ignore[attr-defined]
    client.message_answer = None  # type: ignore[attr-defined]
    client.on_message_request = None  # type: ignore[attr-defined]

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def show_message_request(
        params: types.ShowMessageRequestParams,
    ) -> types.MessageActionItem | None:
        message_requests.append(params)
        answer = client.on_message_request  # type: ignore[attr-defined]
        if answer is not None:
            chosen: types.MessageActionItem | None = answer(params)
            return chosen
        wanted = client.message_answer  # type: ignore[attr-defined]
        for action in params.actions or []:
            if action.title == wanted:
                return action
        return None

    lens_refreshes: list[int] = []
    client.lens_refreshes = lens_refreshes  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def code_lens_refresh(params: None) -> None:
        lens_refreshes.append(len(lens_refreshes) + 1)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    return client


def copy_workspace(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target.resolve()


# what the VS Code and Neovim plugins announce (docs/protocol.md, "Client capabilities")
PLUGIN_UI = {"prompt": True, "taskUi": True, "review": True}


def initialize_params(
    client_name: str,
    folders: list[Path],
    options: dict[str, Any] | None = None,
    ui: dict[str, bool] | None = None,
) -> types.InitializeParams:
    """``ui``: the client's ``capabilities.experimental.delegate``; None: a generic client."""
    capabilities = client_capabilities(client_name)
    if ui is not None:
        capabilities.experimental = {"delegate": ui}
    return types.InitializeParams(
        capabilities=capabilities,
        workspace_folders=[
            types.WorkspaceFolder(uri=folder.as_uri(), name=folder.name) for folder in folders
        ],
        root_uri=folders[0].as_uri() if folders else None,
        initialization_options=options,
    )


async def wait_for(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll until ``predicate`` holds (a condition wait, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


def progress_kinds(client: LanguageClient, token: Any) -> list[str]:
    return [getattr(v, "kind", "") for v in client.progress_reports.get(token, [])]


def progress_titled(client: LanguageClient, prefix: str) -> list[Any]:
    """Tokens whose begin report has a title starting with ``prefix``."""
    tokens = []
    for token, values in list(client.progress_reports.items()):
        if values and getattr(values[0], "title", "").startswith(prefix):
            tokens.append(token)
    return tokens


@pytest.fixture
def server_config() -> ClientServerConfig:
    return ClientServerConfig(server_command=SERVER, client_factory=make_client)


@pytest.fixture(params=CLIENTS)
def client_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


StartServer = Callable[..., Any]


@pytest.fixture
async def start_server(client_name: str) -> Any:
    """``await start_server([folders], options=..., configuration=...)`` → initialized client.

    ``configuration`` is the global ``workspace/configuration`` answer; ``scoped`` maps a
    scopeUri (a folder's uri) to that folder's own answer; ``ui`` makes the client one
    with its own Delegate UI (``PLUGIN_UI``), else it is a generic LSP client.
    """
    clients: list[LanguageClient] = []

    async def start(
        folders: list[Path],
        options: dict[str, Any] | None = None,
        configuration: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
        scoped: dict[str, dict[str, Any]] | None = None,
        ui: dict[str, bool] | None = None,
    ) -> LanguageClient:
        config = ClientServerConfig(
            server_command=SERVER, client_factory=make_client, server_env=env
        )
        client: LanguageClient = await config.start()  # type: ignore[assignment]
        clients.append(client)
        if configuration is not None:
            client.set_configuration(configuration)
        for scope_uri, item in (scoped or {}).items():
            client.set_configuration(item, scope_uri=scope_uri)
        await client.initialize_session(initialize_params(client_name, folders, options, ui))
        return client

    yield start
    for client in clients:
        try:
            await asyncio.wait_for(client.shutdown_session(), 20)
        except Exception:
            pass
        await client.stop()


def index_runs_ended(client: LanguageClient, folder: Path) -> int:
    """How many of ``folder``'s indexing progress bars have ended."""
    tokens = progress_titled(client, f"Delegate: indexing {folder.name}")
    return sum(getattr(client.progress_reports[t][-1], "kind", "") == "end" for t in tokens)


def index_ended(client: LanguageClient, folder: Path) -> bool:
    return index_runs_ended(client, folder) > 0
