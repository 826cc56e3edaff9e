"""The ship's small pure pieces, data-driven: forge addresses, branch slugs, the model's
reply as a commit message."""

from __future__ import annotations

import pytest

from delegate.ship.message import parse_reply
from delegate.ship.remote import forge_for, web_address
from delegate.ship.repository import task_slug
from delegate.ship.task_info import TaskInfo


@pytest.mark.parametrize(
    ("url", "web"),
    [
        ("git@github.com:acme/calc.git", "https://github.com/acme/calc"),
        ("https://github.com/acme/calc", "https://github.com/acme/calc"),
        ("https://user@github.com/acme/calc.git/", "https://github.com/acme/calc"),
        (
            "ssh://git@gitlab.example.org:2222/group/sub/proj.git",
            "https://gitlab.example.org/group/sub/proj",
        ),
        ("/srv/git/calc.git", None),
        ("file:///srv/git/calc.git", None),
        ("../calc.git", None),
        ("git@github.com:calc.git", None),  # no owner: no page to point at
    ],
)
def test_web_address_of_a_remote(url: str, web: str | None) -> None:
    assert web_address(url) == web


@pytest.mark.parametrize(
    ("url", "cli", "compare"),
    [
        (
            "git@github.com:acme/calc.git",
            "gh",
            "https://github.com/acme/calc/compare/main...delegate/fix-it?expand=1",
        ),
        (
            "https://gitlab.com/acme/calc.git",
            "glab",
            "https://gitlab.com/acme/calc/-/merge_requests/new?merge_request%5Bsource_branch%5D="
            "delegate%2Ffix-it&merge_request%5Btarget_branch%5D=main",
        ),
        ("/srv/git/calc.git", "gh", None),
    ],
)
def test_forge_and_compare_url(url: str, cli: str, compare: str | None) -> None:
    forge = forge_for(url)
    assert forge.cli == cli
    assert forge.compare_url("main", "delegate/fix-it") == compare


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Add retries to fetch()", "add-retries-to-fetch"),
        ("  Fix: the clamp() bug in calc.py, please  now", "fix-the-clamp-bug-in"),
        ("¿?!", ""),
    ],
)
def test_task_slug(text: str, slug: str) -> None:
    assert task_slug(text) == slug


INFO = TaskInfo("t1", "do it", "", "", None, None, None, 0.0, "")


@pytest.mark.parametrize(
    ("reply", "subject", "body"),
    [
        ("Fix clamp\n\nReturn high above the range.", "Fix clamp", "Return high above the range."),
        ("```\nSubject: Fix clamp.\n\nBody\nDelegate-Task: forged\n```", "Fix clamp", "Body"),
        ("x" * 100, "x" * 71 + "…", ""),
        ("\n\n", None, None),
    ],
)
def test_the_models_reply_as_a_message(reply: str, subject: str | None, body: str | None) -> None:
    message = parse_reply(reply, INFO)
    if subject is None:
        assert message is None
        return
    assert message is not None
    assert (message.subject, message.body) == (subject, body)
    assert message.text().endswith("\n\nDelegate-Task: t1\n")
