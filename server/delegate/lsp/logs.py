"""Logging for the server: to the client's output (window/logMessage) and to a rotating file.

stdout carries the protocol, so nothing may log there. Every handler gets a
:class:`RedactingFilter` that removes the API key (once known) and anything shaped like an
Anthropic key, so a secret cannot reach a log even through a library's debug message.
"""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import re
from collections.abc import Callable
from pathlib import Path

from delegate.lsp.stderr_log import LogFileHandler, OneLineFormatter
from delegate.state_dir import storage_problem

LOGGER_NAME = "delegate"
_KEY_PATTERN = re.compile(r"sk-ant-[A-Za-z0-9_\-]{6,}")
_LEVELS = {"error": logging.ERROR, "warning": logging.WARNING, "info": logging.INFO}
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def level_number(name: str) -> int:
    return _LEVELS.get(name, logging.DEBUG)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return _KEY_PATTERN.sub("sk-ant-<redacted>", text)


class RedactingFilter(logging.Filter):
    """Formats each record once and removes secrets from the result."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: tuple[str, ...] = ()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = redact(message, self.secrets)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


class ClientLogHandler(logging.Handler):
    """Sends records to the client as window/logMessage, from any thread."""

    def __init__(self, send: Callable[[int, str], None], loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._send = send
        self._loop = loop

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
            if self._loop.is_closed():
                return
            self._loop.call_soon_threadsafe(self._send, record.levelno, text)
        except Exception:
            self.handleError(record)


class ServerLogging:
    """Owns the handlers so the level, the file and the known secret can change at run time."""

    def __init__(self) -> None:
        self.redactor = RedactingFilter()
        self.file_handler: logging.Handler | None = None
        self.client_handler: ClientLogHandler | None = None
        self.stderr_handler = logging.StreamHandler()  # stderr: never the protocol stream
        self.stderr_handler.setLevel(logging.WARNING)
        self.stderr_handler.setFormatter(OneLineFormatter(_FORMAT))  # no tracebacks there
        self.stderr_handler.addFilter(self.redactor)
        root = logging.getLogger()
        root.setLevel(logging.INFO)
        root.addHandler(self.stderr_handler)
        # pygls logs every message body at debug level: keep it out unless asked for
        logging.getLogger("pygls").setLevel(logging.WARNING)

    def set_secret(self, secret: str | None) -> None:
        self.redactor.secrets = (secret,) if secret else ()

    def set_level(self, name: str) -> None:
        level = level_number(name)
        logging.getLogger(LOGGER_NAME).setLevel(level)
        logging.getLogger().setLevel(min(level, logging.INFO))
        if self.client_handler:
            self.client_handler.setLevel(level)
        if self.file_handler:
            self.file_handler.setLevel(level)

    def log_to_file(self, path: Path) -> None:
        """Start (or move) the rotating log file; 1 MB per file, 3 old files kept."""
        if self.file_handler is not None:
            if getattr(self.file_handler, "baseFilename", None) == str(path):
                return
            logging.getLogger().removeHandler(self.file_handler)
            self.file_handler.close()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = LogFileHandler(path, maxBytes=1 << 20, backupCount=3, encoding="utf-8")
        except OSError as exc:  # a read-only or vanished .delegate/: serve without the file
            logging.getLogger(LOGGER_NAME).warning("no log file: %s", storage_problem(exc, path))
            return
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.addFilter(self.redactor)
        handler.setLevel(logging.getLogger(LOGGER_NAME).getEffectiveLevel())
        logging.getLogger().addHandler(handler)
        self.file_handler = handler

    def log_to_client(self, send: Callable[[int, str], None]) -> None:
        """Forward ``delegate.*`` records to the client (not pygls' own, which would loop)."""
        handler = ClientLogHandler(send, asyncio.get_running_loop())
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        handler.addFilter(self.redactor)
        handler.setLevel(logging.getLogger(LOGGER_NAME).getEffectiveLevel())
        logging.getLogger(LOGGER_NAME).addHandler(handler)
        self.client_handler = handler

    def close(self) -> None:
        for handler in (self.client_handler, self.file_handler):
            if handler is not None:
                logging.getLogger(LOGGER_NAME).removeHandler(handler)
                logging.getLogger().removeHandler(handler)
                handler.close()
        self.client_handler = self.file_handler = None
