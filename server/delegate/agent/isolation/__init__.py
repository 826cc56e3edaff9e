"""Run code the model wrote inside an operating-system sandbox.

Everything a task runs — test runs, mutation runs, test generation, the ``bash`` tool —
goes through :func:`confined_command`, which turns an argument list into one that runs
it confined: on Linux under bubblewrap (:mod:`.bwrap`), with only the task's sandbox and a
private ``/tmp`` writable, a fresh home, the user's folder hidden, no network, its own PID
namespace and session, resource limits and an allowlisted environment. Where bubblewrap is
missing, :func:`detect_backend` says so, and a run is refused unless the user turned
``sandbox.require_isolation`` off (then it runs unconfined and says so in its output).
"""

from __future__ import annotations

from delegate.agent.isolation.backend import Backend, detect_backend, isolation_notice
from delegate.agent.isolation.policy import (
    Confinement,
    IsolationUnavailable,
    ResourceLimits,
    confined_command,
    prepare_writable,
)

__all__ = [
    "Backend",
    "Confinement",
    "IsolationUnavailable",
    "ResourceLimits",
    "confined_command",
    "detect_backend",
    "isolation_notice",
    "prepare_writable",
]
