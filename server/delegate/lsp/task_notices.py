"""A task's end, told in a standard LSP pop-up to clients without their own task UI.

Helix, Emacs eglot, Kate or Neovim without the plugin show ``window/showMessage`` but know
nothing of ``delegate/taskChanged``, so a task that failed (no key, model unreachable,
budget…) or ended without changes would otherwise end in silence, its cause only in a
progress text and the log. A client that announces ``taskUi`` (``capabilities``) shows
outcomes itself and gets no pop-up. A task that produced a proposal is announced by the
review (``review/notices.py``), which can offer to open or accept it.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from delegate.lsp.capabilities import client_ui
from delegate.lsp.language_server import DelegateServer
from delegate.tasks import TaskRecord


def outcome_notice(record: TaskRecord, fields: dict[str, Any]) -> types.ShowMessageParams | None:
    """The pop-up for ``record``'s end, None when there is nothing to say in one."""
    if record.state == "failed":
        return types.ShowMessageParams(
            type=types.MessageType.Error, message=f"Delegate: task failed: {record.message}"
        )
    if record.state == "succeeded" and "proposal" not in fields:
        said = f": {record.message}" if record.message else ""
        return types.ShowMessageParams(
            type=types.MessageType.Info,
            message=f"Delegate: task finished without changes to propose{said}",
        )
    return None  # cancelled by the user, or a proposal the review announces


def tell_outcome(ls: DelegateServer, record: TaskRecord, fields: dict[str, Any]) -> None:
    if client_ui(ls.client_capabilities).task_ui:
        return
    notice = outcome_notice(record, fields)
    if notice is not None:
        ls.window_show_message(notice)
