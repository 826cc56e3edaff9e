"""Notice when the model goes round in circles, say so once, and stop if it goes on.

Three patterns count as stuck: the same tool call three times in a row, two calls
alternating (A-B-A-B), and the same error coming back three times in a row. The first time
one appears the model gets a nudge with the tool results (strong agents often recover when
told); if the model goes on with it after the nudge (one more identical call is enough),
the task stops with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

_WINDOW = 6

NUDGE = (
    "You seem to be going in circles: {what}. Repeating it will not give a different result. "
    "Step back: re-read the task and the latest output, then try a different approach (another "
    "file, another search, a smaller edit), or call `finish` if the task is done."
)


class Stuck(Exception):
    """The model kept repeating itself after the nudge; the message says how."""


@dataclass
class StuckDetector:
    calls: list[str] = field(default_factory=list)
    errors: list[str | None] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    nudged: bool = False

    def record(self, name: str, input: dict[str, Any], output: str, is_error: bool) -> str | None:
        """Note one tool call and its result; returns a nudge the first time a loop shows,
        raises :class:`Stuck` when one shows again after it."""
        self.calls = [*self.calls, name + json.dumps(input, sort_keys=True, default=str)][-_WINDOW:]
        self.names = [*self.names, name][-_WINDOW:]
        self.errors = [*self.errors, output if is_error else None][-_WINDOW:]
        what = self._pattern()
        if what is None:
            return None
        if self.nudged:
            raise Stuck(f"stuck: {what}, after being told it was going in circles")
        self.nudged = True
        return NUDGE.format(what=what)

    def _pattern(self) -> str | None:
        calls, errors = self.calls, self.errors
        if len(calls) >= 3 and len(set(calls[-3:])) == 1:
            return f"you called {self.names[-1]} with the same input three times in a row"
        if len(calls) >= 4:
            a, b, c, d = calls[-4:]
            if a == c and b == d and a != b:
                return f"you alternated between the same two calls ({self.names[-2]}, {self.names[-1]})"
        last = errors[-3:]
        if len(last) == 3 and last[0] is not None and len(set(last)) == 1:
            return f"the same error came back three times: {last[0][:160]}"
        return None
