"""Ship: an accepted proposal becomes a branch, a commit and, behind a gate, a pull request.

Pure git logic through subprocesses; no LSP. ``flow.py`` is the order of things (prepare,
commit, gate, deliver); ``content.py`` what the commit holds; ``commit.py`` how it is made
away from the user's files; ``remote.py`` the push and the forge; ``message.py`` and
``report.py`` the words. See docs/security.md ("Shipping: the gates") for why the gates are
where they are.
"""

from delegate.ship.errors import ShipRefused

__all__ = ["ShipRefused"]
