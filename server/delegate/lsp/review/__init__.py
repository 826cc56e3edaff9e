"""Proposal review over LSP: one :class:`~delegate.lsp.review.decisions.Review` per server
and the features that show and decide its proposals.

- ``decisions`` — the stores and the accept/reject/new-proposal flows (the one lock);
- ``features`` — code lenses, diagnostics, review code actions, ``delegate/proposal(s)``;
- ``commands`` — the accept/reject/diff/revise commands;
- ``edits`` — accepted hunks as one ``WorkspaceEdit`` shaped for the client;
- ``landing`` — whether an applied edit really reached the editor's text;
- ``notices`` — "Proposal ready" for clients without their own task UI;
- ``previews`` — a created, deleted or renamed file's whole content, shown read-only;
- ``lenses`` and ``protocol`` — pure builders of lenses, diagnostics, actions and JSON.

The modules import ``decisions`` (and the pure ones), never this package, so there is no
import circle; :func:`register` makes the ``Review`` and hands it to each.
"""

from __future__ import annotations

from delegate.lsp.language_server import DelegateServer
from delegate.lsp.review import commands, features, notices
from delegate.lsp.review.decisions import Review


def review_of(ls: DelegateServer) -> Review:
    """The server's one :class:`Review` (made by :func:`register`), for features that act on
    proposals (``lsp/ship.py``); LookupError when review is not registered."""
    if not isinstance(ls.review, Review):
        raise LookupError("proposal review is not registered on this server")
    return ls.review


def register(server: DelegateServer) -> None:
    review = server.review = Review(server)
    server.session.on_task_finished.append(review.task_finished)
    server.session.on_task_finished.append(
        lambda record, result: notices.after_task(review, record, result)
    )
    server.session.trigger_busy.append(review.is_pending)
    features.register(server, review)
    commands.register(server, review)
