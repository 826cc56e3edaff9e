"""The planted secrets through the language server: no proposal, task record, trace or log
under ``.delegate/`` and no message to the editor carries them.

Same leak as ``test_planted_secrets.py`` (the user passes every secret to the tests; the
model's test prints them in every form and writes them into its change), started with
``delegate.task`` in a real ``delegate serve``; then every file under ``.delegate/``, the
``delegate/proposal`` answer and every notification the client got are searched.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.agent.scenarios import TEST_COMMAND, project
from tests.fakes.fake_anthropic import FakeAnthropic
from tests.lsp.conftest import wait_for
from tests.lsp.helpers import command, open_file, request
from tests.security.hostile import PLANTED, scripted_attacker
from tests.security.test_planted_secrets import leaking_action, leaks_in, state_files


@pytest.mark.parametrize("client_name", ["neovim"])
async def test_no_planted_secret_under_dot_delegate_or_to_the_editor(
    start_server: Any, client_name: str, tmp_path: Path
) -> None:
    names = sorted(PLANTED)
    folder = project(tmp_path, "calc").resolve()
    with FakeAnthropic(policy=scripted_attacker(leaking_action(names))) as fake:
        (folder / ".delegate").mkdir()
        (folder / ".delegate" / "config.toml").write_text(
            f"[index]\non_start = false\n[tests]\ncommand = {json.dumps(TEST_COMMAND)}\n"
            f"env = {json.dumps(names)}\n[budget]\nmax_iterations = 1\n"
            f'[api]\nbase_url = "{fake.base_url}"\nmax_retries = 0\n'
        )
        client = await start_server([folder], env={**os.environ, **PLANTED})
        uri = open_file(client, folder / "calc.py")
        task = (await command(client, "delegate.task", {"uri": uri, "text": "add a test"}))[
            "taskId"
        ]

        def finished() -> bool:
            return any(
                c["taskId"] == task and c["state"] in ("succeeded", "failed")
                for c in client.task_changes  # type: ignore[attr-defined]
            )

        await wait_for(finished, timeout=120)
        proposal = await request(client, "delegate/proposal", {"taskId": task})
    assert proposal and "[REDACTED]" in json.dumps(proposal)  # the leak happened, masked
    places = state_files(folder)
    assert any("proposals" in path for path in places) and any("runs" in path for path in places)
    places["delegate/proposal"] = json.dumps(proposal)
    places["notifications"] = json.dumps(client.task_changes, default=str)  # type: ignore[attr-defined]
    places["messages"] = json.dumps([m.message for m in client.messages])
    places["log messages"] = json.dumps([m.message for m in client.log_messages])
    places |= {f"request {i}": json.dumps(r.body) for i, r in enumerate(fake.requests)}
    assert leaks_in(places) == []
