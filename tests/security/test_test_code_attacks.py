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
import uuid
from pathlib import Path
from typing import Any

import pytest

from delegate.agent.isolation import Backend
from delegate.cli import main
from tests.fakes.fake_anthropic import FakeAnthropic
from tests.security.hostile import (
    KEY,
    PLANTED,
    Listener,
    attack_code,
    attack_lines,
    kill_all,
    leftover_processes,
    planted_home,
    python,
    scripted_attacker,
    tree_digest,
    victim_repository,
)

ALL_ATTACKS = {
    "write-user-folder",
    "write-git-hook",
    "write-through-git-pointer",
    "write-absolute-path",
    "read-ssh-key",
    "read-etc-shadow",
    "read-proc-environ",
    "own-environment",
    "connect-listener",
    "fork-400",
}


def run_attack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], config: str
) -> dict[str, Any]:
    folder = victim_repository(tmp_path, config)
    home = planted_home(tmp_path)
    absolute = Path(python()).resolve().parent / f"delegate-pwned-{uuid.uuid4().hex[:8]}"
    marker = f"delegate-daemon-{uuid.uuid4().hex}"
    listener = Listener()
    before, home_before = tree_digest(folder), tree_digest(home)
    code = attack_code(user=folder, home=home, absolute=absolute, port=listener.port, marker=marker)
    action = {
        "name": "str_replace_based_edit_tool",
        "input": {"command": "create", "path": "tests/test_attack.py", "file_text": code},
    }
    for name, value in PLANTED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HOME", str(home))
    try:
        with FakeAnthropic(policy=scripted_attacker(action)) as fake:
            monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
            main(["run", "add a test", "--folder", str(folder), "--json", "--trust"])
        out, err = capsys.readouterr()
        result = json.loads(out)
        leftovers = leftover_processes(marker)
        return {
            "result": result,
            "err": err,
            "lines": attack_lines((result.get("tests_after") or {}).get("output_tail", "")),
            "folder_changed": tree_digest(folder) != before,
            "home_changed": tree_digest(home) != home_before,
            "absolute_written": absolute.exists(),
            "connections": listener.connections,
            "leftovers": len(leftovers),
            "requests": fake.requests,
        }
    finally:
        listener.close()
        kill_all(leftover_processes(marker))
        absolute.unlink(missing_ok=True)


def test_every_attack_of_model_written_test_code_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = run_attack(tmp_path, monkeypatch, capsys, "[sandbox]\nmax_processes = 64\n")
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
    outcome = run_attack(tmp_path, monkeypatch, capsys, "[sandbox]\nrequire_isolation = false\n")
    escaped = {name for name, verdict in outcome["lines"].items() if verdict == "ESCAPED"}
    assert {"write-user-folder", "write-git-hook", "read-ssh-key", "connect-listener"} <= escaped
    assert outcome["folder_changed"] and outcome["connections"] >= 1
    assert "UNCONFINED" in outcome["result"]["tests_after"]["output_tail"]
