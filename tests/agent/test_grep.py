"""grep's shortcuts change nothing it returns: the required literal, the shared cache."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pathspec
import pytest

from delegate.agent import file_listing
from delegate.agent.file_listing import list_workspace_files, read_text
from delegate.agent.tools import ToolContext, build_tools
from delegate.agent.tools.file_tools import FOLDS_BEYOND_ASCII, GREP_LINE_CHARS, required_literal
from delegate.settings import Settings


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        (r"no_such_name_3\b", b"no_such_name_3"),
        (r"def \w*x", b"def "),
        (r"^class (Foo)Bar\(", b"class FooBar("),
        (r"(?P<name>ab)c|d", None),  # an alternative: nothing is required
        (r"ab*c", b"a"),  # b* may be absent: "a" and "c" are not next to each other
        (r"xy+z", b"x"),
        (r"(?i:nee)dle", b"dle"),
        (r"(?x) n e e d l e  # verbose", b"needle"),
        (r"caf\xe9", "café".encode()),
        (r"[a]bc", b"abc"),  # a one-character class is that character
        (r"[ab]cd", b"cd"),
        (r"foo(?=bar)", b"foo"),
        (r"(?<=x)yz", b"yz"),
        (r"(a)\1", b"a"),
        (r"\w+", None),
        (r"\ud800", None),  # a lone surrogate has no UTF-8 form
    ],
)
def test_required_literal(pattern: str, literal: bytes | None) -> None:
    needle = required_literal(re.compile(pattern, re.MULTILINE))
    assert (needle.data if needle else None) == literal
    assert needle is None or not needle.any_case


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        ("Needle", b"needle"),
        ("no_Such_name", b"uch_name"),  # s: also ſ
        ("(?i)ÉTÉ_abc", b"_abc"),  # É: not ASCII
        ("kiss", None),
        ("a(?-i:B)c", b"a"),  # the group changes flags: not taken apart
    ],
)
def test_required_literal_of_a_case_insensitive_pattern(
    pattern: str, literal: bytes | None
) -> None:
    needle = required_literal(re.compile(pattern, re.MULTILINE | re.IGNORECASE))
    assert (needle.data if needle else None) == literal
    assert needle is None or needle.any_case


def test_the_letters_that_fold_beyond_ascii_are_all_known() -> None:
    """Every ASCII character that re.IGNORECASE matches with a non-ASCII one, computed
    from the Unicode tables of the Python running the tests."""
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    folding = {
        char
        for char in map(chr, range(128))
        if any(found > "\x7f" for found in re.findall(re.escape(char), everything, re.I))
    }
    assert folding == set(FOLDS_BEYOND_ASCII)


PIECES = [
    "a", "b", "é", "ab", "k", "S", "Ké", "\\n", ".", "\\w", "\\s", "[ab]", "[^a]", "(", ")", "(?:", "|",
    "*", "+", "?", "{2}", "{0,2}", "^", "$", "\\b", "(?=a)", "(?!b)", "(?<=a)", "(a)\\1",
]  # fmt: skip


@pytest.mark.parametrize("flags", [0, re.IGNORECASE], ids=["exact", "any-case"])
def test_every_match_contains_the_literal(flags: int) -> None:
    """Random patterns over a small alphabet, against random texts: whenever the regex
    finds something, the text's UTF-8 bytes (lowered, for any case) contain the literal."""
    rng = random.Random(20240611)
    alphabet = "abé \n" if not flags else "abéÉkKsSıİſK \n"
    checked = 0
    for _ in range(4000):
        pattern = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 7)))
        try:
            regex = re.compile(pattern, re.MULTILINE | flags)
        except re.error:
            continue
        needle = required_literal(regex)
        if needle is None:
            continue
        for _ in range(20):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
            if regex.search(text):
                checked += 1
                data = text.encode("utf-8")
                assert needle.data in (data.lower() if needle.any_case else data), (
                    pattern,
                    text,
                    needle,
                )
    assert checked > 500  # the check was not vacuous


# --- the same output as a plain scan of every file -------------------------------------


