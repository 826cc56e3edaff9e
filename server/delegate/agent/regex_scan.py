"""Regular-expression scans that cannot freeze their caller: ``grep``'s engine.

Python's ``re`` backtracks, so a pattern such as ``(a+)+$`` takes exponential time on a
long run of ``a``, and it holds the interpreter lock all the while: run in a thread it
still stalls the event loop, and a timeout around it fires only once it is done. Two ways
out, chosen per pattern by :func:`compile_linear`:

- RE2 (the ``google-re2`` package), whose matching time is linear in the text, for every
  pattern it accepts; it runs in the caller's thread, which checks a deadline between files;
- anything RE2 refuses (backreferences, look-arounds, ``(?x)``) or everything, when the
  package is missing, runs with ``re`` in a child process (``python -m
  delegate.agent.regex_scan``) that is killed at its timeout.

Both report through :func:`scan_texts`, so the output is the same whichever ran it.
RE2's ``\\w``, ``\\d``, ``\\s`` and ``\\b`` are ASCII-only where ``re``'s are Unicode-aware.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

try:
    import re2  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - the wheel is a dependency; this is the fallback
    re2 = None

LINE_CHARS = 200


class MatchSpan(Protocol):
    def start(self) -> int: ...


class Searcher(Protocol):
    def finditer(self, text: str) -> Iterator[MatchSpan]: ...


@dataclass
class ScanResult:
    matches: list[str]
    more: bool  # stopped at the limit with matches left
    timed_out: bool = False


class ScanTimeout(Exception):
    """The scan ran past its deadline (the child was killed)."""


def compile_linear(pattern: str, ignore_case: bool) -> Searcher | None:
    """``pattern`` for RE2 in multiline mode, or None when RE2 is missing or refuses it.

    The caller has already compiled it with ``re``: every pattern ``grep`` runs is a
    valid Python pattern, whichever engine then runs it."""
    if re2 is None:
        return None
    options = re2.Options()
    options.case_sensitive = not ignore_case
    options.log_errors = False
    try:
        compiled: Searcher = re2.compile("(?m)" + pattern, options)
    except re2.error:
        return None
    return compiled


def scan_texts(
    searcher: Searcher,
    texts: Iterable[tuple[str, str]],
    limit: int,
    deadline: float | None = None,
) -> ScanResult:
    """``path:line: text`` for each match in ``(path, text)`` pairs, at most ``limit``
    (long lines cut); stops between files once ``time.monotonic()`` passes ``deadline``."""
    result = ScanResult([], more=False)
    for path, text in texts:
        if deadline is not None and time.monotonic() > deadline:
            result.timed_out = True
            break
        for match in searcher.finditer(text):
            if len(result.matches) == limit:
                result.more = True
                return result
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.start())
            line = text[start : end if end != -1 else len(text)]
            if len(line) > LINE_CHARS:
                line = line[:LINE_CHARS] + " […]"
            number = text.count("\n", 0, match.start()) + 1
            result.matches.append(f"{path}:{number}: {line}")
    return result


async def scan_in_child(
    pattern: str, flags: int, texts: list[tuple[str, str]], limit: int, timeout_s: float
) -> ScanResult:
    """:func:`scan_texts` with Python's ``re`` in a child process, killed after
    ``timeout_s``: a backtracking pattern costs that child, never this process."""
    request = json.dumps({"pattern": pattern, "flags": flags, "limit": limit, "texts": texts})
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "delegate.agent.regex_scan",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(request.encode("utf-8")), timeout_s)
    except TimeoutError:
        raise ScanTimeout(f"the pattern ran longer than {timeout_s:g} s") from None
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    try:
        answer: dict[str, Any] = json.loads(out)
        return ScanResult(list(answer["matches"]), bool(answer["more"]))
    except (ValueError, KeyError, TypeError):
        raise ScanTimeout(f"the regex child process ended with code {proc.returncode}") from None


def _child_main() -> None:
    request = json.load(sys.stdin)
    regex = re.compile(request["pattern"], int(request["flags"]))
    texts = [(str(path), str(text)) for path, text in request["texts"]]
    result = scan_texts(regex, texts, int(request["limit"]))
    json.dump({"matches": result.matches, "more": result.more}, sys.stdout)


if __name__ == "__main__":
    _child_main()
