"""Which confinement this machine offers, found once per process by trying it.

bubblewrap is only as good as the kernel lets it be (user namespaces may be disabled, a
container may forbid mounts), so :func:`detect_backend` does not trust ``which bwrap``:
it runs ``true`` under the same kind of profile a real run uses and keeps the answer.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Literal

PROBE_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Backend:
    """``bwrap`` when confined runs work here, else ``none`` with the reason."""

    name: Literal["bwrap", "none"]
    reason: str = ""
    bwrap: str = ""
    prlimit: str = ""
    setpriv: str = ""  # only when the server runs as root: runs drop to an unprivileged uid

    @property
    def available(self) -> bool:
        return self.name != "none"


def _probe_argv(bwrap: str, as_root: bool) -> list[str]:
    user = [] if as_root else ["--unshare-user"]
    return [
        bwrap,
        *user,
        "--unshare-net",
        "--unshare-pid",
        "--die-with-parent",
        "--new-session",
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
        "--",
        "true",
    ]


@functools.cache
def detect_backend() -> Backend:
    """The confinement this machine offers (cached for the process)."""
    if os.uname().sysname != "Linux":
        return Backend("none", "confined runs need Linux and bubblewrap")
    bwrap = shutil.which("bwrap")
    prlimit = shutil.which("prlimit")
    as_root = os.geteuid() == 0
    setpriv = shutil.which("setpriv") if as_root else ""
    if not bwrap:
        return Backend(
            "none", "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
        )
    if not prlimit or setpriv is None:
        return Backend("none", "util-linux's prlimit and setpriv are needed beside bubblewrap")
    try:
        probe = subprocess.run(
            _probe_argv(bwrap, as_root),
            capture_output=True,
            timeout=PROBE_TIMEOUT_S,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Backend("none", f"bubblewrap could not start: {exc}")
    if probe.returncode != 0:
        err = probe.stderr.decode(errors="replace").strip()[:300]
        return Backend("none", f"bubblewrap does not work here: {err or probe.returncode}")
    return Backend("bwrap", "", bwrap, prlimit, setpriv or "")


def isolation_notice(require: bool) -> str | None:
    """What to tell the user at start and before a task when runs cannot be confined."""
    backend = detect_backend()
    if backend.available:
        return None
    if require:
        return (
            f"Delegate: model-written code cannot be confined here ({backend.reason}), so "
            "test runs and the shell are refused. Install bubblewrap, or set "
            "sandbox.require_isolation = false to run them unconfined at your own risk."
        )
    return (
        f"Delegate: model-written code runs UNCONFINED ({backend.reason}); "
        "sandbox.require_isolation is off."
    )
