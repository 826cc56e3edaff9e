"""A pathological pattern costs grep a bounded time and never stalls the event loop.

``(a+)+$`` over a long run of ``a`` followed by something else backtracks exponentially in
Python's ``re``, which holds the interpreter lock throughout: before, it froze the event
loop (and the language server with it) for as long as it ran. Now RE2 runs it in linear
time, and what RE2 refuses runs in a child process killed at grep's timeout.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from delegate.agent import regex_scan
from delegate.agent.tools import ToolContext, ToolOutput, build_tools, file_tools
from delegate.settings import Settings

RUN = "a" * 40 + "!"  # 2**40 ways to split the a's: never finishes with backtracking


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "bad.txt").write_text(RUN + "\n")
    (root / "good.py").write_text("aaa\n")
    return root


async def grep_while_ticking(root: Path, args: dict[str, object]) -> tuple[ToolOutput, int]:
    """Run grep and, beside it on the same loop, a task that counts its turns; return the
    output and how many turns the loop gave that task before grep answered."""
    ctx = ToolContext(sandbox_root=root, index=None, test_runner=None, settings=Settings())
    grep = {t.name: t for t in build_tools(ctx, phase="plan")}["grep"]
    turns = 0
    stop = asyncio.Event()

    async def tick() -> None:
        nonlocal turns
        while not stop.is_set():
            turns += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)  # the ticker has started
    try:
        out = await asyncio.wait_for(grep.execute(args), 60)
    finally:
        seen = turns
        stop.set()
        await ticker
    return out, seen


async def test_nested_repeat_runs_in_linear_time(tree: Path) -> None:
    assert regex_scan.re2 is not None, "google-re2 is a dependency: pip install google-re2"
    out, _ = await grep_while_ticking(tree, {"pattern": r"(a+)+$"})
    assert not out.is_error, out.text
    assert out.text == "good.py:1: aaa"  # RE2 found the one line that does match


async def test_a_pattern_re2_refuses_is_killed_at_the_timeout(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(file_tools, "GREP_TIMEOUT_S", 1.0)
    # a look-ahead: RE2 has none, so Python's re runs it, in a child process
    out, turns = await grep_while_ticking(tree, {"pattern": r"(a+)+(?=\?)"})
    assert out.is_error
    assert "ran longer than 1 s" in out.text and "simplify the pattern" in out.text
    assert turns > 5  # the loop went on serving other work while the child ran


async def test_without_re2_every_pattern_runs_in_a_child(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regex_scan, "re2", None)
    monkeypatch.setattr(file_tools, "GREP_TIMEOUT_S", 1.0)
    out, turns = await grep_while_ticking(tree, {"pattern": r"(a+)+$"})
    assert out.is_error and "ran longer than 1 s" in out.text
    assert turns > 5
    # an ordinary pattern still answers through the child, with the usual output
    out, _ = await grep_while_ticking(tree, {"pattern": r"^a+$"})
    assert not out.is_error and out.text == "good.py:1: aaa"
