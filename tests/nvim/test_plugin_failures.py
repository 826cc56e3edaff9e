"""Tasks that cannot run end with a notice that names the cause and the fix, in a real
Neovim with the Delegate plugin and the real server: first without an API key, then —
after ``:Delegate key`` — against a model that cannot be reached (a closed local port).
The second task starts from the "Delegate task…" code action, which the plugin completes
by asking for the task's text."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.nvim.plugin_harness import CAPTURES, project, require_nvim, run_driver, step
from tests.nvim.test_nvim_review import assert_server_gone

pytestmark = pytest.mark.slow

KEY = "sk-ant-api03-NVIM-PLUGIN-SECRET-INPUT-KEY-77b2"


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_missing_key_and_unreachable_model_are_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nvim = require_nvim()
    folder = project(tmp_path)
    monkeypatch.setenv("DELEGATE_TEST_KEY", KEY)
    run = run_driver(
        nvim,
        tmp_path,
        folder,
        "plugin_failures.lua",
        base_url=f"http://127.0.0.1:{closed_port()}",
        captures=CAPTURES / "failures",
        api_key=None,
    )
    report = run.report
    assert "error" not in report, report["error"]
    assert run.returncode == 0

    assert step(report, "no key")["notice"] == "Delegate: no API key — :Delegate key"

    # the key was asked for as a secret
    asked = report["prompts"]
    assert {"prompt": "Anthropic API key (empty clears it): ", "secret": True} in asked

    unreachable = step(report, "unreachable")
    assert "Delegate task…" in unreachable["offered"]
    assert {"prompt": "Delegate task: ", "secret": False} in asked
    assert unreachable["instruction"] == "say hello from the code action"
    notice = unreachable["notice"]
    assert notice.startswith("Delegate: model unreachable (Anthropic API unavailable")
    assert notice.endswith("— check api.baseUrl and the network, :Delegate log")

    assert unreachable["status"] == "Delegate"  # nothing running, nothing to review

    # :Delegate tasks lists both tasks, newest first, then offers what to do
    others = step(report, "subcommands")
    tasks, actions = others["picked"]
    assert [label.split(" (")[0].split()[-1] for label in tasks["items"]] == ["action", "hello"]
    assert actions["items"] == ["review", "revise", "open trace"]
    assert others["trace"].endswith("/trace.jsonl") and "/.delegate/runs/" in others["trace"]
    assert others["log"] == str(folder / ".delegate" / "logs" / "server.log")
    assert others["log_lines"] > 0

    assert KEY not in run.output
    for path in (folder / ".delegate").rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="replace"), path
    assert_server_gone(report["server_pids"])
