"""The environment a test run sees: the server's, minus anything that looks like a secret.

Test commands run code the model wrote. That code must not be able to read the user's API
keys or cloud credentials from its environment, so :func:`scrubbed_environment` drops them
by name pattern. It also makes runs quieter and more deterministic: no ``.pyc`` files in
the sandbox (they would show up as changes) and ``CI=1`` so tools skip interactive modes.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping

# Upper-cased shell-style patterns; a variable whose name matches any of them is dropped.
SECRET_PATTERNS: tuple[str, ...] = (
    "ANTHROPIC_*",
    "AWS_*",
    "*_KEY",
    "*_TOKEN",
    "*_SECRET",
    "*_PASSWORD",
    "*_CREDENTIALS",
)

FORCED: Mapping[str, str] = {"PYTHONDONTWRITEBYTECODE": "1", "CI": "1"}


def is_secret_name(name: str) -> bool:
    """True when the variable ``name`` may hold a credential."""
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, pattern) for pattern in SECRET_PATTERNS)


def scrubbed_environment(
    base: Mapping[str, str] | None = None, *, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``base`` (default: ``os.environ``) without secrets, plus :data:`FORCED` and ``extra``."""
    source = os.environ if base is None else base
    env = {name: value for name, value in source.items() if not is_secret_name(name)}
    env.update(FORCED)
    if extra:
        env.update({name: value for name, value in extra.items() if not is_secret_name(name)})
    return env
