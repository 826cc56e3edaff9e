"""Agent benchmark: sandbox snapshot time and the loop's own overhead per turn, on Django.

Corpus: the Django 5.2 sdist (``pip download --no-deps --no-binary :all:`` into
``bench/.cache/``, unpacked into ``bench/.cache/agent/django-plain``; the wheel is the
fallback when no sdist can be fetched, and the output says so). A second copy,
``bench/.cache/agent/django-git``, is a git repository (``git init && git add -A && git
commit``) so both snapshot paths are measured: a plain copy honouring ignore rules, and a
``git worktree`` plus the working-tree changes.

1. Snapshot: ``Sandbox.create`` + ``close`` on each copy, ``--runs`` times; p50/p95 of create.
2. Loop overhead: ``run_task`` against the fake Messages API (in-process, zero latency) with a
   policy that plans at once, then makes ``--turns`` cheap tool calls (read_file / grep that
   stops at 50 matches / list_dir / grep that matches nothing and so scans every file, one per
   turn, in turn), one edit, ``finish``; the test command is ``python -c pass``.
   A turn is the time from one model call's start to the next one's; its overhead is that
   minus the model call's own latency (``ModelReply.latency_s``: the HTTP round trip and the
   SDK's parsing). Turns are only the tool-call turns of the coding phase, so no test run
   falls inside one. The tools' own time (from the trace) is reported as a part of it.

3. Grep after changes: in one sandbox of the git copy, ``--rounds`` times: a grep that matches
   nothing with nothing changed, the same right after the editor created a file and right
   after it edited one, and a case-insensitive grep that matches nothing. Tool time only.

Targets: snapshot ≤ 1.5 s; per-turn overhead p95 ≤ 50 ms (grep's p95 well under 100 ms). A script, never a test:

    .venv/bin/python bench/agent_overhead.py [--runs 5] [--turns 30] [--tasks 3] [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.fakes

from tests.fakes.fake_anthropic import FakeAnthropic, RecordedRequest, Reply, text, tool_use  # noqa: E402

from delegate.agent.client import ModelClient, ModelReply  # noqa: E402
from delegate.agent.engine import run_task  # noqa: E402
from delegate.agent.file_listing import list_workspace_files  # noqa: E402
from delegate.agent.sandbox import Sandbox  # noqa: E402
from delegate.agent.task import TaskSpec  # noqa: E402
from delegate.agent.tools import ToolContext, build_tools  # noqa: E402
from delegate.agent.trace import TraceWriter  # noqa: E402
from delegate.settings import ApiSettings, Settings, load_settings  # noqa: E402

CACHE = REPO / "bench" / ".cache"
WORK = CACHE / "agent"
KEY = "sk-ant-bench-dummy-key"
SNAPSHOT_TARGET_S = 1.5
TURN_TARGET_MS = 50.0


# -- corpus ------------------------------------------------------------------------------------


def _pip_download(*args: str) -> None:
    argv = [sys.executable, "-m", "pip", "download", "--no-deps", *args]
    subprocess.run(
        [*argv, "django==5.2.*", "-d", str(CACHE)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def django_source() -> tuple[Path, str]:
    """The unpacked Django tree and what it came from ("sdist …" or "wheel … (fallback)")."""
    target = WORK / "django-plain"
    marker = WORK / "django-plain.source"
    if target.is_dir() and marker.is_file():
        return target, marker.read_text()
    CACHE.mkdir(parents=True, exist_ok=True)
    sdists = sorted(CACHE.glob("[Dd]jango-5.2*.tar.gz")) + sorted(
        (CACHE / "downloads").glob("[Dd]jango-5.2*.tar.gz")
    )
    if not sdists:
        try:
            _pip_download("--no-binary", ":all:")
            sdists = sorted(CACHE.glob("[Dd]jango-5.2*.tar.gz"))
        except subprocess.CalledProcessError:
            sdists = []
    unpack = WORK / "unpack"
    shutil.rmtree(unpack, ignore_errors=True)
    unpack.mkdir(parents=True)
    if sdists:
        with tarfile.open(sdists[-1]) as tar:
            tar.extractall(unpack, filter="data")
        source = f"sdist {sdists[-1].name}"
    else:
        wheels = sorted(CACHE.glob("[Dd]jango-5.2*.whl"))
        if not wheels:
            _pip_download("--only-binary", ":all:")
            wheels = sorted(CACHE.glob("[Dd]jango-5.2*.whl"))
        (unpack / "django-wheel").mkdir()
        with zipfile.ZipFile(wheels[-1]) as wheel:
            wheel.extractall(unpack / "django-wheel")
        source = f"wheel {wheels[-1].name} (fallback: the sdist could not be fetched)"
    shutil.rmtree(target, ignore_errors=True)
    shutil.move(str(next(unpack.iterdir())), target)
    shutil.rmtree(unpack)
    marker.write_text(source)
    return target, source


def git_copy(plain: Path) -> Path:
    """A committed git repository with the same files as ``plain``."""
    target = WORK / "django-git"
    if (target / ".git").is_dir():
        return target
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(plain, target, symlinks=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "django"]):
        subprocess.run(["git", *args], cwd=target, env=env, check=True)
    return target


def count_files(folder: Path) -> int:
    return sum(len(files) for root, _, files in os.walk(folder) if ".git" not in Path(root).parts)


# -- measurements ------------------------------------------------------------------------------


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (git), user + system."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def snapshot_times(
    folder: Path, runs: int
) -> tuple[list[float], list[float], list[float], int]:
    """Wall and CPU seconds of ``Sandbox.create`` per run, wall seconds of ``changes()`` right
    after it (nothing changed: the lstat comparison alone), and the files in the sandbox."""
    settings = Settings().index
    wall: list[float] = []
    cpu: list[float] = []
    diff: list[float] = []
    files = 0
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), cpu_seconds()
        sandbox = await Sandbox.create(folder, {}, settings)
        wall.append(time.perf_counter() - started)
        cpu.append(cpu_seconds() - cpu_started)
        started = time.perf_counter()
        assert sandbox.changes() == []
        diff.append(time.perf_counter() - started)
        files = count_files(sandbox.root)
        await sandbox.close()
    return wall, cpu, diff, files


class TimedClient(ModelClient):
    """The real client, noting when each call starts and how long the model took."""

    timings: list[tuple[float, float, str]]  # (start, latency_s, phase)

    async def complete(self, **kwargs: Any) -> ModelReply:
        started = time.perf_counter()
        reply = await super().complete(**kwargs)
        phase = str((kwargs.get("trace_fields") or {}).get("phase", ""))
        self.timings.append((started, reply.latency_s, phase))
        return reply


# the cheap calls in turn; two greps: one stops at 50 matches, one scans every file
CALL_KINDS = ("read_file", "grep (50 matches, `*.py`)", "list_dir", "grep (no match, all files)")


def cheap_call(n: int) -> dict[str, Any]:
    kind = n % len(CALL_KINDS)
    if kind == 0:
        return tool_use("read_file", {"path": "django/utils/text.py", "start_line": 1 + 20 * n})
    if kind == 1:
        return tool_use("grep", {"pattern": f"def \\w*{'abcdefghij'[n % 10]}", "path_glob": "*.py"})
    if kind == 2:
        return tool_use("list_dir", {"path": ["django", "django/db", "django/utils"][n % 3]})
    return tool_use("grep", {"pattern": f"no_such_name_{n}\\b"})


def policy_for(turns: int) -> Any:
    count = {"code": 0}
    edit = {
        "command": "str_replace",
        "path": "django/__init__.py",
        "old_str": "VERSION = ",
        "new_str": "# touched by the agent benchmark\nVERSION = ",
    }

    def policy(request: RecordedRequest) -> Reply:
        if "submit_review" in request.tool_names:  # the reviewer (it has read-only tools)
            return Reply([tool_use("submit_review", {"approved": True, "notes": []})])
        if not request.tools:
            return Reply([text('{"approved": true, "notes": []}')])
        if "finish" not in request.tool_names:
            return Reply([text("Plan: read around, then touch django/__init__.py")])
        n = count["code"]
        count["code"] += 1
        if n < turns:
            return Reply([cheap_call(n)])
        if n == turns:
            return Reply([tool_use("str_replace_based_edit_tool", edit)])
        return Reply([tool_use("finish", {"summary": "benchmark run"})])

    return policy


async def loop_overhead(folder: Path, turns: int, tasks: int) -> dict[str, list[float]]:
    """Samples in ms: "turn" (turn wall − model latency), "tool" (the tool's own time),
    "loop" (turn − tool: the loop's bookkeeping), "tool:<name>", and "model" latency."""
    samples: dict[str, list[float]] = defaultdict(list)
    for task in range(tasks):
        clients: list[TimedClient] = []

        def factory(
            api: ApiSettings,
            api_key: str,
            trace: TraceWriter | None,
            clients: list[TimedClient] = clients,
        ) -> ModelClient:
            client = TimedClient(api, api_key, trace)
            client.timings = []
            clients.append(client)
            return client

        with FakeAnthropic([], policy=policy_for(turns)) as fake:
            settings, warnings = load_settings(
                {
                    "api": {"base_url": fake.base_url, "max_retries": 0},
                    # the fake bills tokens by request size; the bench is about time, not money
                    "budget": {
                        "max_tool_calls": turns + 10,
                        "max_iterations": 1,
                        "max_cost_usd": 1000,
                    },
                    "tests": {"command": [sys.executable, "-c", "pass"]},
                }
            )
            assert not warnings, warnings
            spec = TaskSpec(task_id=f"bench-{task}", folder=folder, instruction="benchmark")
            result = await run_task(spec, settings, api_key=KEY, client_factory=factory)
        if result.state != "succeeded":
            raise SystemExit(f"benchmark task failed: {result.message}")
        calls = [c for c in clients[0].timings if c[2] == "editing"]
        samples["model"] += [latency * 1000 for _, latency, _ in calls]
        tools = [
            (e["name"], e["seconds"] * 1000)
            for e in map(json.loads, Path(result.trace_path).read_text().splitlines())
            if e.get("event") == "tool_result" and e.get("phase") == "editing"
        ]
        pairs = list(itertools.pairwise(calls))[:turns]  # the cheap turns, not edit/finish
        for n, ((start, latency, _), (next_start, _, _)) in enumerate(pairs):
            name, tool_ms = tools[n]
            assert name == CALL_KINDS[n % len(CALL_KINDS)].split()[0], (name, n)
            name = CALL_KINDS[n % len(CALL_KINDS)]
            turn_ms = (next_start - start - latency) * 1000
            samples["turn"].append(turn_ms)
            samples["tool"].append(tool_ms)
            samples["loop"].append(turn_ms - tool_ms)
            samples[f"tool:{name}"].append(tool_ms)
            first = n < len(CALL_KINDS)  # the task's first call of this kind: nothing cached
            if not first:
                samples["turn, later"].append(turn_ms)
            if name.startswith("grep"):
                which = "first call in a task" if first else "later calls"
                samples[f"tool:{name}, {which}"].append(tool_ms)
        shutil.rmtree(folder / ".delegate", ignore_errors=True)
    return samples


async def grep_after_changes(folder: Path, rounds: int) -> dict[str, list[float]]:
    """Milliseconds of grep calls (no match) after the kinds of change a task makes."""
    settings = Settings()
    samples: dict[str, list[float]] = defaultdict(list)
    async with await Sandbox.create(folder, {}, settings.index) as sandbox:
        ctx = ToolContext(
            sandbox_root=sandbox.root, index=None, test_runner=None, settings=settings
        )
        tools = {t.name: t for t in build_tools(ctx, phase="code")}

        async def call(name: str, args: dict[str, Any], label: str = "") -> None:
            started = time.perf_counter()
            out = await tools[name].execute(args)
            if label:
                samples[label].append((time.perf_counter() - started) * 1000)
            assert not out.is_error, out.text

        edit = "str_replace_based_edit_tool"
        for n in range(rounds):
            grep = {"pattern": f"no_such_name_{n}\\b"}
            await call("grep", grep, "grep (no match), nothing changed")
            new_file = {"command": "create", "path": f"django/bench_{n}.py", "file_text": "x = 1\n"}
            await call(edit, new_file)
            await call("grep", grep, "… right after the editor created a file")
            replace = {
                "command": "str_replace",
                "path": "django/__init__.py",
                "old_str": "VERSION = ",
                "new_str": f"# round {n}\nVERSION = ",
            }
            await call(edit, replace)
            await call("grep", grep, "… right after the editor changed a file")
            any_case = {"pattern": f"No_Such_Name_{n}", "case_insensitive": True}
            await call("grep", any_case, "grep (no match), case-insensitive")
    return samples


def copy_floor(folder: Path, runs: int) -> list[float]:
    """Wall seconds of plain ``cp`` of the same files: what copying costs on this machine."""
    files = list_workspace_files(folder, Settings().index)
    times: list[float] = []
    for _ in range(runs):
        target = Path(tempfile.mkdtemp(prefix="bench-cp-"))
        started = time.perf_counter()
        for i in range(0, len(files), 1000):
            subprocess.run(
                ["cp", "--parents", "-p", "-t", str(target), *files[i : i + 1000]],
                cwd=folder,
                check=True,
            )
        times.append(time.perf_counter() - started)
        shutil.rmtree(target)
    return times


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {ram:.1f} GiB RAM, Python {platform.python_version()}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="snapshots per kind")
    ap.add_argument("--turns", type=int, default=30, help="cheap tool-call turns per task")
    ap.add_argument("--tasks", type=int, default=3, help="benchmark tasks (turn samples ×)")
    ap.add_argument("--rounds", type=int, default=10, help="rounds of grep after changes")
    ap.add_argument("--only", choices=("snapshot", "loop", "grep"), help="measure just one part")
    args = ap.parse_args()

    # bench/.cache is inside this repository (and ignored by it): without a ceiling, git
    # would treat the plain copy as an ignored subfolder of this repository
    os.environ["GIT_CEILING_DIRECTORIES"] = str(WORK)
    plain, source = django_source()
    repo = git_copy(plain)
    print(f"machine: {machine()}; load average at start {os.getloadavg()[0]:.1f}")
    print(f"corpus: Django from {source}; {count_files(plain)} files")
    print()
    print("| measurement | n | p50 | p95 | target |")
    print("|---|---|---|---|---|")
    snapshots = [("snapshot, plain copy", plain), ("snapshot, git worktree", repo)]
    for label, folder in snapshots if args.only in (None, "snapshot") else []:
        wall, cpu, diff, files = asyncio.run(snapshot_times(folder, args.runs))
        p50, p95 = percentiles(wall)
        c50, c95 = percentiles(cpu)
        ok = "ok" if p95 <= SNAPSHOT_TARGET_S else "MISSED"
        print(
            f"| {label} ({files} files), wall | {len(wall)} | {p50:.2f} s "
            f"| {p95:.2f} s | ≤ {SNAPSHOT_TARGET_S} s ({ok}) |"
        )
        print(f"| {label}, CPU (user+sys) | {len(cpu)} | {c50:.2f} s | {c95:.2f} s | |")
        d50, d95 = percentiles(diff)
        print(
            f"| … then `changes()`, nothing changed | {len(diff)} | {d50:.2f} s | {d95:.2f} s | |"
        )
    if args.only in (None, "snapshot"):
        floor = copy_floor(plain, args.runs)
        f50, f95 = percentiles(floor)
        print(
            f"| floor: `cp --parents -p` of the same files, wall | {len(floor)} | {f50:.2f} s "
            f"| {f95:.2f} s | |"
        )
    if args.only in (None, "grep"):
        greps = asyncio.run(grep_after_changes(repo, args.rounds))
        for label, values in greps.items():
            p50, p95 = percentiles(values)
            print(f"| {label} | {len(values)} | {p50:.1f} ms | {p95:.1f} ms | |")
    if args.only in ("snapshot", "grep"):
        return 0
    samples = asyncio.run(loop_overhead(repo, args.turns, args.tasks))
    rows = [
        ("turn", "overhead per turn (wall − model latency)", f"p95 ≤ {TURN_TARGET_MS:g} ms"),
        ("turn, later", "… after each task's first call of each kind", ""),
        ("loop", "… the loop's own part (turn − tool)", f"p95 ≤ {TURN_TARGET_MS:g} ms"),
        ("tool", "… the tool's own part", ""),
        *[(k, f"… … {k.removeprefix('tool:')}", "") for k in sorted(samples) if ":" in k],
        ("model", "model call (fake, zero latency; excluded)", ""),
    ]
    for key, label, target in rows:
        p50, p95 = percentiles(samples[key])
        if target:
            target += " (ok)" if p95 <= TURN_TARGET_MS else " (MISSED)"
        print(f"| {label} | {len(samples[key])} | {p50:.1f} ms | {p95:.1f} ms | {target} |")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
