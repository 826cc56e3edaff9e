"""The LSP fuzz test of tests/fuzz/, run for longer than `make test` does.

    .venv/bin/python bench/fuzz_long.py [--seconds 600] [--examples 5000]

It runs the same test module with a larger budget and prints pytest's report (the number
of examples run, the requests answered and the server's memory at the end). A script,
never a test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--examples", type=int, default=5000)
    args = parser.parse_args()
    env = {
        **os.environ,
        "FUZZ_SECONDS": str(args.seconds),
        "FUZZ_EXAMPLES": str(args.examples),
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT / "server"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-x", "tests/fuzz", "--timeout=0"]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
