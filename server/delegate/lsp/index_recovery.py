"""An index deleted or damaged under a running server is rebuilt, not left failing.

LanceDB reads its data files lazily: once someone removes ``.delegate/index`` (or a disk
error tears a file) every search and update of the open handle fails with "Not found"
until the server restarts. When a folder's update fails and its index is the local one
under ``.delegate/``, the index is closed, the damaged directory is moved aside and
removed, and the index is opened afresh and built from scratch — with one log line that
says why. A remote ``index.uri`` is never touched.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from delegate.settings import IndexSettings
from delegate.state_dir import STATE_DIR

log = logging.getLogger(__name__)


def discard_local_index(folder: Path, settings: IndexSettings, why: BaseException) -> bool:
    """Remove the folder's local index directory; False when the index is not local."""
    if settings.uri:
        return False
    index_dir = folder / STATE_DIR / "index"
    log.warning(
        "the index of %s is damaged or gone (%s): rebuilding it from scratch",
        folder,
        str(why).splitlines()[0][:200] if str(why) else type(why).__name__,
    )
    if index_dir.exists():
        aside = index_dir.with_name(f"index.broken-{time.time_ns()}")
        try:
            index_dir.rename(aside)
        except OSError:
            aside = index_dir
        shutil.rmtree(aside, ignore_errors=True)
    return True
