"""Records of many files kept as parallel lists, one list per field.

Worker results cross a process boundary and go into Arrow tables column by column, so the
index keeps them as columns (see :mod:`~delegate.index.chunk_columns` and
:mod:`~delegate.index.symbol_columns`); this is what those dataclasses share.
"""

from __future__ import annotations

from typing import Any, Self


class Columns:
    """Mixin for a dataclass whose fields are equally long lists."""

    def extend(self, other: Self) -> None:
        for column, values in other.__dict__.items():
            getattr(self, column).extend(values)

    def __len__(self) -> int:
        first: list[Any] = next(iter(self.__dict__.values()))
        return len(first)
