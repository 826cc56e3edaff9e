"""Code-aware tokenisation shared by the hashing embedder, query processing and BM25.

Source code hides words inside identifiers: ``parseArgs``, ``parse_args`` and ``ParseArgs``
all mean "parse args".  Splitting identifiers into lower-case sub-tokens (and keeping the
whole identifier as well, so an exact name still matches best) lets one bag-of-words model
serve both natural-language questions and identifier look-ups.  Everything here is a pure
function so the benchmark's BM25 baseline can use exactly the same tokens.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator
from itertools import filterfalse, repeat
from operator import add

import Stemmer

from delegate.index.model import Chunk

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
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
    return [m for m in IDENTIFIER.findall(text) if not m[0].isdigit()]


# Sub-words that are not tokens: stop words and single characters.  One set lookup per
# sub-word (in C, through ``filterfalse``) instead of a length test and a lookup in Python.
DROPPED = STOP_WORDS | set(string.ascii_lowercase) | set(string.digits) | {""}
_DROPPED = DROPPED
_dropped = _DROPPED.__contains__


def word_tokens(word: str) -> tuple[str, ...]:
    """The tokens of one identifier: its useful sub-words, then itself when it splits."""
    parts = _SUBTOKEN.findall(word)
    if len(parts) > 1:
        # lower-cased at once: the parts hold no spaces, so split() gives them back
        subwords = " ".join(parts).lower().split()
        return (*filterfalse(_dropped, subwords), word.lower().strip("_"))
    if parts:
        part = parts[0].lower()
        return () if part in _DROPPED else (part,)
    return ()


# Every byte that cannot be part of an identifier becomes a space, so ``bytes.split`` cuts a
# text into runs of [A-Za-z0-9_] (non-ASCII characters only ever separate).  A run holds
# one or more identifiers or numbers ("2abc" is "2" and "abc"); splitting into runs is a
# few C calls per text, and each distinct run is then looked at only once.
_SEPARATE = bytes(
    b if chr(b).isascii() and (chr(b).isalnum() or chr(b) == "_") else 32 for b in range(256)
)


def word_runs(text: str) -> list[bytes]:
    """The runs of identifier characters in ``text``, in order."""
    return text.encode("utf-8", "surrogatepass").translate(_SEPARATE).split()


def run_tokens(run: bytes) -> tuple[str, ...]:
    """The tokens of one run: :func:`word_tokens` of each identifier or number in it.

    Most runs have a shape whose sub-words need no regex: one word in one case
    (``parse``, ``PARSE``, ``Parse``), a number, or such words joined by underscores
    (``parse_args``, ``MAX_SIZE``, ``Foo_Bar``).  Those take a few ``str`` methods here;
    anything else (``parseArgs``, ``utf8``, ``2abc``) goes through the regex.  Both ways
    give the same tokens: tests/index/test_tokens.py checks random identifiers.
    """
    word = run.decode("ascii")  # a run is ASCII, so isalpha/islower/... mean A-Z and a-z
    if word.isalpha():
        # in one case (or capitalised) a word is one sub-word, the whole of it
        if word.islower() or word.isupper() or word.istitle():
            word = word.lower()
            return () if word in _DROPPED else (word,)
    elif word.isdigit():
        return (word,) if len(word) > 1 else ()
    elif (
        (word.islower() or word.isupper() or word.istitle())
        and "_" in word
        and word.replace("_", "").isalpha()
    ):
        # underscores between such words (istitle takes "_" as a word break, so
        # "Foo_Bar" is title-cased but "Foo_bar" is not): the parts between "_"s
        whole = word.lower().strip("_")
        if "_" in whole:  # two parts or more (empty ones between "__" are dropped)
            return (*filterfalse(_dropped, whole.split("_")), whole)
        return () if whole in _DROPPED else (whole,)
    if not word[0].isdigit():
        return word_tokens(word)  # one identifier
    return tuple(t for w in IDENTIFIER.findall(word) for t in word_tokens(w))


# Identifiers repeat endlessly in code, so each distinct run is split once per process.
_RUN_CACHE: dict[bytes, tuple[str, ...]] = {}
_RUN_CACHE_MAX = 300_000


def code_token_list(text: str) -> list[str]:
    """Lower-case sub-tokens of every identifier, plus the whole identifier when it splits.

    Stop words and one-letter tokens are dropped; they only add noise to a bag of words.
    Numbers count as words.
    """
    cache = _RUN_CACHE
    out: list[str] = []
    for run in word_runs(text):
        tokens = cache.get(run)
        if tokens is None:
            tokens = run_tokens(run)
            if len(cache) < _RUN_CACHE_MAX:
                cache[run] = tokens
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


# The full-text index stores terms already stemmed (its own stemming is off): the English
# Snowball stemmer then runs once per distinct token in the indexing process instead of
# once per occurrence inside LanceDB's index build, which halves that build.  Queries go
# through :func:`fts_form` too, so both sides meet on the same stems.  The stemmer's own
# cache is off (size 0): ``_FTS_CACHE`` and the vocabulary already remember every token's
# form, and PyStemmer's cache, purged whenever it passes 10,000 words, made each stem ~4x
# dearer on a workspace.
_STEMMER = Stemmer.Stemmer("english", 0)
_FTS_CACHE: dict[str, str] = {}


def fts_token(token: str) -> str:
    """One token as the full-text index stores it: each ``_``-separated part stemmed.

    The index's tokenizer cuts at every non-alphanumeric character, so ``parse_args``
    reaches it as ``parse`` and ``args``; stemming the parts (not the whole) gives the
    stems a stemming index would have made of them.
    """
    form = _FTS_CACHE.get(token)
    if form is None:
        if "_" in token:
            form = " ".join(_STEMMER.stemWords([p for p in token.split("_") if p]))
        else:
            form = _STEMMER.stemWord(token)
        if len(_FTS_CACHE) < _RUN_CACHE_MAX:
            _FTS_CACHE[token] = form
    return form


def fts_terms(tokens: list[str]) -> list[str]:
    """:func:`fts_token` of each of many tokens plus a space ("" for a token with no
    form), uncached: ready to be joined into :func:`fts_form`'s text.

    Every distinct ``_``-separated part of them goes through the stemmer in one call,
    and the rest is a few passes in C over one string of them all, a token a line: about
    0.95 us a token where a first :func:`fts_token` call costs 1.3 us.
    """
    text = "\n".join(tokens)
    if " " in text or text.count("\n") != len(tokens) - 1:  # not tokens of code
        return [f"{form} " if (form := fts_token(token)) else "" for token in tokens]
    # each token's parts ("" around a "_" that has no part on one side), then "\n":
    # "a_b\n_c" -> a, b, \n, "", c
    pieces = text.replace("_", " ").replace("\n", " \n ").split(" ")
    parts = list(dict.fromkeys(pieces))
    term_of = dict(zip(parts, map(add, _STEMMER.stemWords(parts), repeat(" ")), strict=True))
    term_of[""], term_of["\n"] = "", "\n"
    return "".join(map(term_of.__getitem__, pieces)).split("\n")


def fts_form(tokens: Iterable[str]) -> str:
    """Tokens joined into the text the full-text index holds (or is queried with)."""
    cache = _FTS_CACHE
    # a known token costs one dict lookup; "" (a token of underscores) is left out
    return " ".join([form for t in tokens if (form := cache.get(t) or fts_token(t))])


def chunk_terms(chunk: Chunk) -> str:
    """The text the full-text index sees for a chunk."""
    return fts_form(chunk_tokens(chunk))
