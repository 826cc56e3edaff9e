"""Scrub secrets from anything written to a trace or a log.

Traces record full model requests and tool output, and tool output can contain whatever a
project keeps in its files or environment. Everything passes through :class:`Redactor`
before it is written: the API key itself (when known) and common secret shapes are replaced
by ``[REDACTED]``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

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


class Redactor:
    """Replaces known secrets and secret-looking strings with ``[REDACTED]``."""

    def __init__(self, known_secrets: Iterable[str | None] = ()) -> None:
        # very short "secrets" would mask ordinary words; they are not real keys anyway
        self._known = sorted({s for s in known_secrets if s and len(s) >= 8}, key=len, reverse=True)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 8 and secret not in self._known:
            self._known = sorted([*self._known, secret], key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self._known:
            value = value.replace(secret, MASK)
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
