"""LanceDB's REST client is registered without its ``__init__`` and loads on first use."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run_fresh(code: str) -> str:
    """``code`` in a new interpreter (this one has imported everything long ago)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_opening_an_index_never_runs_the_rest_clients_init(tmp_path: object) -> None:
    out = run_fresh(
        f"""
        import sys
        from delegate.index.store import IndexStore
        from delegate.index.lazy_imports import is_deferred
        store, _ = IndexStore.open({str(tmp_path)!r} + "/db", embedder_id="h", dim=8)
        print(store.count_chunks(), is_deferred(sys.modules["lance_namespace_urllib3_client"]))
        print(any(m.startswith("lance_namespace_urllib3_client.api.") for m in sys.modules))
        """
    )
    assert out.split() == ["0", "True", "False"]


def test_the_first_attribute_asked_runs_the_real_init() -> None:
    out = run_fresh(
        """
        import sys
        import delegate.index.store
        import lance_namespace_urllib3_client as client
        from delegate.index.lazy_imports import defer_rest_client_init, is_deferred
        print(client.ApiClient.__name__, is_deferred(client), "BranchApi" in dir(client))
        print(defer_rest_client_init())  # already imported: nothing changes
        """
    )
    assert out.split() == ["ApiClient", "False", "True", "False"]


def test_a_missing_package_is_left_alone() -> None:
    from delegate.index.lazy_imports import defer_rest_client_init

    assert defer_rest_client_init("no_such_package_for_delegate") is False
    assert "no_such_package_for_delegate" not in sys.modules
