"""Rank the files a task description is about: whole-file BM25, then what the text names.

A task description (an issue, a traceback, a question) is mostly about which *file* must
change, and the best single chunk of a file is a poor judge of that: a long issue matches
a hundred small chunks a little each.  Measured on real issues against full project
trees (bench/retrieval.py, bench/RESULTS.md), these signals put the right file first
most often, and each held over a range of weights rather than at one tuned point:

1. BM25 over whole files (the ``file_docs`` table): every query token counts, repeated
   ones more, as in the SWE-bench paper's baseline.
2. Names the text mentions that few files define (``parse_header`` defined in one file
   is a strong hint; ``get`` defined in forty is none): each such name multiplies the
   file's score by ``1 + SYMBOL_WEIGHT / files defining it``.
3. Paths and module names the text mentions (``astropy/io/ascii/rst.py`` in a traceback,
   ``pydicom.valuerep``, ``qdp.py``): a file whose path ends with one is multiplied by
   ``1 + PATH_WEIGHT``.
4. What kind of file it is: code is what a task changes; tests and documentation match a
   description's words as well (they talk about the same things) but are rarely what
   must change, so their scores are scaled down (:data:`KIND_PRIOR`), not dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from delegate.index.languages import TEXT, language_for_path
from delegate.index.tokens import identifiers

FileKind = Literal["code", "test", "doc"]

KIND_PRIOR: Mapping[FileKind, float] = {"code": 1.0, "test": 0.5, "doc": 0.2}
SYMBOL_WEIGHT = 0.1
PATH_WEIGHT = 0.5
MAX_DEFINING_FILES = 3  # a name defined in more files than this says nothing
MIN_NAME_LENGTH = 3

_TEST_DIRS = frozenset({"test", "tests", "testing", "__tests__", "spec"})
_TEST_STEM = re.compile(r"^(?:test_.*|.*_test|test|tests|conftest)$|[.](?:test|spec)$")
# words holding a "/" "\\" or "." between word characters: paths, file names, dotted names
_PATHLIKE = re.compile(r"\w[\w-]*(?:[./\\]\w[\w-]*)+")


def file_kind(path: str, language: str) -> FileKind:
    """``code``, ``test`` (by directory or file name) or ``doc`` (any text file)."""
    if language == TEXT:
        return "doc"
    parts = path.lower().split("/")
    if any(part in _TEST_DIRS for part in parts[:-1]):
        return "test"
    name = parts[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return "test" if _TEST_STEM.search(stem) else "code"


def _module_parts(path: str) -> tuple[str, ...]:
    """``src/pkg/mod.py`` → ``("src", "pkg", "mod")``; a package's ``__init__`` is the package."""
    name = path.rsplit("/", 1)[-1]
    if "." in name and language_for_path(path) not in (None, TEXT):
        path = path[: -(len(name) - name.rindex("."))]
    parts = tuple(p for p in path.split("/") if p)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return parts


def path_forms(path: str) -> set[tuple[str, ...]]:
    """The endings of a file's module path a text could name it by: two parts or more,
    or the bare module name of a code file."""
    parts = tuple(p for part in _module_parts(path) for p in part.split(".") if p)
    code = language_for_path(path) not in (None, TEXT)
    return {parts[i:] for i in range(len(parts)) if len(parts) - i >= 2 or code}


def mentioned_paths(query: str) -> set[tuple[str, ...]]:
    """Every run of parts of every path-like word in the query (``a.b.c`` gives ``a``,
    ``a.b``, ``b.c``, …), so any ending of any mention can be looked up."""
    found: set[tuple[str, ...]] = set()
    for word in _PATHLIKE.findall(query):
        word = word.replace("\\", "/")
        parts = _module_parts(word) if "/" in word else tuple(word.split("."))
        if "/" not in word and "." in word:
            last = word.rsplit(".", 1)[-1]
            if language_for_path(word) not in (None, TEXT) and last != word:
                parts = tuple(word.split(".")[:-1])  # "qdp.py" names module "qdp"
        parts = tuple(p for part in parts for p in part.split(".") if p)
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                found.add(parts[i:j])
    return found


def query_names(query: str) -> list[str]:
    """Identifiers of the query worth looking up as definitions."""
    return list(dict.fromkeys(n for n in identifiers(query) if len(n) >= MIN_NAME_LENGTH))


def rank_files(
    bm25: Sequence[tuple[str, float]],
    *,
    languages: Mapping[str, str],
    definitions: Mapping[str, Iterable[str]],
    query: str,
) -> list[tuple[str, float]]:
    """Files best first, with their scores, from their BM25 scores and the query.

    ``definitions`` maps names the query mentions to the files defining them;
    ``languages`` gives each candidate's language (for :func:`file_kind`).
    """
    bonus: dict[str, float] = {}
    for paths in definitions.values():
        defining = set(paths)
        if len(defining) <= MAX_DEFINING_FILES:
            for path in defining:
                bonus[path] = bonus.get(path, 0.0) + 1.0 / len(defining)
    mentioned = mentioned_paths(query)
    scored: list[tuple[str, float]] = []
    for path, base in bm25:
        score = base * (1.0 + SYMBOL_WEIGHT * bonus.get(path, 0.0))
        if mentioned and not mentioned.isdisjoint(path_forms(path)):
            score *= 1.0 + PATH_WEIGHT
        score *= KIND_PRIOR[file_kind(path, languages.get(path, ""))]
        scored.append((path, score))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return scored
