"""``exit`` that ends the server cleanly over TCP as well as over stdio.

pygls answers ``exit`` with ``sys.exit()`` from inside the message handler. Over stdio
its ``start_io`` catches that; over TCP the handler runs in asyncio's connection callback,
which logs the ``SystemExit`` as an unhandled exception with a traceback. Over TCP we
close the connection and stop the server instead, so ``start_tcp`` returns normally; the
process's exit code (0 after ``shutdown``, 1 without, as LSP asks) comes from
:func:`exit_code`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from delegate.lsp.client_gone import GuardedWriter


class DelegateProtocol(LanguageServerProtocol):
    """pygls' protocol with an ``exit`` that does not raise inside asyncio over TCP, and a
    stdio writer that takes the client closing the pipe as the end it is (``client_gone``)."""

    def set_writer(self, writer: Any, include_headers: bool = True) -> None:
        if isinstance(writer, StdoutWriter):
            writer = GuardedWriter(writer)
        super().set_writer(writer, include_headers)

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Generator[Any, Any, None]:
        if not isinstance(self.writer, asyncio.StreamWriter):  # stdio: pygls' own exit
            yield from super().lsp_exit(*args)
            return
        if (user_handler := self.fm.features.get(types.EXIT)) is not None:
            yield user_handler, args, None
        self.writer.close()
        self._server.shutdown()  # type: ignore[no-untyped-call]  # stop event + listener

    @property
    def shut_down(self) -> bool:
        """Whether the client sent ``shutdown`` before ending the session."""
        return bool(self._shutdown)


def exit_code(protocol: LanguageServerProtocol) -> int:
    return 0 if isinstance(protocol, DelegateProtocol) and protocol.shut_down else 1
