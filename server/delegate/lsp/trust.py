"""Ask the user whether to trust a folder whose own files set commands or a key destination.

Settings from a folder's ``pyproject.toml`` or ``.delegate/config.toml`` that run commands
or send the API key (``tests.command``, ``api.base_url``, …; :mod:`delegate.trust`) are left
out of the folder's settings until the user trusts the folder with those values. After
``initialized`` this module asks once per folder with a ``window/showMessageRequest`` that
names each such setting and its value; the answer is remembered outside the folder
(``$XDG_STATE_HOME/delegate/trust.json``) and the settings are recomputed. Dismissing the
question remembers nothing, so it is asked again next time; ``delegate.trustFolder`` asks
again on demand. The same hook warns when model-written code cannot be confined here.

pygls allows one handler per method and ``initialized`` belongs to ``lifecycle.py``, so
:func:`register` wraps that handler (it must be registered after it).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types

from delegate.agent.isolation import isolation_notice
from delegate.lsp.configuration import apply_settings
from delegate.lsp.indexing import in_background
from delegate.lsp.language_server import DelegateServer
from delegate.settings import read_folder_settings
from delegate.trust import TrustStore, describe, gated_values, trusted_by_environment, values_digest

log = logging.getLogger(__name__)

TRUST = "Trust folder"
DISTRUST = "Don't trust"
COMMAND = "delegate.trustFolder"


def gated_in(folder: Path) -> dict[str, Any]:
    """The folder's own settings that need trust (whatever the answer so far)."""
    raw, _ = read_folder_settings(folder, trust=True)
    return gated_values(raw)


def trust_question(folder: Path, gated: dict[str, Any]) -> str:
    return (
        f"Delegate: the folder {folder} sets, in its own files, settings that run commands or "
        f"send your API key: {describe(gated)}. Apply them (trust this folder)?"
    )


async def ask_to_trust(ls: DelegateServer, folder: Path, *, again: bool = False) -> bool | None:
    """Ask about ``folder`` when it needs an answer; the answer, or None when not asked."""
    gated = gated_in(folder)
    if not gated or trusted_by_environment(folder):
        return None
    store, digest = TrustStore(), values_digest(gated)
    if store.decision(folder, digest) is not None and not again:
        return None
    params = types.ShowMessageRequestParams(
        type=types.MessageType.Warning,
        message=trust_question(folder, gated),
        actions=[types.MessageActionItem(title=TRUST), types.MessageActionItem(title=DISTRUST)],
    )
    try:
        answer = await ls.window_show_message_request_async(params)
    except Exception as exc:  # a client that cannot ask: the folder stays untrusted
        log.warning("could not ask whether to trust %s: %s", folder, exc)
        return None
    if answer is None:
        return None
    trusted = answer.title == TRUST
    store.remember(folder, digest, trusted)
    log.info("folder %s %s", folder, "trusted" if trusted else "not trusted")
    if trusted:
        apply_settings(ls)
    return trusted


async def check_folders(ls: DelegateServer, *, again: bool = False) -> None:
    notice = isolation_notice(ls.session.settings().sandbox.require_isolation)
    if notice and not again:
        log.warning("%s", notice)
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=notice)
        )
    for folder in list(ls.session.folders):
        await ask_to_trust(ls, folder, again=again)


def _after(handler: Callable[..., Any], ls: DelegateServer) -> Callable[..., Any]:
    async def initialized_then_ask(*args: Any) -> None:
        result = handler(*args)
        if inspect.isawaitable(result):
            await result
        in_background(ls, check_folders(ls))

    return initialized_then_ask


def register(server: DelegateServer) -> None:
    features = server.protocol.fm.features
    features[types.INITIALIZED] = _after(features[types.INITIALIZED], server)

    @server.command(COMMAND)
    async def trust_folder(ls: DelegateServer, *args: Any) -> None:
        await check_folders(ls, again=True)
