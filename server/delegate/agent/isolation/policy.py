"""What a confined run may touch, and the one function that turns argv into a confined argv.

A :class:`Confinement` names the directories a run may write (the task's sandbox), the
ones it must not see (the user's folder and its repository), the ones it needs to read
although they lie under a hidden place (the interpreter, dependency folders the sandbox
links to), its resource limits and whether an unconfined run is acceptable.
:func:`confined_command` returns the argv and environment to start; the caller spawns it
as before (own session, killed as a group at the end).
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from delegate.agent.isolation.backend import detect_backend
from delegate.agent.isolation.bwrap import bwrap_argv, hidden_defaults

if TYPE_CHECKING:
    from delegate.settings import Settings

SANDBOX_UID_BASE = 0x30000  # unprivileged uids used for runs when the server is root
SANDBOX_UID_SPAN = 0x10000


class IsolationUnavailable(RuntimeError):
    """No confinement here and ``sandbox.require_isolation`` is on."""


@dataclass(frozen=True)
class ResourceLimits:
    """rlimits of every process of a run (each ``None`` leaves the limit as it is)."""

    processes: int | None = 256
    cpu_seconds: int | None = 900
    memory_mb: int | None = 8192  # address space
    file_mb: int | None = 1024  # largest file a process may write
    open_files: int | None = 4096

    def prlimit_args(self) -> list[str]:
        mb = 1 << 20
        pairs = (
            ("--nproc", self.processes),
            ("--cpu", self.cpu_seconds),
            ("--as", None if self.memory_mb is None else self.memory_mb * mb),
            ("--fsize", None if self.file_mb is None else self.file_mb * mb),
            ("--nofile", self.open_files),
            ("--core", 0),
        )
        return [f"{flag}={value}" for flag, value in pairs if value is not None]


@dataclass(frozen=True)
class Confinement:
    """The filesystem view, limits and policy of the runs of one task."""

    writable: tuple[Path, ...]
    hidden: tuple[Path, ...] = ()
    readable: tuple[Path, ...] = ()
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    require: bool = True
    pass_env: tuple[str, ...] = ()  # tests.env: names passed on besides the allowlist
    run_uid: int = field(
        default_factory=lambda: SANDBOX_UID_BASE + secrets.randbelow(SANDBOX_UID_SPAN)
    )

    @classmethod
    def for_sandbox(
        cls,
        writable: Path,
        *,
        user_folder: Path | None = None,
        limits: ResourceLimits | None = None,
        require: bool = True,
        pass_env: Sequence[str] = (),
    ) -> Confinement:
        """The usual confinement: ``writable`` (the sandbox) only, the user's folder hidden."""
        hidden: tuple[Path, ...] = () if user_folder is None else (user_folder.resolve(),)
        hidden += tuple(_repositories_linked_from(writable))
        return cls(
            writable=(writable.resolve(),),
            hidden=hidden,
            limits=limits or ResourceLimits(),
            require=require,
            pass_env=tuple(pass_env),
        )

    @classmethod
    def from_settings(
        cls, writable: Path, user_folder: Path | None, settings: Settings
    ) -> Confinement:
        """:meth:`for_sandbox` with the limits and policy of ``settings``."""
        box = settings.sandbox
        limits = ResourceLimits(
            processes=box.max_processes,
            cpu_seconds=box.cpu_seconds,
            memory_mb=box.memory_mb,
            file_mb=box.max_file_mb,
        )
        return cls.for_sandbox(
            writable,
            user_folder=user_folder,
            limits=limits,
            require=box.require_isolation,
            pass_env=settings.tests.env,
        )


def _repositories_linked_from(sandbox: Path) -> list[Path]:
    """The user's ``.git`` directories a git worktree in ``sandbox`` points back to."""
    found: list[Path] = []
    for pointer in (sandbox / ".git", sandbox / "tree" / ".git"):
        try:
            text = pointer.read_text(encoding="utf-8") if pointer.is_file() else ""
        except (OSError, UnicodeDecodeError):
            continue
        if text.startswith("gitdir:"):
            gitdir = Path(text.removeprefix("gitdir:").strip())
            found.append(next((p for p in gitdir.parents if p.name == ".git"), gitdir))
    return found


