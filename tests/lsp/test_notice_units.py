"""The pure parts of "a task's outcome is never silent": failure kinds and their fixes, what a
client announces, the actions a generic client gets, the file-operation previews and
notices, and the writer that takes a closed pipe as the end it is."""

from __future__ import annotations

import logging
from typing import Any, NamedTuple

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from delegate.agent.task import TaskResult
from delegate.agent.task import TestReport as Report
from delegate.lsp.capabilities import ClientUi, client_ui, supports_code_lens_refresh
from delegate.lsp.client_gone import GuardedWriter
from delegate.lsp.code_actions import build_code_actions
from delegate.lsp.review.lenses import DIFF_FILE, code_actions, code_lenses, reviews_for
from delegate.lsp.review.notices import ready_actions, ready_message
from delegate.lsp.review.previews import file_diff, preview_text
from delegate.lsp.task_notices import outcome_notice
from delegate.proposals import FileChange, build_proposal
from delegate.tasks import TaskRecord
from delegate.tasks.outcomes import INTERRUPTED_MESSAGE, error_kind, failure_message

RED = Report(command=["pytest"], passed=False, exit_code=1, summary="1 failed")


@pytest.mark.parametrize(
    ("message", "result", "kind"),
    [
        ("No API key: set ANTHROPIC_API_KEY or send delegate/setApiKey.", None, "no_api_key"),
        ("No Anthropic API key: set ANTHROPIC_API_KEY or …", None, "no_api_key"),
        ("Anthropic rejected the API key (401): set ANTHROPIC_API_KEY", None, "no_api_key"),
        ("Anthropic API unavailable after 2 retries: Overloaded", None, "model_unreachable"),
        ("Anthropic API timed out after 2 retries (timeout 60s each)", None, "model_unreachable"),
        ("cost budget reached: $1.0000 of $1 (budget.max_cost_usd)", None, "budget"),
        ("wall-clock limit reached after 900 s (budget.max_wall_seconds)", None, "budget"),
        ("stuck: the model called grep with the same input three times", None, "budget"),
        ("context window full even after compacting the history (…)", None, "budget"),
        (INTERRUPTED_MESSAGE, None, "interrupted"),
        ("the change broke 1 test", TaskResult("t", "failed", "x", tests_after=RED), "tests"),
        ("Failed: division by zero", None, "internal"),
        # the engine may name the kind itself; it wins over the wording
        (
            "whatever",
            TaskResult("t", "failed", "whatever", extra={"errorKind": "budget"}),
            "budget",
        ),
        ("whatever", TaskResult("t", "failed", "x", extra={"errorKind": "nonsense"}), "internal"),
    ],
)
def test_error_kind(message: str, result: TaskResult | None, kind: str) -> None:
    assert error_kind(message, result) == kind


def test_failure_message_adds_the_fix_unless_it_is_said() -> None:
    said = "No API key: set ANTHROPIC_API_KEY or send delegate/setApiKey."
    assert failure_message("no_api_key", said) == said
    assert failure_message("model_unreachable", "Anthropic API unavailable.") == (
        "Anthropic API unavailable — check the network and api.base_url, then run the task again."
    )
    assert failure_message("internal", "").startswith("The task failed — see .delegate/logs")


class Flags(NamedTuple):
    prompt: bool
    taskUi: bool  # the protocol's spelling


@pytest.mark.parametrize(
    ("experimental", "expected"),
    [
        (None, ClientUi()),
        ({}, ClientUi()),
        (
            {"delegate": {"prompt": True, "taskUi": True, "review": True}},
            ClientUi(True, True, True),
        ),
        ({"delegate": {"taskUi": True}}, ClientUi(task_ui=True)),
        ({"delegate": {"prompt": "yes"}}, ClientUi()),  # only true is true
        ({"delegate": Flags(prompt=True, taskUi=False)}, ClientUi(prompt=True)),
        ({"delegate": ["prompt"]}, ClientUi()),
    ],
)
def test_client_ui(experimental: Any, expected: ClientUi) -> None:
    caps = client_capabilities("neovim")
    caps.experimental = experimental
    assert client_ui(caps) == expected


def test_neovim_announces_no_lens_refresh_and_vscode_does() -> None:
    assert not supports_code_lens_refresh(client_capabilities("neovim"))
    assert supports_code_lens_refresh(client_capabilities("visual-studio-code"))


def here(line: int) -> types.Range:
    return types.Range(start=types.Position(line, 0), end=types.Position(line, 0))


