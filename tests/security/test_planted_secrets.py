"""Planted secrets never appear in ``.delegate/``, the CLI's output or a model request.

The server's environment holds the key and six other secrets. The user even passes them
all to the tests (``tests.env``), and the model's test prints each one plainly, reversed
and base64-encoded, and writes them into a file of its change. Redaction is by value, so
every form is masked wherever it lands: the trace, ``--json`` (test output, the diff),
and the tool results sent back to the model.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from delegate.cli import main
from tests.fakes.fake_anthropic import FakeAnthropic
from tests.security.hostile import PLANTED, REVERSED_KEY, scripted_attacker, victim_repository

LEAKER = r"""
import base64, os
from pathlib import Path
from typing import Any

NAMES = {names!r}

def test_leak():
    lines = []
    for name in NAMES:
        value = os.environ[name]
        lines.append(f"{{name}} plain {{value}}")
        lines.append(f"{{name}} reversed {{value[::-1]}}")
        lines.append(f"{{name}} b64 {{base64.b64encode(value.encode()).decode()}}")
        lines.append(f"{{name}} b64-inside {{base64.b64encode(b'xy:' + value.encode()).decode()}}")
    Path("leak.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    assert False, "\n".join(lines)
"""


def leaking_action(names: list[str]) -> dict[str, Any]:
    return {
        "name": "str_replace_based_edit_tool",
        "input": {
            "command": "create",
            "path": "tests/test_leak.py",
            "file_text": LEAKER.format(names=names),
        },
    }


def leaks_in(places: dict[str, str]) -> list[tuple[str, str]]:
    """(where, form) for every form of every planted secret found in ``places``."""
    secrets = [form for value in PLANTED.values() for form in forms(value)] + [REVERSED_KEY]
    return [(where, s) for where, text in places.items() for s in secrets if s in text]


def state_files(folder: Path) -> dict[str, str]:
    return {
        str(path): path.read_text(errors="replace")
        for path in (folder / ".delegate").rglob("*")
        if path.is_file()
    }


def forms(value: str) -> list[str]:
    return [value, value[::-1], base64.b64encode(value.encode()).decode()]


def test_planted_secrets_are_redacted_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    names = sorted(PLANTED)
    folder = victim_repository(tmp_path, tests=f"env = {json.dumps(names)}\n")
    for name, value in PLANTED.items():
        monkeypatch.setenv(name, value)
    with FakeAnthropic(policy=scripted_attacker(leaking_action(names))) as fake:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        main(["run", "add a test", "--folder", str(folder), "--json", "--trust"])
    out, err = capsys.readouterr()
    result = json.loads(out)
    # the leak did happen inside the run, only masked: the lines are there, the values not
    assert "PGPASSWORD plain [REDACTED]" in result["tests_after"]["output_tail"]
    assert any(c["path"] == "leak.txt" for c in result["changes"])
    places = {"stdout": out, "stderr": err}
    places |= {f"request {i}": json.dumps(r.body) for i, r in enumerate(fake.requests)}
    places |= state_files(folder)
    assert len(places) > 4
    assert leaks_in(places) == []
