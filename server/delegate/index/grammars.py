"""Tree-sitter grammars, parsers and compiled queries, loaded once per process.

Parsing runs in a process pool, so every worker builds its own ``Parser`` and ``Query``
objects on first use and keeps them in module-level caches: compiling a query costs
milliseconds, parsing one file often costs less. Queries are ``.scm`` data files beside
this module (``queries/<language>.definitions.scm`` and ``queries/<language>.references.scm``)
so they can be read and edited without touching Python. Both are compiled into one
query: walking a tree with a query cursor costs about a quarter of parsing it, so one
walk per file instead of two is a large part of the indexing budget.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

from tree_sitter import Language, Parser, Query

QUERY_DIR = Path(__file__).parent / "queries"

# language name -> (grammar module, function returning the language pointer)
_GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "ruby": ("tree_sitter_ruby", "language"),
    "c_sharp": ("tree_sitter_c_sharp", "language"),
    "php": ("tree_sitter_php", "language_php"),
}

# tsx shares the TypeScript queries (the grammars differ only in JSX support) and adds
# its own queries/tsx.<purpose>.scm where one exists
_QUERY_NAME = {"tsx": "typescript"}

CODE_LANGUAGES: frozenset[str] = frozenset(_GRAMMARS)


@functools.cache
def grammar(language: str) -> Language:
    """The tree-sitter ``Language`` for one of :data:`CODE_LANGUAGES`."""
    module_name, function_name = _GRAMMARS[language]
    module = importlib.import_module(module_name)
    return Language(getattr(module, function_name)())


@functools.cache
def parser(language: str) -> Parser:
    return Parser(grammar(language))


def query_source(language: str, purpose: str) -> str:
    """The ``.scm`` text for ``purpose`` ("definitions" or "references"): the shared file
    of an aliased language (tsx reads typescript's) plus its own additions, if any."""
    shared = _QUERY_NAME.get(language, language)
    parts = [(QUERY_DIR / f"{shared}.{purpose}.scm").read_text(encoding="utf-8")]
    own = QUERY_DIR / f"{language}.{purpose}.scm"
    if shared != language and own.is_file():
        parts.append(own.read_text(encoding="utf-8"))
    return "\n".join(parts)


@functools.cache
def symbols_query(language: str) -> Query:
    """Definitions and references in one query, so a file's tree is walked once.

    Captures ``@definition.<kind>`` nodes with their ``@name`` (and Go's ``@receiver``),
    and ``@reference`` on the names the repo map and find_symbol use: callees, member
    accesses, type names, imported names, base classes, decorators — not every identifier.
    """
    source = query_source(language, "definitions") + "\n" + query_source(language, "references")
    return Query(grammar(language), source)
