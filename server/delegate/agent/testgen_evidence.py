"""A "suspected bug" needs evidence: the model explains, and the explanation is checked.

A generated test that fails on today's code is either a bug found or the model's own
wrong expectation, and an assertion failure looks the same in both cases. So the model is
asked to judge each such failure through the ``judge_failures`` tool: ``bug`` with the line
of the code under test that is wrong (quoted) and why, or ``test_wrong``. A ``bug`` counts
only when the quoted code is really in the code under test and a reason is given; anything
else is treated as a wrong test and dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from delegate.agent.tools.base import ToolOutput

JUDGE_FAILURES = "judge_failures"

REQUEST = """\
These generated tests fail on the current code:

{failures}

For each one decide whether the code under test is wrong (a real bug) or the test expects \
the wrong thing. Call `judge_failures` once with a judgement per test: verdict "bug" only if \
you can quote the exact line of the code under test that is wrong (field `code`) and say why \
it contradicts the intended behaviour (field `why`); otherwise verdict "test_wrong"."""


@dataclass(frozen=True)
class Judgement:
    test: str
    bug: bool
    evidence: str  # the quoted code and the reason, for the report


class JudgeFailures:
    """The tool through which the model judges the failing tests."""

    name = JUDGE_FAILURES

    def __init__(self) -> None:
        self.judgements: list[dict[str, Any]] = []

    def definition(self) -> dict[str, Any]:
        item = {
            "type": "object",
            "properties": {
                "test": {"type": "string", "description": "the test function's name"},
                "verdict": {"type": "string", "enum": ["bug", "test_wrong"]},
                "code": {"type": "string", "description": "for a bug: the wrong line, quoted"},
                "why": {"type": "string", "description": "why the code (or test) is wrong"},
            },
            "required": ["test", "verdict"],
        }
        return {
            "name": JUDGE_FAILURES,
            "description": "Judge each failing generated test: a bug in the code, or a wrong test.",
            "input_schema": {
                "type": "object",
                "properties": {"judgements": {"type": "array", "items": item}},
                "required": ["judgements"],
            },
        }

    async def execute(self, input: Mapping[str, Any]) -> ToolOutput:
        judgements = input.get("judgements")
        if not isinstance(judgements, list) or not all(isinstance(j, dict) for j in judgements):
            return ToolOutput("judgements must be a list of objects", is_error=True)
        self.judgements = list(judgements)
        return ToolOutput("judgements recorded")


def request(failures: Sequence[str]) -> str:
    return REQUEST.format(failures="\n\n".join(f[:800] for f in failures))


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def checked(raw: Sequence[Mapping[str, Any]], names: Sequence[str], source: str) -> list[Judgement]:
    """One judgement per failing test in ``names``: a bug only with checked evidence."""
    by_name = {str(j.get("test", "")).split("::")[-1]: j for j in raw}
    code_text = _normalised(source)
    result = []
    for name in names:
        judged = by_name.get(name, {})
        code = _normalised(str(judged.get("code") or ""))
        why = str(judged.get("why") or "").strip()
        is_bug = (
            judged.get("verdict") == "bug" and len(code) >= 3 and code in code_text and bool(why)
        )
        evidence = f"`{code}`: {why}" if is_bug else why or "no evidence of a bug in the code"
        result.append(Judgement(name, is_bug, evidence))
    return result
