"""Keep ``import lancedb`` from loading a REST client the index never uses.

``lancedb`` imports ``lance_namespace``, which imports request models from the generated
REST client ``lance_namespace_urllib3_client``, whose package ``__init__`` then imports
every one of its API modules (metadata, data, table, index, …): a third of the time of
``import lancedb`` (bench/RESULTS.md, "CLI search"), for a client that only a remote
namespace would use.  :func:`defer_rest_client_init` registers the package without
running its ``__init__``: its submodules (the models ``lance_namespace`` needs) import
as usual through its ``__path__``, and the first attribute anyone asks of the package
itself runs the real ``__init__`` then, so nothing is lost, only deferred.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

REST_CLIENT = "lance_namespace_urllib3_client"


def defer_rest_client_init(name: str = REST_CLIENT) -> bool:
    """Register ``name`` with its ``__init__`` deferred; False when it is already imported
    or not installed (then nothing changes)."""
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return False
    module = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def load_on_first_use(attribute: str) -> Any:
        del module.__dict__["__getattr__"]
        loader.exec_module(module)
        return getattr(module, attribute)

    module.__dict__["__getattr__"] = load_on_first_use
    sys.modules[name] = module
    return True


def is_deferred(module: ModuleType) -> bool:
    """True while ``module``'s ``__init__`` has not run (for tests)."""
    return "__getattr__" in module.__dict__
