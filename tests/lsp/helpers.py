"""Small requests the end-to-end tests repeat: open a file, ask for actions, run a command;
and :class:`Editor`, the editor side of ``workspace/applyEdit``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from delegate.proposals.positions import TextEdit, apply_edits, from_encoding


def to_plain(value: Any) -> Any:
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {k: to_plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value


def open_file(client: LanguageClient, path: Path, language: str = "python") -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=1, text=path.read_text()
            )
        )
    )
    return uri


def span(line: int, start: int = 0, end_line: int | None = None, end: int = 0) -> types.Range:
    return types.Range(
        start=types.Position(line=line, character=start),
        end=types.Position(line=line if end_line is None else end_line, character=end),
    )


async def code_actions(
    client: LanguageClient,
    uri: str,
    rng: types.Range,
    diagnostics: list[types.Diagnostic] | None = None,
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=rng,
            context=types.CodeActionContext(diagnostics=diagnostics or []),
        )
    )
    actions = list(result or [])
    assert all(isinstance(a, types.CodeAction) for a in actions)
    return actions  # type: ignore[return-value]


async def command(client: LanguageClient, name: str, *args: Any) -> Any:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(args))
    )
    return to_plain(result)


async def request(client: LanguageClient, method: str, params: Any) -> Any:
    return to_plain(await client.protocol.send_request_async(method, params))


def negotiated(client_name: str, client: LanguageClient) -> str:
    """What LSP says the server must pick: the client's first supported encoding, else UTF-16."""
    general = client.capabilities.general if client.capabilities else None
    for encoding in (general.position_encodings if general else None) or []:
        if str(encoding) in ("utf-8", "utf-16", "utf-32"):
            return str(encoding)
    return "utf-16"


class Editor:
    """The editor side of workspace/applyEdit, as a real client would behave."""

    def __init__(self, client: LanguageClient, encoding: str) -> None:
        self.client = client
        self.encoding = encoding
        self.docs: dict[str, tuple[str, int]] = {}
        self.edits: list[types.WorkspaceEdit] = []
        self.answer = True

        @client.feature(types.WORKSPACE_APPLY_EDIT)
        async def apply_edit(
            params: types.ApplyWorkspaceEditParams,
        ) -> types.ApplyWorkspaceEditResult:
            return await self.apply_workspace_edit(params)

    async def apply_workspace_edit(
        self, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult:
        """Apply ``params`` and answer; a subclass may first wait, as a slow editor does."""
        self.edits.append(params.edit)
        if not self.answer:
            return types.ApplyWorkspaceEditResult(applied=False, failure_reason="user said no")
        for change in params.edit.document_changes or []:
            self._apply(change)
        for uri, edits in (params.edit.changes or {}).items():
            self._edit(uri, None, edits)
        return types.ApplyWorkspaceEditResult(applied=True)

    def _apply(self, change: Any) -> None:
        if isinstance(change, types.CreateFile):
            path = Path(types_path(change.uri))
            assert not path.exists()
            path.write_text("")
        elif isinstance(change, types.DeleteFile):
            Path(types_path(change.uri)).unlink()
        elif isinstance(change, types.RenameFile):
            Path(types_path(change.old_uri)).rename(types_path(change.new_uri))
        else:
            self._edit(change.text_document.uri, change.text_document.version, change.edits)

    def _edit(self, uri: str, version: int | None, edits: list[Any]) -> None:
        if uri in self.docs:
            current, doc_version = self.docs[uri]
            assert version is None or version == doc_version, "stale versioned edit"
            self.change(uri, self._applied(current, edits))
        else:
            path = Path(types_path(uri))
            path.write_bytes(self._applied(path.read_bytes().decode(), edits).encode())

    def _applied(self, text: str, edits: list[Any]) -> str:
        converted = []
        for e in edits:
            sl, sc = from_encoding(text, e.range.start.line, e.range.start.character, self.encoding)  # type: ignore[arg-type]
            el, ec = from_encoding(text, e.range.end.line, e.range.end.character, self.encoding)  # type: ignore[arg-type]
            converted.append(TextEdit(sl, sc, el, ec, e.new_text))
        return apply_edits(text, converted)

    def open(self, path: Path) -> str:
        uri = path.as_uri()
        content = path.read_bytes().decode()
        self.docs[uri] = (content, 1)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=content
                )
            )
        )
        return uri

    def change(self, uri: str, new_text: str) -> None:
        version = self.docs[uri][1] + 1
        self.docs[uri] = (new_text, version)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)],
            )
        )

    def text(self, uri: str) -> str:
        return self.docs[uri][0]


def types_path(uri: str) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(uri).path)


async def start_from_trigger(
    client: LanguageClient, editor: Editor, uri: str, trigger: str, title: str
) -> str:
    """Start a task from the code action titled ``title`` on the ``trigger`` comment line
    of the open document ``uri``; returns the task id."""
    line = editor.text(uri).splitlines().index(trigger.strip())
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line, 5), end=types.Position(line, 5)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    (action,) = [a for a in actions or [] if a.title == title]
    assert isinstance(action, types.CodeAction) and action.command is not None
    started = await command(client, action.command.command, *action.command.arguments or [])
    return str(started["taskId"])


def write_one_slot_config(folder: Path, api_base_url: str) -> None:
    """``.delegate/config.toml`` for a queue test: no index on start, a test command that
    passes, the fake API at ``api_base_url`` without retries, one task at a time."""
    green = json.dumps([sys.executable, "-c", "pass"])
    (folder / ".delegate").mkdir(exist_ok=True)
    (folder / ".delegate" / "config.toml").write_text(
        f"[index]\non_start = false\n[tests]\ncommand = {green}\n"
        f'[api]\nbase_url = "{api_base_url}"\nmax_retries = 0\n'
        "[budget]\nmax_concurrent_tasks = 1\n"
    )
