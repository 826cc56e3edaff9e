"""`delegate serve` — run the language server on stdio (default) or TCP.

stdout is the protocol channel: the real stdout is handed to pygls and ``sys.stdout`` is
pointed at stderr, so a stray ``print`` in any library cannot corrupt the stream. Over
stdio the frames are read by ``lsp/stdio_server.py`` (resynchronising after framing
errors, ending when the client is gone).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HELP = "run the language server (stdio by default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdio", action="store_true", help="talk LSP on stdin/stdout (default)")
    parser.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP address instead")
    parser.add_argument(
        "--log-file",
        type=Path,
        help="rotating log file (default: .delegate/logs/server.log in the first folder)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log at debug level")


def parse_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host or "127.0.0.1", int(port)


def run(args: argparse.Namespace) -> int:
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr

    from delegate.lsp.exit import exit_code
    from delegate.lsp.logs import ServerLogging
    from delegate.lsp.server import create_server
    from delegate.lsp.stdio_server import serve_stdio

    logging_ = ServerLogging()
    if args.verbose:
        logging_.set_level("debug")
    server = create_server(logging_)
    if args.log_file is not None:
        server.session.log_file = args.log_file.resolve()
        logging_.log_to_file(server.session.log_file)
    try:
        if args.tcp:
            host, port = parse_address(args.tcp)
            server.start_tcp(host, port)
        else:
            serve_stdio(server, sys.stdin.buffer, protocol_out, exit_now)
    finally:
        logging_.close()
    return exit_code(server.protocol)


def exit_now(code: int) -> None:
    """End the process at once, after the log's last lines: once the client is gone
    nothing may keep it alive, not even a worker thread still busy."""
    import logging

    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)
