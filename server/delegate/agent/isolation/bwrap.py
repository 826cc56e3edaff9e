"""The bubblewrap command line of one confined run.

The profile, in mount order: the whole root read-only; a fresh ``/dev`` and ``/proc``
(the new PID namespace shows only the run's own processes, so ``/proc/<server>/environ``
is not there to read); an empty tmpfs over every place that holds other people's data —
``/tmp``, ``/var/tmp``, ``/run``, ``/home``, ``/root``, ``$HOME``, the user's folder and
its repository — and ``/dev/null`` over the password hashes; then, back on top, read-only,
what the run needs from under those (the interpreter, dependency folders the sandbox links
to); then the sandbox itself, writable. New network, PID, IPC and UTS namespaces, a new
session, death with the parent. Inside, ``prlimit`` sets the resource limits; when the
server is root, ``setpriv`` first drops to an unprivileged uid with no capabilities (root
is exempt from the process limit and can read root-only files).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from delegate.agent.isolation.backend import Backend

WORLD_WRITABLE = "1777"
PRIVATE_TMP = (Path("/tmp"), Path("/var/tmp"))
MASKED_FILES = (Path("/etc/shadow"), Path("/etc/gshadow"), Path("/etc/sudoers"))
FRESH_MOUNTS = (Path("/dev"), Path("/proc"))


def hidden_defaults(home: Path) -> list[Path]:
    """Places no run may see, besides the user's folder."""
    return [*PRIVATE_TMP, Path("/run"), Path("/home"), Path("/root"), Path("/etc/ssh"), home]


def _covered(path: Path, roots: Sequence[Path]) -> Path | None:
    """The root in ``roots`` that hides ``path`` (strictly above it), if any."""
    for root in roots:
        if path != root and path.is_relative_to(root):
            return root
    return None


def _make_parents(path: Path, roots: Sequence[Path], made: set[Path]) -> list[str]:
    """``--dir`` for each missing parent of ``path`` inside a fresh mount, traversable."""
    root = _covered(path, roots)
    if root is None:
        return []
    args: list[str] = []
    for parent in reversed(path.parents):
        if parent != root and parent.is_relative_to(root) and parent not in made:
            made.add(parent)
            args += ["--perms", "0755", "--dir", str(parent)]
    return args


def bwrap_argv(
    backend: Backend,
    argv: Sequence[str],
    *,
    cwd: Path,
    writable: Sequence[Path],
    hidden: Sequence[Path],
    readable: Sequence[Path],
    limits: Sequence[str],
    run_uid: int | None,
    home: Path,
) -> list[str]:
    """The full argv: bwrap, its profile, then (setpriv,) prlimit and ``argv``."""
    args = [backend.bwrap]
    if run_uid is None:
        args += ["--unshare-user", "--cap-drop", "ALL"]
    args += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    roots: list[Path] = list(FRESH_MOUNTS)
    for path in sorted({p for p in hidden if p.is_dir() and not p.is_symlink()}, key=_depth):
        if _covered(path, roots) is not None or path in roots:
            continue
        perms = WORLD_WRITABLE if path in (*PRIVATE_TMP, home) else "0755"
        args += ["--perms", perms, "--tmpfs", str(path)]
        roots.append(path)
    made: set[Path] = set()
    if home not in roots:  # $HOME under a hidden place still exists inside, fresh
        args += _make_parents(home, roots, made)
        args += ["--perms", WORLD_WRITABLE, "--tmpfs", str(home)]
        roots.append(home)
    for masked in MASKED_FILES:
        if masked.is_file():
            args += ["--ro-bind", "/dev/null", str(masked)]
    writable_roots = [Path(w) for w in writable]
    for path in readable:
        if _covered(path, roots) is None and path not in roots:
            continue  # already visible, read-only
        if any(path.is_relative_to(w) for w in writable_roots):
            continue
        args += _make_parents(path, roots, made)
        args += ["--ro-bind", str(path), str(path)]
    for path in writable_roots:
        args += _make_parents(path, roots, made)
        args += ["--bind", str(path), str(path)]
    args += ["--chdir", str(cwd), "--"]
    if run_uid is not None:
        args += [
            backend.setpriv,
            f"--reuid={run_uid}",
            f"--regid={run_uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--",
        ]
    return [*args, backend.prlimit, *limits, "--", *argv]


def _depth(path: Path) -> int:
    return len(path.parts)
