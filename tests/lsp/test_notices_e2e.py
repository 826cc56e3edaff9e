"""Any LSP editor: a task's outcome is never silent, and every change can be seen first.

Over Neovim-like and VS Code-like capabilities, as a generic client (no Delegate plugin)
and as a client that announces its own UI (``capabilities.experimental.delegate``):
a failed task says why in ``window/showMessage`` (generic) and in the final
``delegate/taskChanged`` (``errorKind``, everyone); a ready proposal is offered with
``window/showMessageRequest`` and its first file opened with ``window/showDocument``; a
created file's content is shown before it is accepted, and creating it over the user's
empty, unmodified buffer is no conflict; Delegate's own diagnostics offer no "Fix with
Delegate" and a ``delegate:`` comment whose proposal is pending offers no second task;
every decision is followed by fresh diagnostics (and a code lens refresh where supported).
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.fakes.fake_anthropic import Fail, FakeAnthropic, Reply, text, tool_use
from tests.lsp.conftest import PLUGIN_UI, copy_workspace, wait_for
from tests.lsp.helpers import (
    Editor,
    code_actions,
    command,
    negotiated,
    open_file,
    span,
    start_from_trigger,
    to_plain,
    types_path,
    write_one_slot_config,
)

pytestmark = pytest.mark.slow

KEY = "sk-ant-api03-NOTICES-E2E-DISTINCT-KEY-7f1c"
FIXTURE_REPOS = Path(__file__).resolve().parents[1] / "fixtures" / "repos"
TRIGGER = "# delegate: write a note about clamp\n"
NOTE = "clamp: see calc.py\nIt keeps a value between two bounds.\n"


def changes_of(client: LanguageClient, task_id: str) -> list[dict[str, Any]]:
    changes = to_plain(client.task_changes)  # type: ignore[attr-defined]
    return [c for c in changes if c["taskId"] == task_id]


def final_change(client: LanguageClient, task_id: str) -> dict[str, Any] | None:
    ended = [c for c in changes_of(client, task_id) if c["state"] in ("succeeded", "failed")]
    return ended[0] if ended else None


def errors(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.type == types.MessageType.Error]


async def start_without_key(start_server: Any, tmp_path: Path, **kwargs: Any) -> Any:
    folder = copy_workspace("pyproj", tmp_path)
    (folder / ".delegate").mkdir()
    (folder / ".delegate" / "config.toml").write_text("[index]\non_start = false\n")
    no_key = {**os.environ, "ANTHROPIC_API_KEY": ""}  # (a given env replaces the whole one)
    client = await start_server([folder], env=no_key, **kwargs)
    await wait_for(lambda: any("Delegate ready" in m.message for m in client.log_messages))
    uri = open_file(client, folder / "src" / "shapes.py")
    started = await command(
        client, "delegate.task", {"uri": uri, "range": span(5), "text": "use math.pow"}
    )
    return folder, client, str(started["taskId"])


async def test_a_failed_task_says_why_and_how_to_fix_it_in_a_message(
    start_server: Any, tmp_path: Path
) -> None:
    folder, client, task_id = await start_without_key(start_server, tmp_path)
    await wait_for(lambda: final_change(client, task_id) is not None)
    final = final_change(client, task_id)
    assert final is not None and final["state"] == "failed"
    assert final["errorKind"] == "no_api_key"
    assert "set ANTHROPIC_API_KEY or send delegate/setApiKey" in final["message"]
    await wait_for(lambda: bool(errors(client)))
    (shown,) = errors(client)
    assert shown.startswith("Delegate: task failed: No API key")
    assert "ANTHROPIC_API_KEY" in shown
    # the expected failure is one line in the log, not a traceback
    log = (folder / ".delegate" / "logs" / "server.log").read_text()
    assert f"task {task_id} failed (no_api_key)" in log
    assert "Traceback" not in log


async def test_a_client_with_its_own_task_ui_gets_the_kind_and_no_pop_up(
    start_server: Any, tmp_path: Path
) -> None:
    _, client, task_id = await start_without_key(start_server, tmp_path, ui=PLUGIN_UI)
    await wait_for(lambda: final_change(client, task_id) is not None)
    final = final_change(client, task_id)
    assert final is not None and final["errorKind"] == "no_api_key"
    # the final notification is the only one in a finished state: nothing comes after it
    finished = [c for c in changes_of(client, task_id) if c["state"] == "failed"]
    assert len(finished) == 1
    await command(client, "delegate.status")  # a round trip: any pop-up would be here by now
    assert errors(client) == []
    assert client.message_requests == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("client_name", ["neovim"])
async def test_an_unreachable_model_is_named_with_its_fix(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    folder = (tmp_path / "calc").resolve()
    shutil.copytree(FIXTURE_REPOS / "calc", folder)
    with FakeAnthropic(policy=lambda request: Fail(status=529)) as fake:
        write_one_slot_config(folder, fake.base_url)
        client = await start_server([folder])
        client.protocol.notify("delegate/setApiKey", {"key": KEY})
        uri = open_file(client, folder / "calc.py")
        started = await command(
            client, "delegate.task", {"uri": uri, "range": span(0), "text": "add a docstring"}
        )
        task_id = str(started["taskId"])
        await wait_for(lambda: final_change(client, task_id) is not None, timeout=90)
    final = final_change(client, task_id)
    assert final is not None and final["errorKind"] == "model_unreachable"
    assert "check the network and api.base_url" in final["message"]
    await wait_for(lambda: bool(errors(client)))
    assert "Anthropic API unavailable" in errors(client)[0]


async def test_delegate_task_is_offered_only_to_clients_that_can_ask_for_its_text(
    start_server: Any, tmp_path: Path
) -> None:
    folder = copy_workspace("pyproj", tmp_path)
    generic = await start_server([folder])
    uri = open_file(generic, folder / "src" / "fetch.py")
    assert [a.title for a in await code_actions(generic, uri, span(2))] == []
    with pytest.raises(Exception, match="delegate: add retries"):  # the way it can
        await command(generic, "delegate.task", {"uri": uri, "range": span(2)})
    prompt_note = "does not announce a text prompt"
    await wait_for(lambda: any(prompt_note in m.message for m in generic.log_messages))

    with_prompt = await start_server([folder], ui=PLUGIN_UI)
    uri = open_file(with_prompt, folder / "src" / "fetch.py")
    (offered,) = await code_actions(with_prompt, uri, span(2))
    assert offered.title == "Delegate task…" and offered.command is not None
    assert "text" not in offered.command.arguments[0]  # type: ignore[index]  # the client asks


def scripted_note() -> list[Reply]:
    """The agent creates NOTES.md (the proposal also removes the fulfilled comment)."""
    create = {"command": "create", "path": "NOTES.md", "file_text": NOTE}
    return [
        Reply([text("Plan: write the note")]),
        Reply([tool_use("str_replace_based_edit_tool", create)]),
        Reply([tool_use("finish", {"summary": "a note about clamp"})]),
        Reply([text('{"approved": true, "notes": []}')]),
    ]


async def run_note_task(
    start_server: Any, client_name: str, tmp_path: Path, answer: str | None, **kwargs: Any
) -> tuple[Path, LanguageClient, Editor, str, str]:
    """A task from the ``delegate:`` comment in calc.py, run to its proposal; the user
    will answer a "Proposal ready" question with ``answer``."""
    folder = (tmp_path / "calc").resolve()
    shutil.copytree(FIXTURE_REPOS / "calc", folder)
    calc = folder / "calc.py"
    calc.write_text(calc.read_text().replace("\n\ndef clamp", "\n\n" + TRIGGER + "def clamp"))
    with FakeAnthropic(scripted_note()) as fake:
        write_one_slot_config(folder, fake.base_url)
        client = await start_server([folder], **kwargs)
        client.message_answer = answer  # type: ignore[attr-defined]
        client.protocol.notify("delegate/setApiKey", {"key": KEY})
        editor = Editor(client, negotiated(client_name, client))
        uri = editor.open(calc)
        task_id = await start_from_trigger(
            client, editor, uri, TRIGGER, "Delegate: write a note about clamp"
        )
        await wait_for(lambda: final_change(client, task_id) is not None, timeout=120)
    return folder, client, editor, uri, task_id


async def test_a_ready_proposal_is_offered_and_everything_can_be_seen_before_accepting(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    folder, client, editor, calc_uri, task_id = await run_note_task(
        start_server, client_name, tmp_path, "Open first file"
    )
    final = final_change(client, task_id)
    assert final is not None and final["state"] == "succeeded", final
    notes_uri = (folder / "NOTES.md").as_uri()
    brief = final["proposal"]
    assert brief["taskId"] == task_id and brief["version"] == 1
    assert (brief["files"], brief["hunks"]) == (2, 2)
    assert brief["firstUri"] in (notes_uri, calc_uri)

    # item 1: "Proposal ready" with its next steps; the user picks "Open first file"
    requests = client.message_requests  # type: ignore[attr-defined]
    await wait_for(lambda: bool(requests))
    (asked,) = requests
    assert asked.message.startswith("Delegate: Proposal ready: 2 hunks in 2 files")
    assert [a.title for a in asked.actions] == ["Open first file", "Accept all", "Dismiss"]
    await wait_for(lambda: any(d.uri == brief["firstUri"] for d in client.shown_documents))

    # item 3: the pending comment offers no second task, the hunk's diagnostic no fix
    line = editor.text(calc_uri).splitlines().index(TRIGGER.strip())
    on_comment = await code_actions(client, calc_uri, span(line, 5))
    assert not [a for a in on_comment if a.title.startswith("Delegate: write a note")]
    await wait_for(lambda: bool(client.diagnostics.get(calc_uri)))
    ours = list(client.diagnostics[calc_uri])
    assert {d.source for d in ours} == {"delegate"}
    with_ours = await code_actions(client, calc_uri, ours[0].range, ours)
    assert not [a for a in with_ours if a.title.startswith("Fix with Delegate")]
    assert [a for a in with_ours if a.title.startswith("Delegate: accept this change")]

    # item 4: the created file has a Diff lens; it shows the whole content, read-only
    editor.docs[notes_uri] = ("", 1)  # the user opened the path: an empty, unsaved buffer
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=notes_uri, language_id="markdown", version=1, text=""
            )
        )
    )
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=notes_uri))
    )
    titles = [lens.command.title for lens in lenses or [] if lens.command]
    assert "Diff" in titles, titles
    (diff_lens,) = [lens for lens in lenses or [] if lens.command and lens.command.title == "Diff"]
    assert diff_lens.command is not None
    shown = await command(client, diff_lens.command.command, *diff_lens.command.arguments or [])
    assert shown["op"] == "create" and "+It keeps a value between two bounds." in shown["diff"]
    preview = Path(types_path(shown["previewUri"]))
    assert preview.read_text() == NOTE
    assert not preview.stat().st_mode & stat.S_IWUSR  # read-only
    assert preview.is_relative_to(folder / ".delegate" / "previews")
    assert any(d.uri == shown["previewUri"] for d in client.shown_documents)
    file_actions = await code_actions(client, notes_uri, span(0))
    assert [a.title for a in file_actions if a.title.startswith("Delegate: show the file")]

    # item 5: accepting the created file over that empty buffer is no conflict
    diagnostics_before = len(client.diagnostics.get(calc_uri, []))
    refreshes = len(client.lens_refreshes)  # type: ignore[attr-defined]
    accepted = await command(client, "delegate.acceptFile", {"taskId": task_id, "uri": notes_uri})
    assert accepted["conflicted"] == [] and accepted["appliedHunks"], accepted
    await wait_for(lambda: editor.text(notes_uri) == NOTE)

    # item 6: a decision through a code action: fresh diagnostics, and lenses refreshed
    (reject,) = [a for a in with_ours if a.title.startswith("Delegate: reject this change")]
    assert reject.command is not None
    await command(client, reject.command.command, *reject.command.arguments or [])
    await wait_for(lambda: len(client.diagnostics.get(calc_uri, [])) < diagnostics_before)
    if client_name == "visual-studio-code":  # Neovim 0.11 does not announce refreshSupport
        await wait_for(lambda: len(client.lens_refreshes) >= refreshes + 2)  # type: ignore[attr-defined]
    else:
        assert client.lens_refreshes == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("client_name", ["neovim"])
async def test_a_client_with_its_own_ui_is_not_asked_about_a_ready_proposal(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    _, client, _, _, task_id = await run_note_task(
        start_server, client_name, tmp_path, "Open first file", ui=PLUGIN_UI
    )
    final = final_change(client, task_id)
    assert final is not None and final["proposal"]["hunks"] == 2
    await command(client, "delegate.status")
    assert client.message_requests == []  # type: ignore[attr-defined]
    assert client.shown_documents == []
