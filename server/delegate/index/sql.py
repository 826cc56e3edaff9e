"""Build LanceDB ``where`` strings safely: every literal is quoted here, nowhere else.

LanceDB filters are SQL text (DataFusion dialect) with no bind parameters, so a path such
as ``it's.py`` would break a hand-built filter — or worse, change its meaning.  All
filters in the index go through these helpers; a test feeds them quotes and backslashes.
"""

from __future__ import annotations

from collections.abc import Iterable

_REGEX_SPECIAL = set(".^$*+?()[]{}|\\")


def quote_literal(value: str) -> str:
    """A SQL string literal: single quotes doubled, NUL bytes refused."""
    if "\x00" in value:
        raise ValueError("NUL byte in a SQL string literal")
    return "'" + value.replace("'", "''") + "'"


def equals(column: str, value: str) -> str:
    return f"{column} = {quote_literal(value)}"


def is_in(column: str, values: Iterable[str]) -> str:
    quoted = ", ".join(quote_literal(v) for v in values)
    return f"{column} IN ({quoted})" if quoted else "false"


def glob_to_regex(glob: str) -> str:
    """gitignore-flavoured glob → anchored regex: ``*`` stays in a directory, ``**`` crosses.

    A pattern without a slash matches a file name at any depth (``*.py``); a trailing
    slash or a bare directory name matches everything below it.
    """
    pattern = glob.strip()
    anywhere = "/" not in pattern.rstrip("/")
    pattern = pattern.lstrip("/")
    out: list[str] = ["^", "(.*/)?" if anywhere else ""]
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c in _REGEX_SPECIAL:
            out.append("\\" + c)
        else:
            out.append(c)
        i += 1
    out.append("(/.*)?$")
    return "".join(out)


def path_matches_glob(column: str, glob: str) -> str:
    return f"regexp_like({column}, {quote_literal(glob_to_regex(glob))})"


def all_of(clauses: Iterable[str | None]) -> str | None:
    parts = [f"({c})" for c in clauses if c]
    return " AND ".join(parts) if parts else None
