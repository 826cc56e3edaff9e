"""The bubblewrap command line, checked as data: what is hidden, re-exposed and writable,
in an order where each mount lands on top of the ones it must cover."""

from __future__ import annotations

from pathlib import Path

from delegate.agent.isolation import Backend
from delegate.agent.isolation.bwrap import bwrap_argv

BACKEND = Backend("bwrap", "", "/usr/bin/bwrap", "/usr/bin/prlimit", "/usr/bin/setpriv")


def profile(tmp_path: Path, *, run_uid: int | None) -> list[str]:
    folder, sandbox, venv = tmp_path / "user", tmp_path / "sbx", tmp_path / "user" / ".venv"
    for path in (folder, sandbox, venv):
        path.mkdir(parents=True, exist_ok=True)
    return bwrap_argv(
        BACKEND,
        ["python", "-m", "pytest"],
        cwd=sandbox,
        writable=[sandbox],
        hidden=[Path("/tmp"), Path("/root"), folder],
        readable=[venv, Path("/usr")],
        limits=["--nproc=64"],
        run_uid=run_uid,
        home=tmp_path / "home",
    )


def pairs(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, word in enumerate(argv) if word == flag]


def test_namespaces_session_and_the_command_at_the_end(tmp_path: Path) -> None:
    argv = profile(tmp_path, run_uid=None)
    for flag in ("--unshare-user", "--unshare-net", "--unshare-pid", "--die-with-parent"):
        assert flag in argv
    assert "--new-session" in argv and argv[argv.index("--cap-drop") + 1] == "ALL"
    assert argv[-7:] == ["--", "/usr/bin/prlimit", "--nproc=64", "--", "python", "-m", "pytest"]


def test_hidden_first_then_read_only_exposures_then_the_writable_sandbox(tmp_path: Path) -> None:
    argv = profile(tmp_path, run_uid=None)
    tmpfs, ro, rw = pairs(argv, "--tmpfs"), pairs(argv, "--ro-bind"), pairs(argv, "--bind")
    assert "/tmp" in tmpfs and "/root" in tmpfs
    assert str(tmp_path / "user") not in tmpfs  # already under the hidden /tmp
    assert str(tmp_path / "home") in tmpfs  # a fresh home even under a hidden place
    assert str(tmp_path / "user" / ".venv") in ro and "/usr" not in ro  # /usr is visible
    assert rw == [str(tmp_path / "sbx")]
    last_tmpfs = max(i for i, w in enumerate(argv) if w == "--tmpfs")
    assert argv.index("--bind") > argv.index(str(tmp_path / "user" / ".venv")) > last_tmpfs
    # parents inside the fresh /tmp are made traversable for the run's uid
    assert str(tmp_path) in pairs(argv, "--dir")


def test_as_root_the_run_drops_to_an_unprivileged_uid_without_capabilities(
    tmp_path: Path,
) -> None:
    argv = profile(tmp_path, run_uid=200000)
    assert "--unshare-user" not in argv
    start = argv.index("/usr/bin/setpriv")
    assert argv[start + 1 : start + 3] == ["--reuid=200000", "--regid=200000"]
    assert "--bounding-set=-all" in argv and "--no-new-privs" in argv
    assert argv.index("/usr/bin/setpriv") < argv.index("/usr/bin/prlimit")
