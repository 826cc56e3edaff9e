"""The definitions of a document, parsed once per document version.

Code actions must answer in milliseconds, but parsing a 2,600-line file with tree-sitter
takes tens of milliseconds. Editors ask for code actions on every cursor move, mostly without
an edit in between, so the definitions are kept per (uri, version): only the first request
after an edit parses; the others look up the innermost definition around the cursor.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence

from delegate.index.model import Definition

log = logging.getLogger(__name__)


def innermost(definitions: Sequence[Definition], line: int) -> Definition | None:
    """The deepest definition whose lines contain 1-based ``line`` (the later start wins)."""
    best: Definition | None = None
    for definition in definitions:
        if definition.start_line <= line <= definition.end_line and (
            best is None or definition.start_line >= best.start_line
        ):
            best = definition
    return best


def all_definitions(name: str, text: str) -> tuple[Definition, ...] | None:
    """Every definition in ``text`` (file name for the language); None when unparseable."""
    try:
        parse_file = importlib.import_module("delegate.index.parse").parse_file
        definitions: tuple[Definition, ...] = tuple(parse_file(name, text).definitions)
        return definitions
    except Exception:
        log.debug("could not outline %s", name, exc_info=True)
        return None


class OutlineCache:
    """``uri -> (version, definitions)`` for the documents code actions were asked about."""

    def __init__(self, max_documents: int = 64) -> None:
        self._entries: dict[str, tuple[int, tuple[Definition, ...]]] = {}
        self._max = max_documents

    def definitions(
        self, uri: str, name: str, version: int | None, text: str
    ) -> tuple[Definition, ...] | None:
        """The document's definitions, parsed at most once per version."""
        entry = self._entries.get(uri)
        if entry is not None and version is not None and entry[0] == version:
            return entry[1]
        found = all_definitions(name, text)
        if found is not None and version is not None:
            self._entries.pop(uri, None)
            self._entries[uri] = (version, found)
            while len(self._entries) > self._max:  # drop the least recently parsed
                del self._entries[next(iter(self._entries))]
        return found
