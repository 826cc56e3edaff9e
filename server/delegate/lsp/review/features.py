"""The review's read side: code lenses, diagnostics on open/change/close (through a
document listener), review code actions, and the ``delegate/proposal`` /
``delegate/proposals`` requests.

Handlers are a few lines each: they find the document's text and the folder's pending
proposals and call the pure builders in ``review.lenses`` and ``review.protocol``. Hunk
places are recomputed from the current text on every request, so they follow the user's
edits without any bookkeeping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from delegate.lsp.commands import folders_named
from delegate.lsp.converters import to_plain
from delegate.lsp.language_server import DelegateServer
from delegate.lsp.review.decisions import Review
from delegate.lsp.review.lenses import code_actions, code_lenses
from delegate.lsp.review.protocol import proposal_json, proposal_summary_json
from delegate.lsp.session import DocumentListener


def _params(raw: Any) -> Mapping[str, Any]:
    plain = to_plain(raw)
    return plain if isinstance(plain, Mapping) else {}


def proposal(review: Review, params: Mapping[str, Any]) -> dict[str, Any]:
    """``delegate/proposal {taskId, version?}``."""
    version = params.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise JsonRpcInvalidParams(message="`version` must be an integer")
    where = review.locate(params.get("taskId"), version)
    folder = where.state.path
    currents: dict[str, str | None] = {}
    uris: dict[str, str] = {}
    for fp in where.proposal.files:
        now = review.current(folder, fp.source_path)
        currents[fp.source_path], uris[fp.source_path] = now.text, now.uri
    return proposal_json(
        where.proposal,
        folder_uri=where.state.uri,
        uris=uris,
        currents=currents,
        encoding=review.encoding,
        versions=[p.version for p in where.store.versions(where.proposal.task_id)],
    )


def proposals(review: Review, params: Mapping[str, Any]) -> dict[str, Any]:
    """``delegate/proposals {folder?, all?}``: pending proposals (every one with ``all``)."""
    listed: list[dict[str, Any]] = []
    for state in folders_named(review.ls, params.get("folder")):
        chosen = (
            review.store(state.path).list() if params.get("all") else review.pending(state.path)
        )
        listed.extend(proposal_summary_json(p, state.uri) for p in chosen)
    return {"proposals": listed}


def review_code_actions(review: Review, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    document = review.ls.workspace.get_text_document(uri)
    reviews = review.document_reviews(uri, document.source)
    only = [str(getattr(k, "value", k)) for k in params.context.only or []]
    return code_actions(uri, params.range.start.line, reviews, only or None)


def register(server: DelegateServer, review: Review) -> None:
    server.code_action_providers.append(lambda ls, params: review_code_actions(review, params))

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    def code_lens(ls: DelegateServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        uri = params.text_document.uri
        document = ls.workspace.get_text_document(uri)
        return code_lenses(uri, document.source, review.document_reviews(uri, document.source))

    # pending hunks move with the text: diagnostics follow every open and change
    server.session.document_listeners.append(
        DocumentListener(on_open=review.publish, on_change=review.publish, on_close=review.clear)
    )

    @server.feature("delegate/proposal")
    def delegate_proposal(ls: DelegateServer, params: Any) -> dict[str, Any]:
        return proposal(review, _params(params))

    @server.feature("delegate/proposals")
    def delegate_proposals(ls: DelegateServer, params: Any) -> dict[str, Any]:
        return proposals(review, _params(params))
