"""Shared test set-up: keep LanceDB quiet and keep every test away from real credentials."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("LANCEDB_LOG", "error")
# No test may reach Anthropic or leak a developer's key into output.
for _name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "VOYAGE_API_KEY"):
    os.environ.pop(_name, None)
# Fixture folders live under the temp dir and carry their own tests.command / api.base_url
# (the fast test command, the fake API): trusted, as a user would trust them. The trust
# tests (tests/security) remove this and use their own state directory.
os.environ.setdefault("DELEGATE_TRUSTED_FOLDERS", tempfile.gettempdir())
