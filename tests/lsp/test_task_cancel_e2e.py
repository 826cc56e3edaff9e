"""A running task is cancelled from the editor by cancelling its progress bar.

The task runs the real engine against the local fake Messages API, which holds every
request open; cancelling the progress must end the task as ``cancelled``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.fakes.fake_anthropic import FakeAnthropic, Slow
from tests.lsp.conftest import copy_workspace, progress_titled, wait_for
from tests.lsp.helpers import command, open_file

pytestmark = pytest.mark.slow


def states(client: Any, task_id: str) -> list[str]:
    return [c["state"] for c in client.task_changes if c["taskId"] == task_id]


async def test_cancelling_the_task_progress_cancels_the_task(
    start_server: Any, tmp_path: Path
) -> None:
    pytest.importorskip("delegate.agent.engine")
    folder = copy_workspace("pyproj", tmp_path)
    with FakeAnthropic(policy=lambda request: Slow(seconds=5)) as fake:
        client = await start_server(
            [folder],
            options={"api": {"baseUrl": fake.base_url, "maxRetries": 0}},
            env={**os.environ, "ANTHROPIC_API_KEY": "sk-ant-test-not-a-real-key-000"},
        )
        uri = open_file(client, folder / "src" / "shapes.py")
        started = await command(
            client,
            "delegate.task",
            {
                "uri": uri,
                "range": {"start": {"line": 5, "character": 0}, "end": {"line": 6, "character": 0}},
                "text": "make circle_area faster",
            },
        )
        task_id = started["taskId"]
        title = "Delegate: make circle_area faster"
        await wait_for(lambda: bool(progress_titled(client, title)))
        await wait_for(lambda: "running" in states(client, task_id))
        (token,) = progress_titled(client, title)

        client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
        await wait_for(lambda: "cancelled" in states(client, task_id))
        await wait_for(lambda: client.progress_reports[token][-1].kind == "end")
        assert states(client, task_id)[-1] == "cancelled"
        assert client.progress_reports[token][-1].message.startswith("cancelled")
