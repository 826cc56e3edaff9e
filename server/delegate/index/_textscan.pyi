"""Types of the C extension built from _textscan.c (see its header comment)."""

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt

_Buffer = npt.NDArray[np.int64] | npt.NDArray[np.float64] | bytes

class WordTable:
    def __init__(self, dropped: Iterable[str]) -> None: ...
    def __len__(self) -> int: ...
    def clear(self) -> None: ...
    def tokenize(
        self, texts: list[str], stem: Callable[[list[str]], Sequence[str]], /
    ) -> tuple[list[str], bytes, bytes, list[str]]: ...

def hashed_counts(
    tokens: _Buffer, offsets: _Buffer, signed: _Buffer, weights: _Buffer, dim: int, /
) -> bytes: ...
