"""Tokenise many texts at once into full-text terms and integer token ids.

Indexing tokenises every chunk of a workspace (the CPython stdlib: 50k chunks, millions
of words), so the per-word cost decides the speed.  Words repeat endlessly in code, so
each distinct word is split into tokens once (:func:`delegate.index.tokens.word_tokens`)
and remembered with an id, its tokens' ids and its tokens already joined by spaces.
After that a text costs a ``bytes.translate`` and ``split`` and a few C-level passes (``map`` over
dicts, ``str.join``, ``numpy``) — no Python code runs per word.

The result is exactly :func:`delegate.index.tokens.code_token_list` of each text: the
``terms`` strings are those tokens in the full-text index's stemmed form
(:func:`delegate.index.tokens.fts_form`), and the token ids (with per-text offsets) are
what the hashing embedder counts.

When the C extension ``delegate.index._textscan`` is built (``make`` and the wheel build
do it), all of that runs there — cutting texts into words, splitting new words into
tokens, joining terms and token ids — and only the stemming of new tokens comes back to
Python.  Both paths give the same ids, terms and offsets (tests/index/test_textscan.py);
:data:`NATIVE` tells which one this process uses.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from itertools import accumulate, chain, count, filterfalse, pairwise, repeat

import numpy as np
import numpy.typing as npt

from delegate.index.tokens import DROPPED, fts_terms, run_tokens, word_runs

try:
    from delegate.index import _textscan
except ImportError:  # not built here (no C compiler): the pure-Python path below
    _textscan = None  # type: ignore[assignment]
    logging.getLogger(__name__).info(
        "the C extension delegate.index._textscan is not built: tokenising in pure Python "
        "(same index, slower; scripts/build_native.py builds it)"
    )

IntArray = npt.NDArray[np.int64]
NATIVE = _textscan is not None


@dataclass(frozen=True)
class TokenizedTexts:
    """Token ids of several texts, end to end: text ``i`` owns
    ``tokens[offsets[i]:offsets[i + 1]]``; ids index :attr:`Vocabulary.token_names`."""

    terms: list[str]  # per text: its tokens' full-text form (the ``terms`` column)
    tokens: IntArray
    offsets: IntArray
    generation: int  # the vocabulary generation the ids belong to


class GrowingInts:
    """An int64 array that grows by doubling (appending one by one is the common case)."""

    def __init__(self) -> None:
        self.data: IntArray = np.zeros(1024, dtype=np.int64)
        self.size = 0

    def extend(self, values: list[int] | IntArray) -> None:
        end = self.size + len(values)
        if end > len(self.data):
            grown = np.zeros(max(end, 2 * len(self.data)), dtype=np.int64)
            grown[: self.size] = self.data[: self.size]
            self.data = grown
        self.data[self.size : end] = values
        self.size = end

    @property
    def values(self) -> IntArray:
        return self.data[: self.size]


class _WordIds(dict[bytes, int]):
    """Word -> id; a word seen for the first time gets the next id from inside the lookup
    and waits in :attr:`new` to be tokenised, so the common case (a known word) stays one
    C-level ``dict`` lookup with no separate pass to find the new words."""

    def __init__(self) -> None:
        super().__init__()
        self.new: list[bytes] = []

    def __missing__(self, word: bytes) -> int:
        word_id = self[word] = len(self)
        self.new.append(word)
        return word_id


class Vocabulary:
    """Words and tokens seen so far in this process, with ids; bounded in size.

    When it grows past ``max_words`` it starts afresh and bumps :attr:`generation`, so
    whoever keeps per-token data (the hashing embedder) knows to drop it.
    """

    def __init__(self, max_words: int = 300_000, *, native: bool = NATIVE) -> None:
        if native and _textscan is None:
            raise RuntimeError("the C extension delegate.index._textscan is not built")
        self.max_words = max_words
        self.generation = 0
        # Searches embed queries on several threads while an update may tokenise on
        # another: calls are serialised (the C table must never see two at once).
        self._lock = threading.Lock()
        self._table = _textscan.WordTable(DROPPED) if native and _textscan is not None else None
        self._reset()

    @property
    def native(self) -> bool:
        """Whether the C extension does the per-word work."""
        return self._table is not None

    def _reset(self) -> None:
        if self._table is not None:
            self._table.clear()
        self._word_ids = _WordIds()  # "words" are runs (see tokens.word_runs)
        # word id -> its tokens' full-text form plus a space ("" for a word without tokens),
        # so a text's terms are one "".join of these
        self._word_terms: list[str] = []
        self._word_start = GrowingInts()  # word id -> first position in _word_tokens
        self._word_len = GrowingInts()  # word id -> how many tokens
        self._word_tokens = GrowingInts()  # token ids, word after word
        self._token_ids: dict[str, int] = {}
        self.token_names: list[str] = []
        self._token_terms: dict[str, str] = {}  # token -> its full-text form plus a space

    def _add_new_words(self) -> None:
        """Tokenises the words met for the first time by the last lookups, all at once.

        Apart from :func:`run_tokens` per word, this is passes in C (``map``,
        ``dict.fromkeys``, ``str.join``) over all their tokens, and :func:`fts_terms`
        stems all the new tokens in one go: a Python loop over the tokens, looking each
        one up and stemming the new ones one by one, cost more than splitting the words.
        """
        words = self._word_ids.new
        if not words:
            return
        self._word_ids.new = []
        per_word = list(map(run_tokens, words))
        tokens = list(chain.from_iterable(per_word))
        token_ids = self._token_ids
        # new tokens in first-seen order, numbered on from the known ones
        new_tokens = list(filterfalse(token_ids.__contains__, dict.fromkeys(tokens)))
        if new_tokens:
            token_ids.update(zip(new_tokens, count(len(self.token_names))))
            self.token_names.extend(new_tokens)
            self._token_terms.update(zip(new_tokens, fts_terms(new_tokens), strict=True))
        # each word's terms: "".join over map(term of, its tokens), without a Python loop
        term_of = self._token_terms.__getitem__
        self._word_terms.extend(map("".join, map(map, repeat(term_of), per_word)))
        lens = list(map(len, per_word))
        self._word_start.extend(list(accumulate(lens[:-1], initial=self._word_tokens.size)))
        self._word_len.extend(lens)
        ids = np.fromiter(map(token_ids.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        self._word_tokens.extend(ids)

    def __len__(self) -> int:
        """How many distinct words the vocabulary holds."""
        return len(self._table) if self._table is not None else len(self._word_ids)

    def tokenize(self, texts: list[str]) -> TokenizedTexts:
        with self._lock:
            return self._tokenize(texts)

    def _tokenize(self, texts: list[str]) -> TokenizedTexts:
        if len(self) > self.max_words:
            self._reset()
            self.generation += 1
        if self._table is not None:
            return self._tokenize_native(self._table, texts)
        per_text = [word_runs(text) for text in texts]
        words = list(chain.from_iterable(per_text))
        id_list = list(map(self._word_ids.__getitem__, words))
        self._add_new_words()
        word_offsets = [0, *accumulate(map(len, per_text))]
        term_of = self._word_terms.__getitem__
        terms = [
            "".join(map(term_of, id_list[start:end]))[:-1]  # drops the last term's space
            for start, end in pairwise(word_offsets)
        ]
        ids = np.array(id_list, dtype=np.int64)
        count = len(words)
        lens = self._word_len.values[ids]
        starts = self._word_start.values[ids]
        ends = np.cumsum(lens)
        # position k of the output is token (k - ends_before_its_word) of its word
        positions = np.arange(int(ends[-1]) if count else 0, dtype=np.int64)
        positions += np.repeat(starts - (ends - lens), lens)
        tokens = self._word_tokens.values[positions]
        token_ends = np.concatenate(([0], ends))
        offsets: IntArray = token_ends[word_offsets]
        return TokenizedTexts(terms, tokens, offsets, self.generation)

    def _tokenize_native(self, table: _textscan.WordTable, texts: list[str]) -> TokenizedTexts:
        terms, token_ids, text_starts, new_tokens = table.tokenize(texts, fts_terms)
        self.token_names.extend(new_tokens)
        return TokenizedTexts(
            terms,
            np.frombuffer(token_ids, dtype=np.int64),
            np.frombuffer(text_starts, dtype=np.int64),
            self.generation,
        )
