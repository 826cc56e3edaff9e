"""Definitions for code actions: the innermost one wins, and each version is parsed once."""

from __future__ import annotations

from delegate.index.model import Definition
from delegate.lsp.outline_cache import OutlineCache, innermost

SOURCE = """class Cache:
    def get(self, key):
        return key


def helper():
    pass
"""


def definition(qualified: str, start: int, end: int) -> Definition:
    return Definition(qualified.split(".")[-1], qualified, "function", "a.py", start, end)


def test_innermost_prefers_the_deepest_definition() -> None:
    outline = [definition("Cache", 1, 3), definition("Cache.get", 2, 3), definition("helper", 6, 7)]
    assert innermost(outline, 1) == outline[0]
    assert innermost(outline, 3) == outline[1]
    assert innermost(outline, 4) is None
    assert innermost(outline, 7) == outline[2]


def test_definitions_come_from_the_text_and_are_kept_per_version() -> None:
    cache = OutlineCache()
    first = cache.definitions("file:///a.py", "a.py", 1, SOURCE)
    assert first is not None
    assert {d.qualified for d in first} == {"Cache", "Cache.get", "helper"}
    # same version: the cached result, even if the text passed differs
    assert cache.definitions("file:///a.py", "a.py", 1, "def other():\n    pass\n") is first
    # a new version is parsed again
    second = cache.definitions("file:///a.py", "a.py", 2, "def other():\n    pass\n")
    assert second is not None and [d.qualified for d in second] == ["other"]


def test_old_documents_are_dropped_beyond_the_limit() -> None:
    cache = OutlineCache(max_documents=2)
    for n in range(3):
        cache.definitions(f"file:///{n}.py", f"{n}.py", 1, SOURCE)
    stale = "def changed():\n    pass\n"
    # the first document was evicted, so its version 1 is parsed again from the new text
    again = cache.definitions("file:///0.py", "0.py", 1, stale)
    assert again is not None and [d.qualified for d in again] == ["changed"]
