"""Code actions that start tasks: they answer in milliseconds and never call the model.

The only work inside the request is the in-memory parse of the current document (to name
the enclosing function for "Generate tests for …"), skipped for a document over the index
size limit (``lsp/document_limits.py``). Each action carries a ``command``; the
work starts when the user picks it. More providers (proposal review) can be appended to
``server.code_action_providers``.

"Delegate task…" needs the editor to ask for the text, so only clients that announce a
prompt (``capabilities.client_ui``) get it; every other editor starts a free-text task
from a ``delegate:`` comment. A comment whose task is still queued, running or waiting
for a decision on its proposal offers no second task, and Delegate's own diagnostics
(the pending hunks) offer no "Fix with Delegate".
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types

from delegate.index.model import Definition
from delegate.lsp.capabilities import client_ui
from delegate.lsp.converters import range_to_json, relative_posix, trigger_range, uri_to_path
from delegate.lsp.document_limits import too_large_to_parse
from delegate.lsp.language_server import DIAGNOSTIC_SOURCE, DelegateServer
from delegate.lsp.outline_cache import innermost
from delegate.triggers import find_trigger

log = logging.getLogger(__name__)

KIND_TASK = "refactor.delegate"
KIND_TESTS = "refactor.delegate.tests"
KIND_FIX = types.CodeActionKind.QuickFix.value
_TESTABLE = frozenset({"function", "method", "class"})


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    return not only or any(kind == o or kind.startswith(o + ".") for o in only)


def _action(title: str, kind: str, command: str, argument: dict[str, Any]) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=kind,
        command=types.Command(title=title, command=command, arguments=[argument]),
    )


def build_code_actions(
    uri: str,
    rng: types.Range,
    lines: Sequence[str],
    diagnostics: Sequence[types.Diagnostic],
    definition: Definition | None,
    only: Sequence[str] | None = None,
    *,
    prompt: bool = True,
    trigger_taken: Callable[[str], bool] | None = None,
) -> list[types.CodeAction]:
    """Every Delegate action for ``rng`` in the document at ``uri`` (pure).

    ``prompt``: the client can ask for a task's text ("Delegate task…" is offered);
    ``trigger_taken(text)``: a task from the ``delegate:`` comment ``text`` is under way.
    """
    actions: list[types.CodeAction] = []
    here = {"uri": uri, "range": range_to_json(rng)}
    trigger = find_trigger(lines, rng.start.line, rng.end.line)
    taken = trigger is not None and trigger_taken is not None and trigger_taken(trigger.text)
    if trigger is not None and not taken and _wanted(KIND_TASK, only):
        where = range_to_json(trigger_range(trigger))
        actions.append(
            _action(
                f"Delegate: {trigger.text}",
                KIND_TASK,
                "delegate.task",
                {"uri": uri, "range": where, "text": trigger.text, "trigger": where},
            )
        )
    if _wanted(KIND_FIX, only):
        for diagnostic in diagnostics:
            if diagnostic.source == DIAGNOSTIC_SOURCE:
                continue  # a pending hunk: it is decided with its own actions
            first_line = diagnostic.message.strip().splitlines()[0] if diagnostic.message else ""
            source = f" ({diagnostic.source})" if diagnostic.source else ""
            action = _action(
                f"Fix with Delegate: {first_line}",
                KIND_FIX,
                "delegate.task",
                {
                    "uri": uri,
                    "range": range_to_json(diagnostic.range),
                    "text": f"Fix this problem{source}: {diagnostic.message}",
                },
            )
            action.diagnostics = [diagnostic]
            actions.append(action)
    if definition is not None and definition.kind in _TESTABLE and _wanted(KIND_TESTS, only):
        actions.append(
            _action(
                f"Generate tests for `{definition.qualified}`",
                KIND_TESTS,
                "delegate.generateTests",
                {
                    **here,
                    "symbol": definition.qualified,
                    "startLine": definition.start_line,
                    "endLine": definition.end_line,
                },
            )
        )
    if prompt and _wanted(KIND_TASK, only):
        actions.append(_action("Delegate task…", KIND_TASK, "delegate.task", here))
    return actions


def trigger_taken(ls: DelegateServer, path: Path, text: str) -> bool:
    """Whether a task from the ``delegate:`` comment ``text`` in ``path`` is queued,
    running, or finished with a proposal still waiting for the user's decision."""
    state = ls.session.folder_for(path)
    if state is None:
        return False
    rel = relative_posix(path, state.path)
    for record in ls.session.registry.records(state.path):
        if record.trigger is None or record.file != rel or record.instruction != text:
            continue
        if not record.finished or any(busy(record.task_id) for busy in ls.session.trigger_busy):
            return True
    return False


def definition_at(path: str, text: str, line: int) -> Definition | None:
    """The function, method or class around 0-based ``line``, from an in-memory parse."""
    try:
        finder = importlib.import_module("delegate.index.parse").enclosing_definition
    except (ImportError, AttributeError):
        return None
    try:
        found: Definition | None = finder(path, text, line + 1)
        return found
    except Exception:  # a parser problem must never break the code action request
        log.debug("enclosing_definition failed for %s", path, exc_info=True)
        return None


def register(server: DelegateServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[KIND_TASK, KIND_TESTS, types.CodeActionKind.QuickFix]
        ),
    )
    def code_action(ls: DelegateServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        document = ls.workspace.get_text_document(uri)
        path = uri_to_path(uri)
        huge = too_large_to_parse(ls, uri, path, document.source, document.version)
        lines = [] if huge else document.source.splitlines()
        line = params.range.start.line
        definition = None
        if path is not None and not huge:
            outline = ls.session.outlines.definitions(
                uri, path.name, document.version, document.source
            )
            definition = innermost(outline, line + 1) if outline is not None else None
        only = [str(k.value if hasattr(k, "value") else k) for k in params.context.only or []]
        actions = build_code_actions(
            uri,
            params.range,
            lines,
            params.context.diagnostics,
            definition,
            only or None,
            prompt=client_ui(ls.client_capabilities).prompt,
            trigger_taken=(lambda text: trigger_taken(ls, path, text)) if path else None,
        )
        for provider in ls.code_action_providers:
            actions.extend(provider(ls, params))
        return actions
