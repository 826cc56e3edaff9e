"""The whole content of a created, deleted or renamed file, shown before it is accepted.

A modified file's hunks sit in its own buffer with a "Diff" lens each; a file the proposal
creates, deletes or renames has no such place — its content exists only in the proposal.
``delegate.diffFile {taskId, uri | path}`` shows it: where the client supports
``window/showDocument``, as a read-only copy under ``.delegate/previews/<task>/v<version>/``
(the proposed text of a create or rename, the text a delete removes), opened beside the
user's files; elsewhere as a message holding the file's diff. The answer carries the diff
and the preview's uri either way, for clients with their own view.
"""

from __future__ import annotations

import logging
import stat
from pathlib import Path
from typing import Any

from lsprotocol import types

from delegate.lsp.capabilities import supports_show_document
from delegate.lsp.converters import path_to_uri
from delegate.lsp.language_server import DelegateServer
from delegate.lsp.review.decisions import Located, Review
from delegate.lsp.review.protocol import hunk_diff
from delegate.proposals.model import FileProposal

log = logging.getLogger(__name__)

PREVIEWS = Path(".delegate") / "previews"
MESSAGE_LIMIT = 4000  # characters of diff in a message; the preview file has it all


def preview_text(fp: FileProposal) -> str:
    """What the preview shows: the proposed text, or for a delete the text it removes."""
    if fp.op == "delete":
        return fp.base or ""
    return fp.proposed or ""


def file_diff(fp: FileProposal) -> str:
    """The file's whole change as a unified diff (a pure rename says so)."""
    head = f"rename {fp.old_path} → {fp.path}\n" if fp.op == "rename" else ""
    body = "".join(hunk_diff(fp, h) for h in fp.hunks)
    return head + body


def preview_path(where: Located, fp: FileProposal) -> Path:
    version = f"v{where.proposal.version}"
    return where.state.path / PREVIEWS / where.proposal.task_id / version / fp.path


def write_preview(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` and make it read-only (an editor then refuses to save)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    path.write_bytes(text.encode("utf-8"))
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


async def show_document(ls: DelegateServer, uri: str) -> bool:
    """Ask the client to open ``uri``, focused; True when it did.

    Neovim 0.11 fails a focused ``window/showDocument`` while the cursor is in an empty
    buffer (its jump list reads the word under the cursor: "E348: No string under
    cursor") — and an empty buffer is where a user stands who opened the path a proposal
    creates. So a refused focused request is sent once more without focus (Neovim then
    opens a split beside the current window).
    """
    for focus in (True, False):
        try:
            result = await ls.window_show_document_async(
                types.ShowDocumentParams(uri=uri, take_focus=focus)
            )
        except Exception as exc:  # the client answered with an error
            log.info("window/showDocument %s (takeFocus %s) failed: %s", uri, focus, exc)
            continue
        if result is not None and result.success:
            return True
    return False


async def show_file(review: Review, where: Located, fp: FileProposal) -> dict[str, Any]:
    ls = review.ls
    diff = file_diff(fp)
    answer: dict[str, Any] = {
        "taskId": where.proposal.task_id,
        "path": fp.path,
        "op": fp.op,
        "diff": diff,
        "previewUri": None,
    }
    shown = False
    if supports_show_document(ls.client_capabilities):
        path = preview_path(where, fp)
        try:
            write_preview(path, preview_text(fp))
        except OSError as exc:
            log.warning("could not write the preview of %s: %s", fp.path, exc)
        else:
            answer["previewUri"] = path_to_uri(path)
            shown = await show_document(ls, answer["previewUri"])
    if not shown:
        text = diff if len(diff) <= MESSAGE_LIMIT else diff[:MESSAGE_LIMIT] + "\n…"
        what = {"create": "creates", "delete": "deletes", "rename": "renames"}.get(fp.op, "changes")
        review.show(types.MessageType.Info, f"Delegate {what} {fp.path}:\n{text}")
    return answer