def test_generic_clients_get_no_prompt_action_and_no_fix_for_our_diagnostics() -> None:
    ours = types.Diagnostic(range=here(0), message="Delegate proposal: x", source="delegate")
    theirs = types.Diagnostic(range=here(0), message="unused import", source="ruff")
    lines = ["import os\n"]
    actions = build_code_actions("file:///a.py", here(0), lines, [ours, theirs], None, prompt=False)
    assert [a.title for a in actions] == ["Fix with Delegate: unused import"]
    with_prompt = build_code_actions("file:///a.py", here(0), lines, [], None, prompt=True)
    assert [a.title for a in with_prompt] == ["Delegate task…"]


def test_a_taken_comment_offers_no_second_task() -> None:
    lines = ["# delegate: add retries\n", "x = 1\n"]
    free = build_code_actions("file:///a.py", here(0), lines, [], None, prompt=False)
    assert [a.title for a in free] == ["Delegate: add retries"]
    taken = build_code_actions(
        "file:///a.py", here(0), lines, [], None, prompt=False, trigger_taken=lambda t: True
    )
    assert taken == []


NOTE = "a note\nsecond line\n"


def proposal_with_operations() -> Any:
    return build_proposal(
        "t1",
        [
            FileChange("NOTES.md", None, NOTE),
            FileChange("old.py", "gone = True\n", None),
            FileChange("b.py", "x = 1\n", "x = 1\n", old_path="a.py"),
        ],
        summary="notes and cleanup",
    )


def test_file_operations_have_a_diff_lens_and_action_showing_their_content() -> None:
    proposal = proposal_with_operations()
    for fp in proposal.files:
        (review,) = reviews_for([proposal], fp.source_path, None if fp.op == "create" else "")
        lenses = code_lenses("file:///x", "", [review])
        diff_lenses = [lens for lens in lenses if lens.command and lens.command.title == "Diff"]
        assert [lens.command.command for lens in diff_lenses if lens.command] == [DIFF_FILE]
        titles = [a.title for a in code_actions("file:///x", 0, [review])]
        assert any(t.startswith("Delegate: show ") for t in titles), titles
    created, deleted, renamed = (proposal.file(p) for p in ("NOTES.md", "old.py", "b.py"))
    assert preview_text(created) == NOTE and "+second line" in file_diff(created)
    assert preview_text(deleted) == "gone = True\n" and "-gone = True" in file_diff(deleted)
    assert file_diff(renamed).startswith("rename a.py → b.py")


def test_the_ready_notice_names_hunks_and_files_and_offers_opening_only_where_it_can() -> None:
    proposal = proposal_with_operations()
    message = ready_message(proposal, {"hunks": 3, "files": 1})
    assert message == "Delegate: Proposal ready: 3 hunks in 1 file — notes and cleanup"
    assert ready_actions(True) == ["Open first file", "Accept all", "Dismiss"]
    assert ready_actions(False) == ["Accept all", "Dismiss"]


@pytest.mark.parametrize(
    ("state", "fields", "kind"),
    [
        ("failed", {}, types.MessageType.Error),
        ("succeeded", {}, types.MessageType.Info),  # nothing to propose: said so
        ("succeeded", {"proposal": {}}, None),  # the review announces it
        ("cancelled", {}, None),  # the user did it
    ],
)
def test_outcome_notice(state: str, fields: dict[str, Any], kind: types.MessageType | None) -> None:
    record = TaskRecord(task_id="t", folder="/w", instruction="x", state=state, message="why")  # type: ignore[arg-type]
    notice = outcome_notice(record, fields)
    assert (notice.type if notice else None) == kind
    if notice is not None and state == "failed":
        assert notice.message == "Delegate: task failed: why"


class Pipe:
    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        if self.closed:
            raise BrokenPipeError(32, "Broken pipe")
        self.written.append(data)

    def close(self) -> None:
        self.closed = True


def test_a_closed_pipe_is_said_once_and_later_messages_are_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="delegate")
    pipe = Pipe()
    writer = GuardedWriter(pipe)
    writer.write(b"one")
    pipe.closed = True
    writer.write(b"two")
    writer.write(b"three")
    writer.close()
    assert pipe.written == [b"one"] and writer.gone and writer.dropped == 2
    said = [r for r in caplog.records if "closed the connection" in r.getMessage()]
    assert len(said) == 1 and said[0].exc_info is None