def reference_grep(root: Path, pattern: str, glob: str | None, limit: int, flags: int) -> str:
    """The grep contract done the slow, obvious way: list, read and search every file."""
    regex = re.compile(pattern, re.MULTILINE | flags)
    spec = pathspec.GitIgnoreSpec.from_lines([glob]) if glob else None
    max_bytes = Settings().index.max_file_bytes
    lines: list[str] = []
    for path in list_workspace_files(root, Settings().index):
        if spec is not None and not spec.match_file(path):
            continue
        text = read_text(root / path, max_bytes)
        for match in regex.finditer(text or ""):
            if len(lines) == limit:
                lines.append(
                    f"[… more matches not shown (limit {limit}); narrow the pattern or path_glob]"
                )
                return "\n".join(lines)
            start = text.rfind("\n", 0, match.start()) + 1 if text else 0
            end = text.find("\n", match.start()) if text else -1
            line = (text or "")[start : end if end != -1 else None]
            if len(line) > GREP_LINE_CHARS:
                line = line[:GREP_LINE_CHARS] + " […]"
            number = (text or "").count("\n", 0, match.start()) + 1
            lines.append(f"{path}:{number}: {line}")
    if not lines:
        return f"No matches for {pattern!r}" + (f" in {glob}" if glob else "") + "."
    return "\n".join(lines)


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    files = {
        ".gitignore": "*.log\nbuild_out/\n",
        "a.py": "def alpha():\n    return 'needle'\n\nclass Needle:\n    pass\n",
        "b/c.py": "x = 'needle needle'\r\ny = 2\r\n",
        "b/d.txt": "café needle\n" + "z" * 300 + " needle\n",
        "b/e.md": "# Needles\nno match here\n",
        "b/f.txt": "\u212aELVIN in kelvin\n",  # K: the Kelvin sign, which (?i)k finds
        "skip.log": "needle in a log\n",
        "build_out/x.py": "needle\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, newline="")
    (root / "bin.dat").write_bytes(b"needle\x00binary")
    (root / "latin.txt").write_bytes("needle caf\xe9".encode("latin-1"))
    (root / "big.txt").write_text("needle\n" * (Settings().index.max_file_bytes // 7 + 1))
    return root


CASES = [
    (r"(?i)NEEDLE", None, 50),
    (r"(?i)caf\xc9", None, 50),
    (r"(?i)needle\s+NEEDLE", None, 50),
    (r"(?i)kelvin", None, 50),
    (r"needle", None, 50),
    (r"needle", None, 3),
    (r"needle", "*.py", 50),
    (r"needle", "b/**", 2),
    (r"^class \w+", None, 50),
    (r"caf\xe9 needle", None, 50),
    (r"needle$", None, 50),
    (r"(needle|Needle)s?", None, 50),
    (r"\bno_such_thing\b", None, 50),
    (r"\bno_such_thing\b", "*.md", 50),
    (r"ne+dle\r", None, 50),
]


def no_inotify() -> Any:
    raise OSError("no inotify here")


@pytest.mark.parametrize("watch", [True, False], ids=["watched", "by-stat"])
@pytest.mark.parametrize(("pattern", "glob", "limit"), CASES)
async def test_grep_returns_what_a_plain_scan_returns(
    mixed: Path,
    pattern: str,
    glob: str | None,
    limit: int,
    watch: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not watch:
        monkeypatch.setattr(file_listing, "_inotify_libc", no_inotify)
    ctx = ToolContext(sandbox_root=mixed, index=None, test_runner=None, settings=Settings())
    grep = {t.name: t for t in build_tools(ctx, phase="plan")}["grep"]
    args: dict[str, object] = {"pattern": pattern, "max_matches": limit}
    if glob:
        args["path_glob"] = glob
    expected = reference_grep(mixed, pattern, glob, limit, 0)
    for _ in range(2):  # the first call reads the files, the second uses what it kept
        out = await grep.execute(args)
        assert not out.is_error
        assert out.text == expected
    assert ctx.workspace_files.watching is watch


@pytest.mark.parametrize("pattern", ["needle", "KELVIN", "no_such_thing", "cafÉ"])
async def test_case_insensitive_grep_returns_what_a_plain_scan_returns(
    mixed: Path, pattern: str
) -> None:
    ctx = ToolContext(sandbox_root=mixed, index=None, test_runner=None, settings=Settings())
    grep = {t.name: t for t in build_tools(ctx, phase="plan")}["grep"]
    expected = reference_grep(mixed, pattern, None, 50, re.IGNORECASE)
    for _ in range(2):
        out = await grep.execute({"pattern": pattern, "case_insensitive": True})
        assert out.text == expected
