"""A task that waits in the queue works from the buffers as they are when it starts.

With one task slot taken, a task started from a ``delegate:`` comment waits; the user
keeps typing in that file meanwhile. When the task starts, its sandbox must hold the text
the user has then, and the proposal that removes the fulfilled comment must be based on
that same text — not on the buffer as it was when the task was submitted.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pytest_lsp import LanguageClient

from tests.fakes.fake_anthropic import FakeAnthropic, Reply, Slow, text, tool_use
from tests.lsp.conftest import wait_for
from tests.lsp.helpers import (
    Editor,
    command,
    negotiated,
    request,
    start_from_trigger,
    to_plain,
    write_one_slot_config,
)

pytestmark = pytest.mark.slow

KEY = "sk-ant-api03-QUEUE-E2E-DISTINCT-KEY-58d2"
FIXTURE_REPOS = Path(__file__).resolve().parents[1] / "fixtures" / "repos"
TRIGGER = "# delegate: write a note about clamp\n"
TYPED = "SCALE = 10  # typed while the task waited\n"


def seen(client: LanguageClient, task_id: str, state: str) -> bool:
    changes = to_plain(client.task_changes)  # type: ignore[attr-defined]
    return any(c["taskId"] == task_id and c["state"] == state for c in changes)


def proposal_saved(client: LanguageClient, task_id: str) -> bool:
    changes = to_plain(client.task_changes)  # type: ignore[attr-defined]
    return any(c["taskId"] == task_id and c.get("proposalVersion") == 1 for c in changes)


@pytest.mark.parametrize("client_name", ["neovim"])
async def test_a_queued_task_takes_the_buffer_as_it_is_when_the_task_starts(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    folder = (tmp_path / "calc").resolve()
    shutil.copytree(FIXTURE_REPOS / "calc", folder)
    calc = folder / "calc.py"
    calc.write_text(calc.read_text().replace("\n\ndef clamp", "\n\n" + TRIGGER + "def clamp"))
    # nothing is scripted yet: the first task's request hangs and holds the only slot
    with FakeAnthropic(policy=lambda request: Slow(seconds=60)) as fake:
        write_one_slot_config(folder, fake.base_url)
        client = await start_server([folder])
        client.protocol.notify("delegate/setApiKey", {"key": KEY})
        editor = Editor(client, negotiated(client_name, client))
        uri = editor.open(calc)
        submitted = editor.text(uri)

        holder = await command(
            client,
            "delegate.task",
            {
                "uri": uri,
                "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                "text": "hold the slot",
            },
        )
        await wait_for(lambda: len(fake.requests) == 1, timeout=60)
        task_id = await start_from_trigger(
            client, editor, uri, TRIGGER, "Delegate: write a note about clamp"
        )
        assert seen(client, task_id, "queued") and not seen(client, task_id, "running")

        # the user types while the task waits for the slot
        typed = submitted.replace(
            '"""Small numeric helpers."""\n', '"""Small numeric helpers."""\n' + TYPED
        )
        assert typed != submitted
        editor.change(uri, typed)
        fake.push(
            Reply([text("Plan: read calc.py, then write the note")]),
            Reply(
                [tool_use("str_replace_based_edit_tool", {"command": "view", "path": "calc.py"})]
            ),
            Reply(
                [
                    tool_use(
                        "str_replace_based_edit_tool",
                        {
                            "command": "create",
                            "path": "NOTES.md",
                            "file_text": "clamp: see calc.py\n",
                        },
                    )
                ]
            ),
            Reply([tool_use("finish", {"summary": "a note about clamp"})]),
            Reply([text('{"approved": true, "notes": []}')]),
        )
        cancelled = await command(client, "delegate.cancel", {"taskId": holder["taskId"]})
        assert cancelled["cancelled"] is True
        await wait_for(lambda: proposal_saved(client, task_id), timeout=90)

    # the agent read the file as the user had it when the task started
    viewed = [r.tool_result_text(block) for r in fake.requests for block in r.tool_results()]
    assert any(TYPED.strip() in result for result in viewed), viewed
    # the comment's removal is based on that same text, and applies onto the buffer
    data = await request(client, "delegate/proposal", {"taskId": task_id})
    files = {f["path"]: f for f in data["files"]}
    assert set(files) == {"NOTES.md", "calc.py"}
    assert files["calc.py"]["base"] == typed
    assert files["calc.py"]["proposed"] == typed.replace(TRIGGER, "")
    (removal,) = files["calc.py"]["hunks"]
    assert removal["oldText"] == TRIGGER and removal["range"] is not None
    await command(client, "delegate.acceptFile", {"taskId": task_id, "path": "calc.py"})
    await wait_for(lambda: editor.text(uri) == typed.replace(TRIGGER, ""))
