"""Check a file right after the agent edits it, so a broken edit is news at once.

Without this a syntax error shows only after a whole test round, as an import failure far
from the edit. Python files are checked with ``compile()`` (the language's own parser);
other languages with the index's tree-sitter grammar, whose ``ERROR`` and missing nodes mark
what does not parse. Only errors the edit introduced are reported: a file that was already
broken is compared with itself before the edit.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

from tree_sitter import Node

from delegate.index.grammars import parser
from delegate.index.languages import language_for_path

MAX_REPORTED = 5


def syntax_errors(path: str, text: str) -> list[tuple[int, str]]:
    """(line, message) for each syntax error in ``text``; empty for unknown languages."""
    language = language_for_path(path)
    if language == "python" or path.endswith(".py"):
        return _python_errors(path, text)
    if language is None or language == "text":
        return []
    try:
        tree = parser(language).parse(text.encode("utf-8"))
    except Exception:  # a grammar that cannot be loaded is no reason to refuse an edit
        return []
    if not tree.root_node.has_error:
        return []
    return list(_tree_errors(tree.root_node))[:MAX_REPORTED]


def new_syntax_errors(path: str, before: str | None, after: str) -> list[tuple[int, str]]:
    """The errors in ``after`` that ``before`` did not have (compared by message)."""
    errors = syntax_errors(path, after)
    if not errors or before is None:
        return errors
    old = {message for _, message in syntax_errors(path, before)}
    return [(line, message) for line, message in errors if message not in old]


def describe(path: str, errors: list[tuple[int, str]]) -> str:
    lines = "\n".join(f"  line {line}: {message}" for line, message in errors)
    return (
        f"\nWARNING: {path} does not parse after this edit:\n{lines}\n"
        "Fix it before going on (view the lines around it)."
    )


def _python_errors(path: str, text: str) -> list[tuple[int, str]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as error:
        return [(error.lineno or 0, error.msg)]
    except ValueError as error:  # e.g. null bytes
        return [(0, str(error))]
    return []


def _tree_errors(root: Node) -> Iterator[tuple[int, str]]:
    stack = [root]
    while stack:
        node = stack.pop()
        line = node.start_point[0] + 1
        if node.is_missing:
            yield line, f"missing {node.type}"
        elif node.type == "ERROR":
            snippet = (node.text or b"").decode("utf-8", "replace").split("\n", 1)[0][:60]
            yield line, f"syntax error near {snippet!r}"
            continue
        if node.has_error:
            stack.extend(reversed(node.children))
