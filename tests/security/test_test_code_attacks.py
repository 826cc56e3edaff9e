"""Model-written test code attacks the machine when ``run_tests`` runs it; every attack fails.

The model (scripted through the fake Messages API on 127.0.0.1) writes a test that tries to
write the user's folder, its ``.git/hooks`` (directly and through the sandbox's ``.git``
pointer), ``$HOME`` and an absolute path; read ``~/.ssh``, ``/etc/shadow`` and other
processes' environments; connect to a local listener; leave a ``setsid`` daemon; fork 400
processes. A control run with confinement off shows the same code does escape, so the
confined run's result means something.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from delegate.agent.isolation import Backend
from tests.security.hostile import ALL_ATTACKS, KEY, run_attack


def test_every_attack_of_model_written_test_code_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = run_attack(tmp_path, monkeypatch, capsys, "[sandbox]\nmax_processes = 64\n", "tests")
    lines = outcome["lines"]
    tail = (outcome["result"].get("tests_after") or {}).get("output_tail", "")
    assert set(lines) == ALL_ATTACKS, tail[-3000:]
    assert {name for name, verdict in lines.items() if verdict != "blocked"} == set()
    assert not outcome["folder_changed"], "the user's folder (or its .git) changed"
    assert not outcome["home_changed"] and not outcome["absolute_written"]
    assert outcome["connections"] == 0
    assert outcome["leftovers"] == 0, "a setsid daemon outlived the test run"
    assert all(KEY not in json.dumps(r.body) for r in outcome["requests"])


def test_control_the_same_code_escapes_when_confinement_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Shows the attack test above can fail: unconfined, the attacks work."""
    monkeypatch.setattr(
        "delegate.agent.isolation.policy.detect_backend",
        lambda: Backend("none", "control run without confinement"),
    )
    outcome = run_attack(
        tmp_path, monkeypatch, capsys, "[sandbox]\nrequire_isolation = false\n", "tests"
    )
    escaped = {name for name, verdict in outcome["lines"].items() if verdict == "ESCAPED"}
    assert {"write-user-folder", "write-git-hook", "read-ssh-key", "connect-listener"} <= escaped
    assert outcome["folder_changed"] and outcome["connections"] >= 1
    assert "UNCONFINED" in outcome["result"]["tests_after"]["output_tail"]
