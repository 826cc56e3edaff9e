"""``bash``: the coder runs a shell command inside the task's OS sandbox.

With runs confined (:mod:`delegate.agent.isolation`) the model may build, run scripts and
reproduce bugs: the command runs as ``bash -c`` in the sandbox root under the same profile
as test runs — only the sandbox writable, no network, no view of the user's folder, an
allowlisted environment, resource limits, its own PID namespace. Output (stdout and stderr
together) is capped, the run is bounded by ``timeout_seconds``, and the command and its
result are written to the trace like every tool call. Where runs cannot be confined and
``sandbox.require_isolation`` is on, the tool is not offered at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from delegate.agent.isolation import Confinement, IsolationUnavailable, detect_backend
from delegate.agent.isolation.process import run_confined
from delegate.agent.tools.base import BaseTool, ToolContext, ToolOutput, bounded_int, required_str

MAX_OUTPUT_BYTES = 16_000
DEFAULT_TIMEOUT_S = 120
MAX_TIMEOUT_S = 600


def shell_available(ctx: ToolContext) -> bool:
    """Offer ``bash`` only when it is on and its runs can be confined (or need not be)."""
    box = ctx.settings.sandbox
    return box.shell_tool and (detect_backend().available or not box.require_isolation)


class Bash(BaseTool):
    name = "bash"
    description = (
        "Run a shell command (bash -c) in the workspace root, inside an OS sandbox: only the "
        "workspace is writable, there is no network, files outside it are read-only or hidden. "
        "Use it to build, run scripts or reproduce a bug; use run_tests for the test suite and "
        "the editor for edits. Returns the exit code and the output (capped)."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The command line, run by bash -c."},
            "timeout_seconds": {
                "type": "integer",
                "description": f"Limit for this command (1-{MAX_TIMEOUT_S}, default {DEFAULT_TIMEOUT_S}).",
            },
        },
        "required": ["command"],
    }

    async def run(self, input: Mapping[str, Any]) -> str | ToolOutput:
        command = required_str(input, "command")
        timeout = bounded_int(input, "timeout_seconds", DEFAULT_TIMEOUT_S, 1, MAX_TIMEOUT_S)
        confinement = self._confinement()
        try:
            outcome = await run_confined(
                ["bash", "-c", command],
                self.ctx.sandbox_root,
                confinement,
                timeout_s=timeout,
                max_output_bytes=MAX_OUTPUT_BYTES,
            )
        except IsolationUnavailable as exc:
            return ToolOutput(str(exc), is_error=True)
        except OSError as exc:
            return ToolOutput(f"could not start bash: {exc}", is_error=True)
        head = f"[{outcome.notice}]\n" if outcome.notice else ""
        if outcome.exit_code is None:
            status = f"timed out after {timeout} s (killed)"
        else:
            status = f"exit code {outcome.exit_code}"
        cut = f" ({outcome.truncated_chars} bytes of output cut)" if outcome.truncated_chars else ""
        body = outcome.output.rstrip() or "(no output)"
        return ToolOutput(
            f"{head}{status}{cut}, {outcome.seconds:.1f} s\n{body}", is_error=outcome.exit_code != 0
        )

    def _confinement(self) -> Confinement:
        runner = self.ctx.test_runner
        if runner is not None:
            return runner.confinement
        return Confinement.from_settings(self.ctx.sandbox_root, None, self.ctx.settings)
