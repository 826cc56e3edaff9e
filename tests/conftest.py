"""Shared test set-up: keep LanceDB quiet and keep every test away from real credentials."""

from __future__ import annotations

import os

os.environ.setdefault("LANCEDB_LOG", "error")
# No test may reach Anthropic or leak a developer's key into output.
for _name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "VOYAGE_API_KEY"):
    os.environ.pop(_name, None)
