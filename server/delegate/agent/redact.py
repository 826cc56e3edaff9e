"""Scrub secrets from anything written to a trace, a log, the CLI's output or a model request.

Traces record full model requests and tool output, and tool output can contain whatever a
project keeps in its files or environment. Everything passes through :class:`Redactor`
before it is written. Redaction is by value — the API key and the value of every
secret-looking variable of the server's environment (:func:`delegate.agent.env.secret_values`),
each also reversed and in base64 (standard and URL-safe, at any alignment inside a longer
encoded string) — and, for traces and logs, by shape (key formats, ``NAME_TOKEN=…``, PEM
blocks). Requests to the model are redacted by value only (:func:`redact_for_model`): a
shape rule would also mask ordinary code the model has to edit.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from delegate.proposals.changes import FileChange

MASK = "[REDACTED]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM private key blocks, whole
    (
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
            re.S,
        ),
        MASK,
    ),
    # Anthropic keys (sk-ant-api03-…, sk-ant-admin01-…) and other sk- style keys
    (re.compile(r"\bsk-(?:ant-)?[A-Za-z0-9_\-]{16,}"), MASK),
    # Authorization: Bearer <token>
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9_\-\.=~+/]{8,}"), r"\1" + MASK),
    # AWS access key ids
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), MASK),
    # NAME_KEY=value, NAME_TOKEN: value, "api_secret": "value", password=…
    (
        re.compile(
            r"(?i)\b([A-Z0-9_\-]*(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD)[\"']?\s*[:=]\s*[\"']?)"
            r"([^\s\"',;]{6,})"
        ),
        r"\1" + MASK,
    ),
)


MIN_SECRET_CHARS = 8  # shorter "secrets" would mask ordinary words; they are not real keys
MIN_ENCODED_CHARS = 12


def encoded_forms(secret: str) -> set[str]:
    """``secret``, reversed, and the parts of its base64 encodings that do not depend on
    what stands before or after it (three alignments, standard and URL-safe alphabets)."""
    forms = {secret, secret[::-1]}
    raw = secret.encode()
    for offset in range(3):
        padded = b"\0" * offset + raw
        whole_groups = len(padded) // 3 * 4
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            core = encode(padded).decode()[4 if offset else 0 : whole_groups]
            if len(core) >= MIN_ENCODED_CHARS:
                forms.add(core)
    return forms


class Redactor:
    """Replaces known secrets (and, unless ``shapes`` is off, secret-looking strings) with
    ``[REDACTED]``. The server's environment secrets are always known."""

    def __init__(self, known_secrets: Iterable[str | None] = (), *, shapes: bool = True) -> None:
        from delegate.agent.env import secret_values

        self._shapes = shapes
        self._known: set[str] = set()
        self._matcher: re.Pattern[str] | None = None
        for secret in [*known_secrets, *secret_values()]:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < MIN_SECRET_CHARS:
            return
        fresh = encoded_forms(secret) - self._known
        if fresh:
            self._known |= fresh
            ordered = sorted(self._known, key=len, reverse=True)
            self._matcher = re.compile("|".join(re.escape(s) for s in ordered))

    def text(self, value: str) -> str:
        if self._matcher is not None:
            value = self._matcher.sub(MASK, value)
        if self._shapes:
            for pattern, replacement in _PATTERNS:
                value = pattern.sub(replacement, value)
        return value

    def value(self, value: Any) -> Any:
        """Redact every string inside JSON-like data (dict keys are kept)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(item) for item in value]
        return value


def redact_for_model(request: Any, api_key: str | None) -> Any:
    """A model request with every known secret value masked (shapes are left alone)."""
    return Redactor([api_key], shapes=False).value(request)


def redact_added_lines(changes: Iterable[FileChange]) -> list[FileChange]:
    """``changes`` with every secret value masked in the lines they add (by value only).

    Test runs and the shell can write files into the sandbox, and those become part of the
    proposal: a secret copied into one must not reach ``.delegate/proposals`` or, once
    accepted, the user's files. Lines the file already had are left alone.
    """
    redactor = Redactor(shapes=False)
    out: list[FileChange] = []
    for change in changes:
        if change.proposed is None:
            out.append(change)
            continue
        before = set((change.base or "").splitlines())
        lines = change.proposed.splitlines(keepends=True)
        masked = [line if line.rstrip("\r\n") in before else redactor.text(line) for line in lines]
        text = "".join(masked)
        out.append(change if text == change.proposed else replace(change, proposed=text))
    return out


def redact(value: str, known_secrets: Iterable[str | None] = ()) -> str:
    """One-off redaction of ``value``."""
    return Redactor(known_secrets).text(value)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's final message (arguments included)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.redactor.text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


# the SDK logs request bodies at DEBUG; these are the loggers that can carry them
_SDK_LOGGERS = ("anthropic", "anthropic._base_client", "httpx2", "httpcore2.http11")
_LOG_FILTER = RedactingFilter(Redactor())


def redact_sdk_logs(secret: str | None) -> None:
    """Make sure the model SDK's own log records never carry ``secret`` or secret shapes."""
    _LOG_FILTER.redactor.add(secret)
    for name in _SDK_LOGGERS:
        logger = logging.getLogger(name)
        if _LOG_FILTER not in logger.filters:
            logger.addFilter(_LOG_FILTER)
