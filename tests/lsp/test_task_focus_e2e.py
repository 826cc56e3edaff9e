"""A task that waits in the queue works on the lines it was delegated on, wherever they went.

With the only task slot taken, the user delegates a task on ``clamp`` (lines 4-10) and
goes on editing the file while it waits. When it starts, the agent must be pointed at
``clamp`` where it is then — not at whatever sits on lines 4-10 — and the task record
must say so. If the user deleted ``clamp`` meanwhile, the task starts anyway, on the
whole file, and says why in its progress and its trace.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pytest_lsp import LanguageClient

from tests.fakes.fake_anthropic import FakeAnthropic, Slow
from tests.lsp.conftest import wait_for
from tests.lsp.helpers import (
    Editor,
    command,
    negotiated,
    request,
    to_plain,
    write_one_slot_config,
)

pytestmark = pytest.mark.slow

KEY = "sk-ant-api03-FOCUS-E2E-DISTINCT-KEY-7c1e"
FIXTURE_REPOS = Path(__file__).resolve().parents[1] / "fixtures" / "repos"
CLAMP = (
    "def clamp(value: float, low: float, high: float) -> float:\n"
    '    """Limit value to the range [low, high]."""\n'
    "    if value < low:\n"
    "        return low\n"
    "    if value > high:\n"
    "        return low  # above range\n"
    "    return value\n"
)
HEADER = '"""Small numeric helpers."""\n'


def messages_of(client: LanguageClient, task_id: str) -> list[str]:
    changes = to_plain(client.task_changes)  # type: ignore[attr-defined]
    return [c["message"] for c in changes if c["taskId"] == task_id]


def states_of(client: LanguageClient, task_id: str) -> list[str]:
    changes = to_plain(client.task_changes)  # type: ignore[attr-defined]
    return [c["state"] for c in changes if c["taskId"] == task_id]


def trace_events(folder: Path, task_id: str) -> list[dict[str, Any]]:
    path = folder / ".delegate" / "runs" / task_id / "trace.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("edit", "focus", "lines", "note"),
    [
        (
            # two imports above clamp, and a fix inside it
            lambda text: text.replace(HEADER, HEADER + "import math\nimport sys\n").replace(
                "return low  # above range", "return high"
            ),
            "Focus: `calc.py` lines 6-12.",
            (6, 12),
            "calc.py changed while the task waited for a free slot: its focus moved from "
            "lines 4-10 to lines 6-12.",
        ),
        (
            lambda text: text.replace(CLAMP, ""),  # clamp is gone
            "Focus: `calc.py`.",
            (None, None),
            "Lines 4-10 of calc.py, the task's focus, were deleted while it waited for a "
            "free slot; it works on the whole file.",
        ),
    ],
    ids=["moved", "deleted"],
)
@pytest.mark.parametrize("client_name", ["neovim"])
async def test_a_queued_task_works_on_its_lines_where_they_are_when_it_starts(
    start_server: Any,
    client_name: str,
    tmp_path: Path,
    edit: Any,
    focus: str,
    lines: tuple[int | None, int | None],
    note: str,
) -> None:
    folder = (tmp_path / "calc").resolve()
    shutil.copytree(FIXTURE_REPOS / "calc", folder)
    # no reply is scripted: every request hangs, the first one holding the only slot
    with FakeAnthropic(policy=lambda request: Slow(seconds=60)) as fake:
        write_one_slot_config(folder, fake.base_url)
        client = await start_server([folder])
        client.protocol.notify("delegate/setApiKey", {"key": KEY})
        editor = Editor(client, negotiated(client_name, client))
        uri = editor.open(folder / "calc.py")
        submitted = editor.text(uri)
        assert submitted.splitlines()[3].startswith("def clamp")  # line 4

        everywhere = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
        holder = await command(
            client, "delegate.task", {"uri": uri, "range": everywhere, "text": "hold the slot"}
        )
        await wait_for(lambda: len(fake.requests) == 1, timeout=60)
        clamp = {"start": {"line": 3, "character": 0}, "end": {"line": 9, "character": 16}}
        started = await command(
            client, "delegate.task", {"uri": uri, "range": clamp, "text": "explain clamp"}
        )
        task_id = started["taskId"]
        assert states_of(client, task_id) == ["queued"]

        # the user edits the file while the task waits for the slot
        editor.change(uri, edit(submitted))
        cancelled = await command(client, "delegate.cancel", {"taskId": holder["taskId"]})
        assert cancelled["cancelled"] is True
        await wait_for(lambda: len(fake.requests) == 2, timeout=60)

        # the agent is pointed at the lines as they are now
        first = json.dumps(fake.requests[1].messages)
        assert focus in first, first
        tasks = await request(client, "delegate/tasks", {})
        (record,) = [t for t in tasks["tasks"] if t["taskId"] == task_id]
        assert (record["startLine"], record["endLine"]) == lines
        assert note in messages_of(client, task_id)
        await command(client, "delegate.cancel", {"taskId": task_id})
        await wait_for(lambda: "cancelled" in states_of(client, task_id), timeout=60)

    (focus_event,) = [e for e in trace_events(folder, task_id) if e["event"] == "focus"]
    assert focus_event["message"] == note
    assert focus_event["submitted"] == [4, 10]
    assert focus_event["now"] == (list(lines) if lines[0] is not None else None)
