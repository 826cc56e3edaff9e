"""Documents too large to parse inside a request.

A code action parses the open document (for "Generate tests for …" and ``delegate:``
comments). On a 50 MB buffer tree-sitter took over a minute and gigabytes, and nothing
else was answered meanwhile. The index skips files over ``index.max_file_bytes``; code
actions skip parsing documents over the same limit, and say so in one log line per
document version.
"""

from __future__ import annotations

import logging
from pathlib import Path

from delegate.lsp.language_server import DelegateServer

log = logging.getLogger(__name__)

_said: dict[str, int | None] = {}  # uri -> the version last logged as too large
_SAID_MAX = 256


def too_large_to_parse(
    ls: DelegateServer, uri: str, path: Path | None, source: str, version: int | None
) -> bool:
    """Whether ``source`` is over its folder's ``index.max_file_bytes`` (logged once per
    version). Characters are counted, not UTF-8 bytes: the same bound, without encoding."""
    state = ls.session.folder_for(path) if path is not None else None
    limit = (state.settings if state is not None else ls.session.settings()).index.max_file_bytes
    if len(source) <= limit:
        return False
    if uri not in _said or _said[uri] != version:
        if len(_said) >= _SAID_MAX:
            _said.clear()
        _said[uri] = version
        name = path.name if path is not None else uri
        log.info(
            "%s: %d characters, over index.max_file_bytes (%d): not parsed for code actions",
            name,
            len(source),
            limit,
        )
    return True
