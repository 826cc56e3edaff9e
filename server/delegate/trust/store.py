"""Where the user's trust decisions live: the user's state directory, never the folder.

``$XDG_STATE_HOME/delegate/trust.json`` (default ``~/.local/state/delegate/trust.json``):
folder path → the digest of the gated values the user answered about and the answer. A
file inside the folder could be committed by the repository itself, so it is not used.
``DELEGATE_TRUSTED_FOLDERS`` (paths separated by ``os.pathsep``) trusts every folder under
them — the user's environment, for CI and scripted use; a repository cannot set it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from delegate.state_dir import atomic_write_text

TRUST_ENV = "DELEGATE_TRUSTED_FOLDERS"


def state_home() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "delegate"


def trusted_by_environment(folder: Path) -> bool:
    """True when ``folder`` lies under a path listed in ``DELEGATE_TRUSTED_FOLDERS``."""
    resolved = folder.resolve()
    for entry in os.environ.get(TRUST_ENV, "").split(os.pathsep):
        if entry and resolved.is_relative_to(Path(entry).resolve()):
            return True
    return False


class TrustStore:
    """The remembered answers; every read goes to the file, so several servers agree."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or state_home() / "trust.json"

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def decision(self, folder: Path, digest: str) -> bool | None:
        """The user's answer for ``folder`` with these gated values; None when never asked."""
        entry = self._load().get(str(folder.resolve()))
        if not isinstance(entry, dict) or entry.get("digest") != digest:
            return None
        return bool(entry.get("trusted"))

    def remember(self, folder: Path, digest: str, trusted: bool) -> None:
        data = self._load()
        data[str(folder.resolve())] = {"digest": digest, "trusted": trusted}
        atomic_write_text(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
