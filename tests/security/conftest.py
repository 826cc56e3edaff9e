"""The security tests reuse the language-server fixture of the LSP end-to-end tests."""

from tests.lsp.conftest import start_server

__all__ = ["start_server"]
