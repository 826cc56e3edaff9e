"""`delegate serve` end to end, as VS Code-like and Neovim-like clients see it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psutil
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    copy_workspace,
    index_ended,
    index_runs_ended,
    progress_titled,
    wait_for,
)
from tests.lsp.helpers import code_actions, command, open_file, request, span

pytestmark = pytest.mark.slow


def changes_of(client: LanguageClient, task_id: str) -> list[dict[str, Any]]:
    return [c for c in client.task_changes if c["taskId"] == task_id]  # type: ignore[attr-defined]


async def test_initialize_then_first_index_reports_progress_to_the_end(
    start_server: Any, tmp_path: Path
) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    client = await start_server([folder])
    assert client.capabilities is not None
    await wait_for(lambda: index_ended(client, folder))

    (token,) = progress_titled(client, "Delegate: indexing pyproj")
    reports = client.progress_reports[token]
    assert reports[0].kind == "begin" and reports[0].cancellable
    middle = [r for r in reports if r.kind == "report"]
    assert middle and middle[-1].message == "3/3 files" and middle[-1].percentage == 100
    assert reports[-1].kind == "end"
    assert reports[-1].message.startswith("Indexed 3 files, ")
    status = await command(client, "delegate.status")
    assert status["folders"][0]["files"] == 3 and status["apiKeyPresent"] is False

    # file watchers are registered only with clients that allow dynamic registration
    caps = client.capabilities.workspace.did_change_watched_files  # type: ignore[union-attr]
    registered = [r.method for r in client.registrations]  # type: ignore[attr-defined]
    expected = ["workspace/didChangeWatchedFiles"] if caps and caps.dynamic_registration else []
    assert registered == expected


async def test_reindex_rebuilds_and_a_second_server_opens_the_index_read_only(
    start_server: Any, tmp_path: Path
) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    client = await start_server([folder])
    await wait_for(lambda: index_ended(client, folder))
    assert await command(client, "delegate.reindex") == {"folders": [folder.as_uri()]}
    await wait_for(lambda: len(progress_titled(client, "Delegate: indexing")) == 2)
    await wait_for(
        lambda: all(
            client.progress_reports[t][-1].kind == "end"
            for t in progress_titled(client, "Delegate: indexing")
        )
    )
    ends = [
        client.progress_reports[t][-1].message
        for t in progress_titled(client, "Delegate: indexing")
    ]
    assert all(m.startswith("Indexed 3 files") for m in ends)

    other = await start_server([folder])
    await wait_for(lambda: any("read-only" in m.message for m in other.messages))
    status = await command(other, "delegate.status")
    assert status["folders"][0]["readOnly"] is True
    found = await request(other, "delegate/search", {"query": "circle_area"})
    assert found["hits"][0]["path"] == "src/shapes.py"


async def test_code_actions_for_ranges_comments_functions_and_diagnostics(
    start_server: Any, tmp_path: Path
) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    client = await start_server([folder])
    uri = open_file(client, folder / "src" / "fetch.py")

    # a generic client cannot ask for the text of "Delegate task…" (test_notices_e2e.py)
    assert await code_actions(client, uri, span(2)) == []  # the import line

    on_comment = await code_actions(client, uri, span(6, 10))
    trigger = on_comment[0]
    assert trigger.title == "Delegate: add retries to fetch()"
    argument = trigger.command.arguments[0]  # type: ignore[union-attr,index]
    assert argument["text"] == "add retries to fetch()"
    assert argument["trigger"] == {
        "start": {"line": 6, "character": 4},
        "end": {"line": 6, "character": 38},
    }

    in_method = await code_actions(client, uri, span(17, 8))  # inside Cache.get
    tests_action = [a for a in in_method if a.title.startswith("Generate tests for")]
    assert [a.title for a in tests_action] == ["Generate tests for `Cache.get`"]
    assert tests_action[0].command.command == "delegate.generateTests"  # type: ignore[union-attr]

    diagnostic = types.Diagnostic(
        range=span(7, 8, end=30), message="Name 'urlopen' may hang\nmore detail", source="lint"
    )
    with_diagnostic = await code_actions(client, uri, span(7, 8), [diagnostic])
    fixes = [a for a in with_diagnostic if a.kind == types.CodeActionKind.QuickFix]
    assert [a.title for a in fixes] == ["Fix with Delegate: Name 'urlopen' may hang"]
    assert list(fixes[0].diagnostics or []) == [diagnostic]


async def test_commands_return_task_ids_and_tasks_fail_clearly_without_a_key(
    start_server: Any, tmp_path: Path
) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    client = await start_server([folder])
    uri = open_file(client, folder / "src" / "shapes.py")
    argument = {
        "uri": uri,
        "range": {"start": {"line": 5, "character": 0}, "end": {"line": 6, "character": 0}},
    }

    started = await command(client, "delegate.task", {**argument, "text": "use math.pow"})
    task_id = started["taskId"]
    tests = await command(client, "delegate.generateTests", argument)
    assert tests["taskId"] != task_id

    await wait_for(lambda: any(c["state"] == "failed" for c in changes_of(client, task_id)))
    final = changes_of(client, task_id)[-1]
    assert "API key" in final["message"] or "agent" in final["message"]
    listed = await request(client, "delegate/tasks", {})
    by_id = {t["taskId"]: t for t in listed["tasks"]}
    assert by_id[task_id]["instruction"] == "use math.pow"
    assert by_id[tests["taskId"]]["instruction"] == "Generate tests for `circle_area`"
    assert {t["taskId"] for t in await command(client, "delegate.tasks")} == set(by_id)
    saved = json.loads((folder / ".delegate" / "tasks" / f"{task_id}.json").read_text())
    assert saved["state"] == "failed"

    with pytest.raises(Exception, match="task text required"):
        await command(client, "delegate.task", argument)
    assert (await command(client, "delegate.cancel", {"taskId": task_id}))["cancelled"] is False


async def test_settings_changes_and_invalid_values_are_reported(
    start_server: Any, tmp_path: Path
) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    client = await start_server(
        [folder], configuration={"delegate": {"budget": {"maxToolCalls": "lots"}}}
    )
    await wait_for(lambda: bool(client.messages))
    warning = client.messages[0]
    assert warning.type == types.MessageType.Warning
    assert "budget.max_tool_calls" in warning.message and "'lots'" in warning.message

    client.set_configuration(
        {"delegate": {"budget": {"maxConcurrentTasks": 7}, "autonomy": "yolo"}}, scope_uri=""
    )
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(lambda: any("autonomy" in m.message for m in client.messages))
    assert any("'yolo'" in m.message for m in client.messages)
    status = await command(client, "delegate.status")
    assert status["maxConcurrentTasks"] == 7


async def test_a_new_index_location_or_embedder_takes_effect_without_a_restart(
    start_server: Any, tmp_path: Path
) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    client = await start_server([folder])
    await wait_for(lambda: index_ended(client, folder))
    elsewhere = tmp_path / "elsewhere"
    client.set_configuration({"delegate": {"index": {"uri": str(elsewhere)}}}, scope_uri="")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for(lambda: index_runs_ended(client, folder) == 2)
    assert (elsewhere / "chunks.lance").is_dir()  # the folder was indexed again, there
    found = await request(client, "delegate/search", {"query": "circle area"})
    assert found["hits"]
    status = await command(client, "delegate.status")
    assert str(elsewhere) in json.dumps(status)

    # a setting that does not change the index's identity does not reopen it
    client.set_configuration(
        {"delegate": {"index": {"uri": str(elsewhere), "maxFileBytes": 500_000}}}, scope_uri=""
    )
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await command(client, "delegate.status")  # the change has been handled
    assert index_runs_ended(client, folder) == 2


async def test_workspace_folders_are_added_indexed_searched_and_removed(
    start_server: Any, tmp_path: Path
) -> None:
    first = copy_workspace("pyproj", tmp_path)
    second = copy_workspace("second", tmp_path)
    client = await start_server([first])
    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=second.as_uri(), name="second")], removed=[]
            )
        )
    )
    await wait_for(lambda: index_ended(client, second))
    found = await request(
        client, "delegate/search", {"query": "greeting", "folder": second.as_uri()}
    )
    assert found["hits"] and all(h["path"] == "main.go" for h in found["hits"])

    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[], removed=[types.WorkspaceFolder(uri=second.as_uri(), name="second")]
            )
        )
    )

    async def folders() -> list[str]:
        return [f["folder"] for f in (await command(client, "delegate.status"))["folders"]]

    remaining: list[str] = []

    async def refresh() -> None:
        remaining[:] = await folders()

    for _ in range(100):
        await refresh()
        if remaining == [first.as_uri()]:
            break
    assert remaining == [first.as_uri()]
    with pytest.raises(Exception, match="unknown workspace folder"):
        await request(client, "delegate/search", {"query": "greeting", "folder": second.as_uri()})


async def test_api_key_is_used_but_never_logged(start_server: Any, tmp_path: Path) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    client = await start_server([folder])
    secret = "sk-ant-api03-testsecret-0123456789"
    client.protocol.notify("delegate/setApiKey", {"key": secret})
    await wait_for(lambda: any("API key set" in m.message for m in client.log_messages))
    assert (await command(client, "delegate.status"))["apiKeyPresent"] is True
    log_file = folder / ".delegate" / "logs" / "server.log"
    await wait_for(log_file.exists)
    assert secret not in log_file.read_text()
    assert all(secret not in m.message for m in client.log_messages)


async def test_shutdown_and_exit_leave_no_process_behind(start_server: Any, tmp_path: Path) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    client = await start_server([folder])
    await wait_for(lambda: index_ended(client, folder))
    server = psutil.Process(client._server.pid)  # type: ignore[union-attr]
    family = [server, *server.children(recursive=True)]

    await client.shutdown_session()
    assert client._server.returncode == 0  # type: ignore[union-attr]
    _gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == []
