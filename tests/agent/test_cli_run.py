"""`delegate run` and `delegate trace` end to end: real tools, real sandbox, the fake API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.agent.scenarios import TEST_COMMAND, project
from tests.fakes.fake_anthropic import FakeAnthropic, Reply, text, tool_use

from delegate.cli import main

KEY = "sk-ant-api03-CLI-RUN-DISTINCT-KEY-55aa"


def configured_calc(tmp_path: Path) -> Path:
    """The calc fixture repo with the fast test command and no retries configured."""
    folder = project(tmp_path, "calc")
    config = folder / ".delegate"
    config.mkdir()
    command = json.dumps(TEST_COMMAND)
    (config / "config.toml").write_text(f"[tests]\ncommand = {command}\n[api]\nmax_retries = 0\n")
    return folder


def test_missing_key_is_a_clear_message(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["run", "fix it", "--folder", str(tmp_path)]) == 2
    assert "ANTHROPIC_API_KEY" in capsys.readouterr().err


def test_run_prints_plan_tests_and_diff_then_trace_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = configured_calc(tmp_path)
    edit = {
        "command": "str_replace",
        "path": "calc.py",
        "old_str": "return low  # above range",
        "new_str": "return high  # above range",
    }
    script = [
        Reply([tool_use("read_file", {"path": "calc.py"})]),
        Reply([text("Plan: fix the upper bound")]),
        Reply([tool_use("str_replace_based_edit_tool", edit)]),
        Reply([tool_use("finish", {"summary": "clamp fixed"})]),
        Reply([text('{"approved": true, "notes": []}')]),
    ]
    with FakeAnthropic(script) as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        code = main(["run", "fix clamp", "--folder", str(folder), "--file", "calc.py:8-9"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Plan: fix the upper bound" in out
    assert "+        return high  # above range" in out
    assert "tests after: 4 passed" in out
    assert "[planning]" in err and "[testing]" in err
    assert "return low  # above range" in (folder / "calc.py").read_text()  # not applied
    assert "calc.py` lines 8-9" in fake.requests[0].last_user_text()
    task_id = next((folder / ".delegate" / "runs").iterdir()).name
    assert main(["trace", task_id, "--folder", str(folder)]) == 0
    trace_out = capsys.readouterr().out
    assert "model_response" in trace_out and "tool_call" in trace_out and "test_run" in trace_out
    assert KEY not in trace_out


def test_run_indexes_the_folder_so_the_agent_can_search_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = configured_calc(tmp_path)
    script = [
        Reply([tool_use("search_code", {"query": "clamp a value into a range"})]),
        Reply([tool_use("find_symbol", {"name": "clamp"})]),
        Reply([text("Plan: nothing to change")]),
        Reply([tool_use("finish", {"summary": "looked around"})]),
        Reply([text('{"approved": true, "notes": []}')]),
    ]
    with FakeAnthropic(script) as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        main(["run", "look at clamp", "--folder", str(folder)])
        search_result = fake.requests[1].tool_results()[0]
        symbol_result = fake.requests[2].tool_results()[0]
    err = capsys.readouterr().err
    assert "index up to date" in err
    assert "calc.py" in json.dumps(search_result) and "unavailable" not in json.dumps(search_result)
    assert "def clamp" in json.dumps(symbol_result) or "calc.py" in json.dumps(symbol_result)
    # the repo map of the indexed folder is part of the prompt
    assert "calc.py" in fake.requests[0].system_text
