"""Run one confined command to completion: output capped, time bounded, nothing left behind.

The shell tool's runner (test runs keep their own in :mod:`delegate.agent.testrunner`, which
also reports progress). The command starts in its own session; on timeout or cancellation
the whole group is killed, and bubblewrap's PID namespace takes every process with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from delegate.agent.env import scrubbed_environment
from delegate.agent.isolation.policy import Confinement, confined_command

READ_CHUNK = 65536


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int | None  # None: timed out
    output: str  # stdout and stderr interleaved, capped
    truncated_chars: int
    seconds: float
    notice: str | None  # set when the run was not confined


async def _read_capped(stream: asyncio.StreamReader, limit: int) -> tuple[bytes, int]:
    """Keep the first ``limit // 2`` and last ``limit // 2`` bytes; count the rest."""
    head, tail, dropped = b"", b"", 0
    half = limit // 2
    while chunk := await stream.read(READ_CHUNK):
        if len(head) < half:
            room = half - len(head)
            head, chunk = head + chunk[:room], chunk[room:]
        tail += chunk
        if len(tail) > half:
            dropped += len(tail) - half
            tail = tail[-half:]
    return (head + (b"\n[... output cut ...]\n" if dropped else b"") + tail), dropped


async def run_confined(
    argv: Sequence[str],
    cwd: Path,
    confinement: Confinement,
    *,
    timeout_s: float,
    max_output_bytes: int,
) -> RunOutcome:
    """Run ``argv`` confined in ``cwd``; IsolationUnavailable / OSError when it cannot start."""
    env = scrubbed_environment(passed=confinement.pass_env)
    spawn_argv, spawn_env, notice = confined_command(argv, cwd, env, confinement)
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        *spawn_argv,
        cwd=cwd,
        env=spawn_env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    assert proc.stdout is not None
    reader = asyncio.create_task(_read_capped(proc.stdout, max_output_bytes))
    exit_code: int | None = None
    try:
        try:
            exit_code = await asyncio.wait_for(proc.wait(), timeout_s)
        except TimeoutError:
            _kill_group(proc.pid)
            await proc.wait()
    finally:
        _kill_group(proc.pid)
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
    try:
        data, dropped = await asyncio.wait_for(reader, 10.0)
    except TimeoutError:
        reader.cancel()
        data, dropped = b"", 0
    return RunOutcome(
        exit_code, data.decode(errors="replace"), dropped, time.monotonic() - started, notice
    )


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
