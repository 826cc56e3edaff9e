"""The reviewer: a model with read-only tools that ends with a structured verdict.

A diff alone hides what matters in review — the callers of a changed function, the test
that should have been added, the edge case two files away — so the reviewer reads the
sandbox with the planner's tools. It answers through a ``submit_review`` tool call whose
input schema is the verdict (``approved``, ``notes``), so the verdict is data, not prose to
be searched with a regex; a reviewer that answers in text anyway is read as JSON text, and
anything else counts as a rejection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from delegate.agent import prompts
from delegate.agent.tools.base import ToolOutput
from delegate.agent.verify import parse_verdict

if TYPE_CHECKING:
    from delegate.agent.loop_types import RunningTask

SUBMIT_REVIEW = "submit_review"
REVIEW_TURNS = 12


class SubmitReview:
    """The tool the reviewer calls once with its verdict."""

    name = SUBMIT_REVIEW

    def __init__(self) -> None:
        self.verdict: dict[str, Any] | None = None

    def definition(self) -> dict[str, Any]:
        return {
            "name": SUBMIT_REVIEW,
            "description": (
                "Submit your verdict on the change. Call it once, when you have decided. "
                "notes: concrete reasons, each one the agent can act on."
            ),
            "input_schema": {
                "type": "object",
                "properties": {
                    "approved": {"type": "boolean", "description": "true to accept the change"},
                    "notes": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "short reasons; for a rejection, what to change",
                    },
                },
                "required": ["approved", "notes"],
            },
        }

    async def execute(self, input: Mapping[str, Any]) -> ToolOutput:
        approved = input.get("approved")
        notes = input.get("notes", [])
        if not isinstance(approved, bool):
            return ToolOutput("approved must be true or false", is_error=True)
        if isinstance(notes, str):
            notes = [notes]
        if not isinstance(notes, list):
            return ToolOutput("notes must be a list of strings", is_error=True)
        self.verdict = {"approved": approved, "notes": [str(n) for n in notes]}
        return ToolOutput("verdict recorded")


def reviewer_for(run: RunningTask) -> Any:
    """A :data:`delegate.agent.verify.Reviewer` that reviews within ``run``'s budgets."""

    async def review(message: str) -> dict[str, Any]:
        submit = SubmitReview()
        tools: list[Any] = [*run.workspace.tools("plan"), submit]
        messages: list[dict[str, Any]] = [{"role": "user", "content": message}]
        reply = await run.agent_turns(
            [prompts.VERIFIER_SYSTEM],
            messages,
            tools,
            REVIEW_TURNS,
            stop_tools=frozenset({SUBMIT_REVIEW}),
            role="verifier",
        )
        if submit.verdict is not None:
            return submit.verdict
        return parse_verdict(reply.text)

    return review
