"""Fast checks of the LSP layer's pure parts: code actions, task requests, params, redaction."""

from __future__ import annotations

import logging
from collections import namedtuple
from pathlib import Path

import pytest
from lsprotocol import types

from delegate.index.model import Definition
from delegate.lsp.code_actions import build_code_actions
from delegate.lsp.configuration import resolve_settings, settings_section
from delegate.lsp.converters import folder_containing, to_plain
from delegate.lsp.indexing import progress_message
from delegate.lsp.logs import RedactingFilter, redact
from delegate.lsp.task_runs import parse_task_request, progress_text
from delegate.tasks import TaskRecord

URI = "file:///w/a.py"
LINES = ["import os", "def f():", "    # delegate: make f faster", "    return 1"]


def rng(line: int) -> types.Range:
    return types.Range(start=types.Position(line, 0), end=types.Position(line, 0))


def titles(actions: list[types.CodeAction]) -> list[str]:
    return [a.title for a in actions]


@pytest.mark.parametrize(
    ("line", "definition", "expected"),
    [
        (0, None, ["Delegate task…"]),
        (2, None, ["Delegate: make f faster", "Delegate task…"]),
        (
            3,
            Definition("f", "f", "function", "a.py", 2, 4),
            ["Generate tests for `f`", "Delegate task…"],
        ),
        (3, Definition("C", "C", "constant", "a.py", 2, 4), ["Delegate task…"]),
    ],
)
def test_code_actions_by_position(
    line: int, definition: Definition | None, expected: list[str]
) -> None:
    assert titles(build_code_actions(URI, rng(line), LINES, [], definition)) == expected


def test_only_filters_by_kind_prefix() -> None:
    diagnostic = types.Diagnostic(range=rng(1), message="bad\nthing")
    actions = build_code_actions(URI, rng(2), LINES, [diagnostic], None, only=["quickfix"])
    assert titles(actions) == ["Fix with Delegate: bad"]
    everything = build_code_actions(URI, rng(2), LINES, [diagnostic], None, only=["refactor"])
    assert titles(everything) == ["Delegate: make f faster", "Delegate task…"]


def test_task_request_parsing() -> None:
    request = parse_task_request(
        (
            {
                "uri": URI,
                "range": {"start": {"line": 1, "character": 0}, "end": {"line": 2, "character": 3}},
                "text": "  go  ",
            },
        )
    )
    assert request.text == "go" and request.range is not None and request.range.end.line == 2
    with pytest.raises(ValueError):
        parse_task_request(())
    with pytest.raises(ValueError):
        parse_task_request(({"text": "no uri"},))


def test_progress_text_shows_phase_numbers_and_cost() -> None:
    record = TaskRecord("t", "/w", "x", phase="testing", iteration=2, tests_done=3, tests_total=5)
    record.cost_usd = 0.041
    assert progress_text(record) == "iteration 2 · testing 3/5 · $0.04"
    assert progress_message(3, 4) == ("3/4 files", 75)
    assert progress_message(0, 0) == ("0/0 files", 100)


def test_namedtuple_params_become_plain_json() -> None:
    Inner = namedtuple("Inner", ["line"])
    Outer = namedtuple("Outer", ["query", "where", "items"])
    assert to_plain(Outer("q", Inner(3), [Inner(1)])) == {
        "query": "q",
        "where": {"line": 3},
        "items": [{"line": 1}],
    }


def test_the_innermost_folder_owns_a_path() -> None:
    folders = [Path("/w"), Path("/w/sub"), Path("/x")]
    assert folder_containing(Path("/w/sub/a.py"), folders) == Path("/w/sub")
    assert folder_containing(Path("/w/a.py"), folders) == Path("/w")
    assert folder_containing(Path("/y/a.py"), folders) is None


def test_settings_sources_merge_in_order(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.delegate.budget]\nmax_iterations = 7\n")
    settings, warnings = resolve_settings(
        {"budget": {"maxIterations": 2, "maxToolCalls": 5}},
        settings_section({"delegate": {"budget": {"maxToolCalls": 9}, "autonomy": "nope"}}),
        tmp_path,
    )
    assert settings.budget.max_iterations == 7  # the folder file wins
    assert settings.budget.max_tool_calls == 9  # the client beats initializationOptions
    assert [w.setting for w in warnings] == ["autonomy"]


def test_folder_scoped_client_settings_sit_between_global_and_folder_files(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.delegate.budget]\nmax_iterations = 7\n")
    settings, warnings = resolve_settings(
        {"autonomy": "propose"},
        {"budget": {"maxToolCalls": 9, "maxIterations": 1}, "autonomy": "propose"},
        tmp_path,
        settings_section(
            {"delegate": {"autonomy": "apply-when-green", "budget": {"maxIterations": 3}}}
        ),
    )
    assert settings.autonomy == "apply-when-green"  # the folder's editor section wins
    assert settings.budget.max_tool_calls == 9  # the global section still applies
    assert settings.budget.max_iterations == 7  # and the folder's own file beats both
    assert warnings == []


def test_secrets_are_redacted_from_records() -> None:
    key = "my-custom-gateway-key-123"
    assert redact(f"use {key} and sk-ant-api03-abcdefghijk", (key,)) == (
        "use <redacted> and sk-ant-<redacted>"
    )
    redactor = RedactingFilter()
    redactor.secrets = (key,)
    record = logging.LogRecord("delegate", logging.INFO, __file__, 1, "key=%s", (key,), None)
    assert redactor.filter(record)
    assert record.getMessage() == "key=<redacted>"


def test_lsp_modules_use_each_other_only_through_public_names() -> None:
    """A private name imported across modules is a seam that was never made; make it public."""
    import ast

    package = Path(__file__).resolve().parents[2] / "server" / "delegate" / "lsp"
    offenders = []
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("delegate."):
                offenders += [
                    f"{path.name}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_")
                ]
    assert offenders == []
