"""The workspace index.  Importing the package defers the ``__init__`` of LanceDB's unused
REST client (:mod:`delegate.index.lazy_imports`) before any module here imports lancedb."""

from delegate.index.lazy_imports import defer_rest_client_init

defer_rest_client_init()
