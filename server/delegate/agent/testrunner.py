"""Run the project's own tests inside the sandbox, safely, and condense what they said.

The agent learns whether its change works by running the real test command. That command
runs code the model wrote, so :class:`TestRunner` treats it as untrusted: an argument list
(never a shell), the sandbox as working directory, an environment without credentials
(:mod:`delegate.agent.env`), its own process group so a timeout or a cancelled task kills
every child it started, and a cap on the output it keeps. The model may narrow a run to
some tests, but each selection item must look like a test path or id inside the sandbox —
it can never smuggle in an option or a shell command.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import re
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from delegate.agent.env import scrubbed_environment
from delegate.agent.failures import condense_output, progress_from_line
from delegate.agent.isolation import Confinement, IsolationUnavailable, confined_command
from delegate.agent.paths import PathEscape, resolve_inside
from delegate.agent.redact import Redactor
from delegate.agent.task import TestReport
from delegate.agent.test_commands import detect_command

RunnerKind = Literal["pytest", "npm", "go", "cargo", "maven", "gradle", "other"]
ProgressSink = Callable[[int, int | None], None]  # (tests done, estimated total)

_UNSAFE_CHARS = re.compile(r"[\s;&|$`<>(){}!*?'\"\\~]")
_CARGO_FILTER = re.compile(r"^[A-Za-z0-9_:]+$")
_JVM_TEST = re.compile(r"^[A-Za-z_$][\w$.]*(?:#[A-Za-z_$][\w$]*)?$")  # Class or Class#method
_READ_CHUNK = 65536


class SelectionError(ValueError):
    """A requested test selection that is not a plain test path or id."""


def detect_test_command(root: Path, focus: str | None = None) -> list[str] | None:
    """The test command of the project nearest ``focus`` (see
    :mod:`delegate.agent.test_commands.detect`); None when unknown."""
    found = detect_command(root, focus)
    return found.command if found else None


def runner_kind(command: Sequence[str]) -> RunnerKind:
    """Which test runner ``command`` starts, for narrowing and parsing."""
    words = [Path(word).name for word in command]
    if "pytest" in words or "py.test" in words:
        return "pytest"
    if words[:2] in (["npm", "test"], ["npm", "run"], ["pnpm", "test"], ["yarn", "test"]):
        return "npm"
    if words[:2] == ["go", "test"]:
        return "go"
    if words[:2] == ["cargo", "test"]:
        return "cargo"
    if words[:1] in (["mvn"], ["mvnw"]):
        return "maven"
    if words[:1] in (["gradle"], ["gradlew"]):
        return "gradle"
    return "other"


def selection_args(root: Path, command: Sequence[str], selection: Sequence[str]) -> list[str]:
    """The full argv for running ``selection`` with ``command``; SelectionError when unsafe."""
    if not selection:
        return list(command)
    items = [_checked_item(item) for item in selection]
    kind = runner_kind(command)
    if kind == "pytest":
        for item in items:
            _require_path(root, item.split("::", 1)[0], item)
        return [*command, *items]
    if kind == "npm":
        for item in items:
            _require_path(root, item, item)
        return [*command, *([] if "--" in command else ["--"]), *items]
    if kind == "go":
        for item in items:
            _require_path(root, item.removesuffix("/..."), item)
        return [word for word in command if word != "./..."] + items
    if kind == "cargo":
        if len(items) != 1 or not _CARGO_FILTER.match(items[0]):
            raise SelectionError("cargo test takes one test name filter, e.g. 'parser::tests'")
        return [*command, items[0]]
    if kind in ("maven", "gradle"):
        bad = [item for item in items if not _JVM_TEST.match(item)]
        if bad:
            raise SelectionError(
                f"{bad[0]!r}: name a test class or Class#method, e.g. 'CalcTest#adds'"
            )
        if kind == "maven":
            return [*command, "-Dtest=" + ",".join(items)]
        return [*command, *(arg for item in items for arg in ("--tests", item.replace("#", ".")))]
    raise SelectionError(
        f"the test command {' '.join(command)!r} cannot be narrowed; run all tests instead"
    )


_EXIT_POLL_S = 0.05


class TestRunner:
    """Runs one project's test command in its sandbox; each :meth:`run` is independent."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        root: Path,
        command: list[str],
        *,
        timeout_s: float,
        max_output_chars: int,
        kill_grace_s: float = 2.0,
        cwd: Path | None = None,
        confinement: Confinement | None = None,
    ) -> None:
        self.root = root
        # a subproject's command runs in its folder; selections stay relative to the root
        self.cwd = cwd or root
        self.confinement = confinement or Confinement.for_sandbox(root)
        self.command = list(command)
        self.timeout_s = timeout_s
        self.max_output_chars = max_output_chars
        self.kill_grace_s = kill_grace_s

    async def run(
        self, selection: Sequence[str] = (), *, on_progress: ProgressSink | None = None
    ) -> TestReport:
        """Run the tests (or just ``selection``); SelectionError for an unsafe selection."""
        argv = selection_args(self.cwd, self.command, [self._in_cwd(i) for i in selection])
        started = time.monotonic()
        try:
            spawn_argv, spawn_env, notice = self._confined(argv)
        except IsolationUnavailable as exc:
            return TestReport(argv, False, 126, str(exc))
        except OSError as exc:
            return TestReport(argv, False, 127, f"could not start the test command: {exc}")
        try:
            proc = await asyncio.create_subprocess_exec(
                *spawn_argv,
                cwd=self.cwd,
                env=spawn_env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            return TestReport(argv, False, 127, f"could not start the test command: {exc}")
        capture = _Capture(self.max_output_chars, on_progress)
        assert proc.stdout is not None
        reader = asyncio.create_task(capture.pump(proc.stdout))
        timed_out = False
        try:
            try:
                await asyncio.wait_for(_exited(proc), self.timeout_s)
            except TimeoutError:
                timed_out = True
                await _terminate_group(proc, self.kill_grace_s)
        finally:
            # stragglers (daemons the tests started) and the cancelled-task case alike
            _kill_group(proc.pid, signal.SIGKILL)
            if not reader.done():
                try:
                    await asyncio.wait_for(asyncio.shield(reader), 5.0)
                except (TimeoutError, asyncio.CancelledError):
                    reader.cancel()
        output = capture.text() if notice is None else f"[{notice}]\n{capture.text()}"
        # by value: no secret of the server's environment travels on in a report (the model,
        # --json, proposals); secret shapes stay, they may be the code under test
        output = Redactor(shapes=False).text(output)
        exit_code = None if timed_out else proc.returncode
        condensed = condense_output(output, exit_code=exit_code, timed_out=timed_out)
        summary = condensed.summary
        if timed_out:
            summary = f"{summary} (limit {self.timeout_s:g} s)"
        return TestReport(
            command=argv,
            passed=exit_code == 0,
            exit_code=exit_code,
            summary=summary,
            failures=condensed.failures,
            output_tail=output[-self.max_output_chars :],
            duration_s=time.monotonic() - started,
        )

    def _in_cwd(self, item: str) -> str:
        """A selection relative to the root, made relative to a subproject's folder."""
        if self.cwd == self.root or not isinstance(item, str):
            return item
        prefix = self.cwd.relative_to(self.root).as_posix() + "/"
        return item.removeprefix(prefix)

    def _confined(self, argv: list[str]) -> tuple[list[str], dict[str, str], str | None]:
        """The argv and environment that run ``argv`` in the OS sandbox (agent.isolation)."""
        confinement = self.confinement
        env = scrubbed_environment(extra=self._extra_env(), passed=confinement.pass_env)
        return confined_command(argv, self.cwd, env, confinement)

    def _extra_env(self) -> dict[str, str]:
        if runner_kind(self.command) != "pytest" and "unittest" not in self.command:
            return {}
        # import the sandbox's code, not an editable install of the user's folder
        paths = [str(self.cwd)]
        if (self.cwd / "src").is_dir():
            paths.append(str(self.cwd / "src"))
        existing = os.environ.get("PYTHONPATH")
        return {"PYTHONPATH": os.pathsep.join([*paths, *([existing] if existing else [])])}


class _Capture:
    """Keeps the head and a long tail of a stream, and reports pytest progress per line."""

    def __init__(self, max_chars: int, on_progress: ProgressSink | None) -> None:
        self._head_limit = max_chars // 2
        self._tail_limit = max_chars * 4
        self._head = ""
        self._tail = ""
        self._dropped = False
        self._on_progress = on_progress
        self._partial_line = ""
        self._done = 0

    async def pump(self, stream: asyncio.StreamReader) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        while chunk := await stream.read(_READ_CHUNK):
            self._add(decoder.decode(chunk))
        self._add(decoder.decode(b"", final=True))

    def text(self) -> str:
        if not self._dropped:
            return self._head + self._tail
        return f"{self._head}\n[… output truncated …]\n{self._tail}"

    def _add(self, text: str) -> None:
        if not text:
            return
        self._report_progress(text)
        room = self._head_limit - len(self._head)
        if room > 0 and not self._tail:
            self._head += text[:room]
            text = text[room:]
        self._tail += text
        if len(self._tail) > self._tail_limit:
            self._tail = self._tail[-self._tail_limit :]
            self._dropped = True

    def _report_progress(self, text: str) -> None:
        if self._on_progress is None:
            return
        lines = (self._partial_line + text).split("\n")
        self._partial_line = lines.pop()
        for line in lines:
            progress = progress_from_line(line)
            if progress is not None:
                marks, pct = progress
                self._done += marks
                total = round(self._done * 100 / pct) if pct else None
                self._on_progress(self._done, total)


async def _exited(proc: asyncio.subprocess.Process) -> None:
    """Until the test command itself has exited. ``proc.wait()`` also waits for its stdout
    to close, which a child it left running (a server, a daemon) may hold open until the
    timeout; those children are killed with the group right after."""
    while proc.returncode is None:
        await asyncio.sleep(_EXIT_POLL_S)


async def _terminate_group(proc: asyncio.subprocess.Process, grace_s: float) -> None:
    """SIGTERM the whole group, give it ``grace_s`` to exit, then SIGKILL it."""
    _kill_group(proc.pid, signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), grace_s)
    except TimeoutError:
        pass
    _kill_group(proc.pid, signal.SIGKILL)
    await proc.wait()


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _checked_item(item: str) -> str:
    if not isinstance(item, str) or not item:
        raise SelectionError("each test selection must be a non-empty string")
    if item.startswith(("-", "@")):  # "@file": pytest (argparse) reads arguments from a file
        raise SelectionError(f"{item!r}: options are not allowed, only test paths or ids")
    if _UNSAFE_CHARS.search(item):
        raise SelectionError(
            f"{item!r}: spaces and shell characters are not allowed in a test path or id"
        )
    return item


def _require_path(root: Path, path_part: str, item: str) -> None:
    try:
        path = resolve_inside(root, path_part)
    except PathEscape as exc:
        raise SelectionError(f"{item!r}: {exc}") from exc
    if not path.exists():
        raise SelectionError(f"{item!r}: {path_part} does not exist in the workspace")


__all__ = [
    "ProgressSink",
    "SelectionError",
    "TestRunner",
    "detect_test_command",
    "runner_kind",
    "selection_args",
]
