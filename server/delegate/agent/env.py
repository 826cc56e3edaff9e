"""The environment a confined run sees: built from an allowlist, never the server's own.

Test commands and the shell tool run code the model wrote. Scrubbing the server's
environment by name lets through whatever a pattern misses (``PGPASSWORD``,
``DATABASE_URL``, ``SSH_AUTH_SOCK``…), so :func:`scrubbed_environment` starts from nothing
and copies only the names in :data:`ALLOWED_NAMES` (locale, ``PATH``, time zone), the
names the user listed in ``tests.env`` (``passed``), and the run's own ``extra``
(``PYTHONPATH`` for the sandbox's code, ``HOME``). It also makes runs quieter and more
deterministic: no ``.pyc`` files in the sandbox (they would show up as changes) and
``CI=1`` so tools skip interactive modes.

:func:`is_secret_name` is the other half: the names whose values the redactor masks
wherever they appear (:mod:`delegate.agent.redact`).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Mapping

ALLOWED_NAMES: tuple[str, ...] = ("PATH", "LANG", "LANGUAGE", "LC_*", "TZ", "TERM", "NO_COLOR")

# Upper-cased shell-style patterns; a variable whose name matches any of them may hold a
# credential: never passed on implicitly, and its value is redacted from every output.
SECRET_PATTERNS: tuple[str, ...] = (
    "ANTHROPIC_*",
    "AWS_*",
    "AZURE_*",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "*KEY",
    "*_KEY_*",
    "*APIKEY*",
    "*_TOKEN",
    "*_TOKEN_*",
    "TOKEN",
    "*SECRET*",
    "*PASSWORD*",
    "*PASSWD*",
    "*_PWD",
    "*CREDENTIAL*",
    "*PRIVATE*",
    "*_DSN",
    "*DATABASE_URL",
    "*_AUTH",
    "*AUTH_SOCK",
    "SSH_*",
    "GPG_*",
    "*_COOKIE",
)

FORCED: Mapping[str, str] = {"PYTHONDONTWRITEBYTECODE": "1", "CI": "1"}


def is_secret_name(name: str) -> bool:
    """True when the variable ``name`` may hold a credential."""
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, pattern) for pattern in SECRET_PATTERNS)


def _allowed(name: str, passed: Iterable[str]) -> bool:
    if name in passed:
        return True
    return not is_secret_name(name) and any(
        fnmatch.fnmatchcase(name, pattern) for pattern in ALLOWED_NAMES
    )


def scrubbed_environment(
    base: Mapping[str, str] | None = None,
    *,
    extra: Mapping[str, str] | None = None,
    passed: Iterable[str] = (),
) -> dict[str, str]:
    """The allowlisted part of ``base`` (default: ``os.environ``), ``passed`` names, then
    :data:`FORCED` and ``extra`` (whose secret-looking names are dropped too)."""
    source = os.environ if base is None else base
    names = set(passed)
    env = {name: value for name, value in source.items() if _allowed(name, names)}
    env.update(FORCED)
    if extra:
        env.update({name: value for name, value in extra.items() if not is_secret_name(name)})
    return env


def secret_values(base: Mapping[str, str] | None = None) -> list[str]:
    """The values of every secret-looking variable of ``base`` (default: ``os.environ``)."""
    source = os.environ if base is None else base
    return [value for name, value in source.items() if value and is_secret_name(name)]
