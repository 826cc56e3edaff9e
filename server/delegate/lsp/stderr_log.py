"""What the server writes to stderr: one line per record, never a raw traceback.

stderr is what an editor shows when the server misbehaves, and what a user reads in a
terminal. A traceback there says nothing a user can act on; the record's message plus the
exception's type and text (``… OSError: [Errno 30] Read-only file system: '/p/.delegate'``)
does. The full traceback still goes to the log file and, at debug level, to the client.
A log file that cannot be written (a full or read-only disk) says so once and stops.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys


class OneLineFormatter(logging.Formatter):
    """Formats a record as usual, with its exception as ``: Type: text`` on the same line."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        exc = record.exc_info[1] if record.exc_info else None
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            line = super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        if exc is not None:
            line += f": {type(exc).__name__}: {exc}"
        return line.replace("\n", " ⏎ ")


class LogFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file, which stops (with one line on stderr) when it cannot be
    written — a full or read-only disk — instead of printing a traceback per record."""

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        if self._failed:
            return
        self._failed = True
        sys.stderr.write(f"delegate: cannot write the log file {self.baseFilename}: {exc}\n")

    _failed = False
