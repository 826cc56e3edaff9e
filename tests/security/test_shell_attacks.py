"""The same attacks through the ``bash`` tool: the model's own shell command fails at each.

The scripted model calls ``bash`` with a command that runs the attack script of
``hostile.py`` (write the user's folder, its hooks, ``$HOME``, an absolute path; read
``~/.ssh``, ``/etc/shadow``, ``/proc/*/environ``; connect to a listener; leave a daemon;
fork 400 processes). The verdicts come back in the tool result; the folder, the home, the
listener and the process table are checked from outside.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.security.hostile import ALL_ATTACKS, KEY, run_attack


def test_every_attack_through_the_bash_tool_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = run_attack(tmp_path, monkeypatch, capsys, "[sandbox]\nmax_processes = 64\n", "bash")
    lines = outcome["lines"]
    assert set(lines) == ALL_ATTACKS, outcome["err"]
    assert {name for name, verdict in lines.items() if verdict != "blocked"} == set()
    assert not outcome["folder_changed"] and not outcome["home_changed"]
    assert not outcome["absolute_written"] and outcome["connections"] == 0
    assert outcome["leftovers"] == 0
    assert all(KEY not in json.dumps(r.body) for r in outcome["requests"])
