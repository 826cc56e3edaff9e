"""Wheel build hook: compiles the index's optional C extension (scripts/build_native.py).

For an editable install the extension is built next to its source, where the editable
path finds it; for a wheel it is also copied in and the wheel is tagged for this
platform.  When it cannot be built (no compiler) the package stays pure Python and the
index runs its pure-Python tokeniser, which gives the same results, slower.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class NativeExtensionHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        script = Path(self.root) / "scripts" / "build_native.py"
        spec = importlib.util.spec_from_file_location("build_native", script)
        if spec is None or spec.loader is None:
            return
        builder = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(builder)
        built = builder.build(quiet=True)
        if built is None:
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":
            build_data["force_include"][str(built)] = f"delegate/index/{built.name}"
