"""Each agent tool's happy path and error path, through the public ``execute`` contract."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from tests.agent.scenarios import TEST_COMMAND

from delegate.agent.testrunner import TestRunner
from delegate.agent.tools import Tool, ToolContext, ToolOutput, build_tools
from delegate.index.model import Definition, Reference, SearchHit
from delegate.index.workspace import WorkspaceIndex
from delegate.settings import Settings

PLAN_TOOLS = ["search_code", "repo_map", "find_symbol", "grep", "read_file", "list_dir"]
# bash: offered where its commands run in the OS sandbox (bubblewrap; installed by make test)
CODE_TOOLS = [*PLAN_TOOLS, "str_replace_based_edit_tool", "run_tests", "finish", "bash"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    files = {
        ".gitignore": "*.log\n",
        "pyproject.toml": "[project]\nname = 'ws'\nversion = '0'\n",
        "shop/cart.py": (
            "class Cart:\n    def total(self, items):\n        return sum(items)\n\n\n"
            "def checkout(cart):\n    return cart.total([1, 2])\n"
        ),
        "shop/config.toml": "retries = 3\n",
        "tests/test_cart.py": (
            "from shop.cart import Cart\n\ndef test_total():\n    assert Cart().total([1]) == 1\n"
            "\ndef test_broken():\n    assert Cart().total([1]) == 2\n"
        ),
        "server.log": "checkout failed\n",
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    (folder / "shop" / "__init__.py").write_text("")
    (folder / "logo.png").write_bytes(b"\x89PNG\x00checkout")
    return folder


def context(root: Path, **kwargs: Any) -> ToolContext:
    return ToolContext(
        sandbox_root=root,
        index=kwargs.pop("index", None),
        test_runner=kwargs.pop("test_runner", None),
        settings=Settings(),
        **kwargs,
    )


def tool(ctx: ToolContext, name: str) -> Tool:
    return {t.name: t for t in build_tools(ctx, phase="code")}[name]


async def call(ctx: ToolContext, tool_name: str, /, **input: Any) -> ToolOutput:
    return await tool(ctx, tool_name).execute(input)


def test_phases_get_their_tools(root: Path) -> None:
    ctx = context(root)
    assert [t.name for t in build_tools(ctx, phase="plan")] == PLAN_TOOLS
    code = build_tools(ctx, phase="code")
    assert [t.name for t in code] == CODE_TOOLS
    for t in code:
        definition = t.definition()
        if t.name == "str_replace_based_edit_tool":
            assert definition == {"type": "text_editor_20250728", "name": t.name}
        else:
            assert definition["name"] == t.name and definition["description"]
            assert definition["input_schema"]["type"] == "object"


# --- grep -----------------------------------------------------------------------------


async def test_grep_finds_lines_and_honours_ignore_rules(root: Path) -> None:
    out = await call(context(root), "grep", pattern=r"checkout")
    assert not out.is_error
    assert out.text.splitlines() == ["shop/cart.py:6: def checkout(cart):"]


async def test_grep_glob_and_case(root: Path) -> None:
    out = await call(
        context(root), "grep", pattern="RETRIES", case_insensitive=True, path_glob="*.toml"
    )
    assert out.text == "shop/config.toml:1: retries = 3"


async def test_grep_caps_matches(root: Path) -> None:
    (root / "many.txt").write_text("hit\n" * 30)
    out = await call(context(root), "grep", pattern="^hit$", max_matches=5)
    lines = out.text.splitlines()
    assert lines[:5] == [f"many.txt:{n}: hit" for n in range(1, 6)]
    assert lines[5].startswith("[… more matches not shown (limit 5)")
    assert len(lines) == 6


async def test_grep_bad_regex_and_no_match(root: Path) -> None:
    bad = await call(context(root), "grep", pattern="(unclosed")
    assert bad.is_error and "invalid regular expression" in bad.text
    none = await call(context(root), "grep", pattern="zzz_nothing")
    assert not none.is_error and none.text.startswith("No matches")
    missing = await call(context(root), "grep")
    assert missing.is_error and "'pattern'" in missing.text


# --- read_file and list_dir -----------------------------------------------------------


async def test_grep_keeps_up_with_edits_between_calls(root: Path) -> None:
    """One context for several calls, as in a task: the cached listing and texts never
    hide a file created, deleted, rewritten in place, or newly ignored."""
    ctx = context(root)
    time.sleep(1.1)  # what changed within the last second is never cached: let it settle
    assert "shop/cart.py:6:" in (await call(ctx, "grep", pattern="checkout")).text
    await call(
        ctx,
        "str_replace_based_edit_tool",
        command="create",
        path="shop/pay.py",
        file_text="def checkout_fast():\n    pass\n",
    )
    (root / "lib" / "deep").mkdir(parents=True)  # as a test run would, not through the editor
    (root / "lib" / "deep" / "more.py").write_text("checkout_deep = 1\n")
    (root / "tests" / "test_cart.py").unlink()
    cart = root / "shop" / "cart.py"
    cart.write_text(cart.read_text().replace("checkout", "checkouT"))  # same size, in place
    out = (await call(ctx, "grep", pattern="checkout")).text
    assert "shop/pay.py:1:" in out and "lib/deep/more.py:1:" in out
    assert "shop/cart.py" not in out and "tests/test_cart.py" not in out
    (root / ".gitignore").write_text("*.log\nlib/\n")
    out = (await call(ctx, "grep", pattern="checkout")).text
    assert "lib/deep/more.py" not in out and "shop/pay.py:1:" in out


async def test_read_file_numbers_lines_and_ranges(root: Path) -> None:
    out = await call(context(root), "read_file", path="shop/cart.py", start_line=2, end_line=3)
    assert out.text == (
        "shop/cart.py (7 lines)\n"
        "     2\t    def total(self, items):\n"
        "     3\t        return sum(items)\n"
        "[… 4 more lines truncated; call read_file with start_line=4]"
    )


async def test_read_file_caps_long_files(root: Path) -> None:
    (root / "long.py").write_text("".join(f"x{n} = {n}\n" for n in range(1, 1201)))
    out = await call(context(root), "read_file", path="long.py")
    lines = out.text.splitlines()
    assert lines[-2] == "   500\tx500 = 500"
    assert lines[-1] == "[… 700 more lines truncated; call read_file with start_line=501]"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("../outside.txt", "'..'"),
        ("/etc/passwd", "absolute"),
        ("shop", "directory"),
        ("nope.py", "does not exist"),
        ("logo.png", "binary"),
        ("escape/secret.txt", "symlink"),
        (".git/config", ".git"),
    ],
)
async def test_read_file_errors(root: Path, path: str, message: str) -> None:
    (root.parent / "outside").mkdir()
    (root.parent / "outside" / "secret.txt").write_text("secret")
    (root / "escape").symlink_to(root.parent / "outside")
    out = await call(context(root), "read_file", path=path)
    assert out.is_error and message in out.text


async def test_list_dir_marks_directories_and_links(root: Path, tmp_path: Path) -> None:
    (tmp_path / "deps").mkdir()
    (root / "node_modules").symlink_to(tmp_path / "deps")
    out = await call(context(root), "list_dir")
    assert out.text.splitlines() == [
        ".gitignore",
        "logo.png",
        "node_modules/ (linked dependency folder, off limits)",
        "pyproject.toml",
        "server.log",
        "shop/",
        "tests/",
    ]
    deep = await call(context(root), "list_dir", path="shop", depth=2)
    assert deep.text.splitlines() == ["shop/__init__.py", "shop/cart.py", "shop/config.toml"]
    bad = await call(context(root), "list_dir", path="shop/cart.py")
    assert bad.is_error and "not a directory" in bad.text


async def test_list_dir_caps_entries(root: Path) -> None:
    (root / "big").mkdir()
    for n in range(350):
        (root / "big" / f"f{n:03}.txt").write_text("")
    out = await call(context(root), "list_dir", path="big")
    lines = out.text.splitlines()
    assert len(lines) == 301 and lines[-1].startswith("[… 50 more lines truncated")


# --- editing, tests, finish -----------------------------------------------------------


async def test_edit_tool_through_execute(root: Path) -> None:
    ctx = context(root)
    ok = await call(
        ctx,
        "str_replace_based_edit_tool",
        command="str_replace",
        path="shop/cart.py",
        old_str="return sum(items)",
        new_str="return sum(items) + 0",
    )
    assert not ok.is_error and "return sum(items) + 0" in (root / "shop" / "cart.py").read_text()
    twice = await call(
        ctx,
        "str_replace_based_edit_tool",
        command="str_replace",
        path="shop/cart.py",
        old_str="return",
        new_str="yield",
    )
    assert twice.is_error and "matches 2 times" in twice.text
    escape = await call(
        ctx, "str_replace_based_edit_tool", command="create", path="../evil.py", file_text="x"
    )
    assert escape.is_error and not (root.parent / "evil.py").exists()


async def test_run_tests_reports_condensed_failures(root: Path) -> None:
    runner = TestRunner(
        root,
        TEST_COMMAND,
        timeout_s=120,
        max_output_chars=5000,
    )
    ctx = context(root, test_runner=runner)
    out = await call(ctx, "run_tests")
    assert not out.is_error
    assert out.text.startswith("Tests FAILED: 1 failed, 1 passed")
    assert "tests/test_cart.py::test_broken" in out.text
    assert len(ctx.test_reports) == 1 and not ctx.test_reports[0].passed
    narrowed = await call(ctx, "run_tests", tests=["tests/test_cart.py::test_total"])
    assert narrowed.text.startswith("Tests PASSED: 1 passed")
    unsafe = await call(ctx, "run_tests", tests=["--co; rm -rf ."])
    assert unsafe.is_error and "options are not allowed" in unsafe.text


async def test_run_tests_without_a_command(root: Path) -> None:
    out = await call(context(root), "run_tests")
    assert out.is_error and "No test command" in out.text


async def test_finish_records_the_summary(root: Path) -> None:
    ctx = context(root)
    assert not ctx.finish_state.finished
    out = await call(ctx, "finish", summary="  Added rounding.  ")
    assert not out.is_error and ctx.finish_state.summary == "Added rounding."
    empty = await call(ctx, "finish", summary="")
    assert empty.is_error


# --- index tools ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["search_code", "repo_map", "find_symbol"])
async def test_index_tools_say_when_there_is_no_index(root: Path, name: str) -> None:
    out = await call(context(root), name, query="x", name="x")
    assert out.is_error and "index is unavailable" in out.text


class ExplodingIndex:
    def search(self, query: str, **kwargs: Any) -> list[SearchHit]:
        raise RuntimeError("lance table vanished")

    def find_symbol(self, name: str) -> tuple[list[Definition], list[Reference]]:
        raise RuntimeError("lance table vanished")

    def repo_map(
        self, *, max_tokens: int = 1024, focus: Sequence[str] = (), query: str = ""
    ) -> str:
        raise RuntimeError("lance table vanished")


async def test_an_exception_inside_a_tool_becomes_an_error_result(root: Path) -> None:
    out = await call(context(root, index=ExplodingIndex()), "search_code", query="cart")
    assert out == ToolOutput("search_code failed: RuntimeError: lance table vanished", True)
    not_a_dict = await tool(context(root), "grep").execute("pattern")  # type: ignore[arg-type]
    assert not_a_dict.is_error


async def test_index_tools_with_a_real_index(root: Path) -> None:
    settings = Settings().index.model_copy(update={"workers": 1})
    with WorkspaceIndex.open(root, settings) as index:
        index.update()
        ctx = context(root, index=index)
        found = await call(ctx, "search_code", query="checkout cart total", limit=3)
        assert not found.is_error
        assert "shop/cart.py:" in found.text.splitlines()[0]
        symbol = await call(ctx, "find_symbol", name="Cart")
        assert "shop/cart.py:1-" in symbol.text and "class Cart" in symbol.text
        assert "tests/test_cart.py:" in symbol.text.split("References")[1]
        repo_map = await call(ctx, "repo_map", max_tokens=512)
        assert not repo_map.is_error and "shop/cart.py" in repo_map.text
