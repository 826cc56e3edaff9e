"""Code-aware tokenisation shared by the hashing embedder, query processing and BM25.

Source code hides words inside identifiers: ``parseArgs``, ``parse_args`` and ``ParseArgs``
all mean "parse args".  Splitting identifiers into lower-case sub-tokens (and keeping the
whole identifier as well, so an exact name still matches best) lets one bag-of-words model
serve both natural-language questions and identifier look-ups.  Everything here is a pure
function so the benchmark's BM25 baseline can use exactly the same tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from delegate.index.model import Chunk

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
_SUBTOKEN = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

# Words so common in code (or English) that they say nothing about what a chunk does.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "if",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
        "not",
        "no",
        "do",
        "does",
        "def",
        "self",
        "cls",
        "return",
        "none",
        "true",
        "false",
        "pass",
        "else",
        "elif",
        "import",
        "class",
        "function",
        "var",
        "let",
        "const",
        "new",
        "void",
        "int",
        "str",
        "bool",
        "public",
        "private",
        "static",
        "final",
        "end",
        "then",
    ]
)


def split_identifier(identifier: str) -> list[str]:
    """``parseHTTPResponse_v2`` → ``["parse", "http", "response", "v", "2"]``."""
    return [part.lower() for part in _SUBTOKEN.findall(identifier)]


def identifiers(text: str) -> list[str]:
    """Every identifier-looking word in ``text``, in order (numbers excluded)."""
    return [m for m in _IDENTIFIER.findall(text) if not m[0].isdigit()]


def word_tokens(word: str) -> tuple[str, ...]:
    """The tokens of one identifier: its useful sub-words, then itself when it splits."""
    parts = split_identifier(word)
    tokens = [part for part in parts if len(part) > 1 and part not in STOP_WORDS]
    if len(parts) > 1:
        tokens.append(word.lower().strip("_"))
    return tuple(tokens)


# Identifiers repeat endlessly in code, so each distinct word is split once per process.
_WORD_CACHE: dict[str, tuple[str, ...]] = {}
_WORD_CACHE_MAX = 300_000


def code_token_list(text: str) -> list[str]:
    """Lower-case sub-tokens of every identifier, plus the whole identifier when it splits.

    Stop words and one-letter tokens are dropped; they only add noise to a bag of words.
    """
    cache = _WORD_CACHE
    out: list[str] = []
    for word in _IDENTIFIER.findall(text):
        tokens = cache.get(word)
        if tokens is None:
            tokens = word_tokens(word)
            if len(cache) < _WORD_CACHE_MAX:
                cache[word] = tokens
        out.extend(tokens)
    return out


def code_tokens(text: str) -> Iterator[str]:
    """:func:`code_token_list`, lazily."""
    yield from code_token_list(text)


def search_terms(query: str, *, max_terms: int = 64) -> list[str]:
    """Deduplicated query tokens in first-seen order, capped for very long issue texts."""
    seen: dict[str, None] = {}
    for token in code_tokens(query):
        if token not in seen:
            seen[token] = None
            if len(seen) >= max_terms:
                break
    return list(seen)


def chunk_tokens(chunk: Chunk) -> list[str]:
    """Code tokens of a chunk with its path and symbol, which carry meaning too.

    The same tokens feed the hashing embedder and the full-text index, so a chunk is
    tokenised once.
    """
    return code_token_list(f"{chunk.path} {chunk.symbol}\n{chunk.text}")


def chunk_terms(chunk: Chunk) -> str:
    """The text the full-text index sees for a chunk."""
    return " ".join(chunk_tokens(chunk))