# toolchains and dependency caches a user keeps in their home, visible read-only in a run
# (their configuration files, which may hold credentials, stay hidden): rustup's proxies in
# ~/.cargo/bin find their compilers only through ~/.rustup, pyenv's shims need all of
# ~/.pyenv; Maven and Go resolve offline from their local caches
TOOLCHAIN_HOMES = (".rustup", ".pyenv", ".nvm", ".m2/repository", "go/pkg/mod")


def _needed_reads(
    argv: Sequence[str], confinement: Confinement, env: Mapping[str, str]
) -> list[Path]:
    """Paths a run must read even when a hidden place covers them."""
    paths = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    program = Path(argv[0])
    if program.is_absolute():
        real = program.resolve()
        paths.add(real.parent.parent if real.parent.name == "bin" else real.parent)
        paths.add(program.parent.parent if program.parent.name == "bin" else program.parent)
    for entry in env.get("PYTHONPATH", "").split(os.pathsep):
        if entry and os.path.isabs(entry):
            paths.add(Path(entry))
    for root in confinement.writable:
        paths.update(_outside_link_targets(root, confinement.writable))
    paths.update(confinement.readable)
    home = Path(os.environ.get("HOME") or "/root")
    paths.update(home / name for name in TOOLCHAIN_HOMES)
    return sorted(p for p in paths if p.exists())


def _outside_link_targets(root: Path, writable: Sequence[Path]) -> list[Path]:
    """Targets of the sandbox's top-level links (dependency folders) that lie outside it."""
    targets: list[Path] = []
    for base in (root, root / "tree"):
        try:
            entries = list(os.scandir(base))
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                target = Path(entry.path).resolve()
                if not any(target.is_relative_to(w) for w in writable):
                    targets.append(target)
    return targets


def prepare_writable(confinement: Confinement) -> None:
    """When the server is root, hand the writable trees to the run's unprivileged uid.

    A root process is exempt from the process limit and reads root-only files, so runs
    drop to ``run_uid``; the sandbox must then be theirs to write. Links are not followed.
    """
    if os.geteuid() != 0:
        return
    uid = confinement.run_uid
    for root in confinement.writable:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in (*dirnames, *filenames):
                _own(os.path.join(dirpath, name), uid)
        _own(str(root), uid)


def _own(path: str, uid: int) -> None:
    try:
        if os.lstat(path).st_uid != uid:
            os.lchown(path, uid, uid)
    except OSError:
        pass


def confined_command(
    argv: Sequence[str], cwd: Path, env: Mapping[str, str], confinement: Confinement
) -> tuple[list[str], dict[str, str], str | None]:
    """(argv, env, notice) that run ``argv`` confined; ``notice`` says when it is not.

    Raises :class:`IsolationUnavailable` when no confinement works and it is required.
    """
    program = shutil.which(argv[0], path=env.get("PATH")) if argv else None
    if program is None:
        raise FileNotFoundError(f"{argv[0] if argv else ''!r}: no such command")
    argv = [program, *argv[1:]]
    backend = detect_backend()
    if not backend.available:
        if confinement.require:
            raise IsolationUnavailable(
                f"refused to run model-written code unconfined: {backend.reason}. Install "
                "bubblewrap, or set sandbox.require_isolation = false (at your own risk)."
            )
        return list(argv), dict(env), f"UNCONFINED run ({backend.reason})"
    home = Path(os.environ.get("HOME") or "/root")
    run_env = {**env, "HOME": str(home), "TMPDIR": "/tmp"}
    hidden = [*hidden_defaults(home), *confinement.hidden]
    prepare_writable(confinement)
    wrapped = bwrap_argv(
        backend,
        argv,
        cwd=cwd,
        writable=confinement.writable,
        hidden=hidden,
        readable=_needed_reads(argv, confinement, env),
        limits=confinement.limits.prlimit_args(),
        run_uid=confinement.run_uid if backend.setpriv else None,
        home=home,
    )
    return wrapped, run_env, None
