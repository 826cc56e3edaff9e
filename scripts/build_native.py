"""Compile the index's optional C extension (``delegate/index/_textscan.c``) in place.

Used by the wheel build hook (``hatch_build.py``) and by ``make``, which rebuilds it when the
C source changes (an editable install does not).  Only the standard library and the C
compiler Python itself was built with are needed.  When there is no compiler the build
says so and the index uses its pure-Python path, which gives the same results, slower.

    python scripts/build_native.py [--quiet]
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "server" / "delegate" / "index" / "_textscan.c"


def extension_path() -> Path:
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    return SOURCE.with_name("_textscan" + suffix)


def build(*, quiet: bool = False) -> Path | None:
    """Compile the extension next to its source; returns its path, or None (with the
    reason on stderr) when it cannot be built here."""
    if os.environ.get("DELEGATE_NO_NATIVE"):
        print("note: DELEGATE_NO_NATIVE is set; not building the C extension", file=sys.stderr)
        return None
    ldshared = sysconfig.get_config_var("LDSHARED")
    if sys.platform == "win32" or not ldshared:
        print(
            "note: no C toolchain known for this Python; the index uses pure Python",
            file=sys.stderr,
        )
        return None
    target = extension_path()
    include = sysconfig.get_paths()["include"]
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        partial = Path(scratch) / target.name
        command = [
            *shlex.split(ldshared),
            "-O2",
            "-fPIC",
            "-Wall",
            f"-I{include}",
            str(SOURCE),
            "-o",
            str(partial),
        ]
        try:
            run = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as exc:
            print(
                f"note: cannot run the C compiler ({exc}); the index uses pure Python",
                file=sys.stderr,
            )
            return None
        if run.returncode != 0:
            print(run.stdout + run.stderr, file=sys.stderr)
            print(
                "note: the C extension did not build; the index uses pure Python", file=sys.stderr
            )
            return None
        if run.stderr.strip() and not quiet:
            print(run.stderr, file=sys.stderr)
        os.replace(partial, target)  # atomic: a running process never loads half a file
    if not quiet:
        print(f"built {target.relative_to(ROOT)}")
    return target


if __name__ == "__main__":
    build(quiet="--quiet" in sys.argv[1:])
