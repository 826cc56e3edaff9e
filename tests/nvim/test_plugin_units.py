"""The Delegate Neovim plugin's pure modules (option validation, hunk navigation, the review
listing, the inline diff as lines and extmarks, the summary, the notices, completion),
tested in a real Neovim by ``plugin_units.lua`` — no Lua test framework needed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.nvim.plugin_harness import HERE, PLUGIN, require_nvim


def test_plugin_pure_modules() -> None:
    nvim = require_nvim()
    command = [nvim, "--headless", "--clean", "-u", "NONE", "-n", "-i", "NONE"]
    command += ["-l", str(HERE / "plugin_units.lua"), str(PLUGIN)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 0, proc.stderr
    assert " passed, 0 failed" in proc.stdout


def test_help_file_has_unique_tags(tmp_path: Path) -> None:
    """``:helptags`` builds the tags of doc/delegate.txt (it fails on a duplicate tag)."""
    nvim = require_nvim()
    doc = tmp_path / "doc"
    shutil.copytree(PLUGIN / "doc", doc)
    command = [nvim, "--headless", "--clean", "-u", "NONE", "-n", "-i", "NONE", "-es"]
    command += ["-c", f"helptags {doc}", "-c", "qa!"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 0, proc.stderr
    tags = {line.split("\t")[0] for line in (doc / "tags").read_text().splitlines()}
    for tag in (":Delegate", "delegate-review", "delegate-options", "delegate.status()"):
        assert tag in tags
