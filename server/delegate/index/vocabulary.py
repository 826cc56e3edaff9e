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
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate, chain, pairwise

import numpy as np
import numpy.typing as npt

from delegate.index.tokens import fts_form, run_tokens, word_runs

IntArray = npt.NDArray[np.int64]


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

    def extend(self, values: list[int]) -> None:
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
    """Word -> id; a word seen for the first time is added by :meth:`Vocabulary._new_word`
    from inside the lookup, so the common case (a known word) stays one C-level
    ``dict`` lookup with no separate pass to find the new words."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        super().__init__()
        self._vocabulary = vocabulary

    def __missing__(self, word: bytes) -> int:
        return self._vocabulary._new_word(word)


class Vocabulary:
    """Words and tokens seen so far in this process, with ids; bounded in size.

    When it grows past ``max_words`` it starts afresh and bumps :attr:`generation`, so
    whoever keeps per-token data (the hashing embedder) knows to drop it.
    """

    def __init__(self, max_words: int = 300_000) -> None:
        self.max_words = max_words
        self.generation = 0
        self._reset()

    def _reset(self) -> None:
        self._word_ids = _WordIds(self)  # "words" are runs (see tokens.word_runs)
        # word id -> its tokens' full-text form plus a space ("" for a word without tokens),
        # so a text's terms are one "".join of these
        self._word_terms: list[str] = []
        self._word_start = GrowingInts()  # word id -> first position in _word_tokens
        self._word_len = GrowingInts()  # word id -> how many tokens
        self._word_tokens = GrowingInts()  # token ids, word after word
        self._token_ids: dict[str, int] = {}
        self.token_names: list[str] = []
        # new words' token data, moved into the arrays above after each tokenize call
        self._new_starts: list[int] = []
        self._new_lens: list[int] = []
        self._new_tokens: list[int] = []

    def _new_word(self, word: bytes) -> int:
        tokens = run_tokens(word)
        word_id = len(self._word_terms)
        self._word_ids[word] = word_id
        form = fts_form(tokens)
        self._word_terms.append(f"{form} " if form else "")
        self._new_starts.append(self._word_tokens.size + len(self._new_tokens))
        self._new_lens.append(len(tokens))
        token_ids, names = self._token_ids, self.token_names
        for token in tokens:
            token_id = token_ids.get(token)
            if token_id is None:
                token_id = token_ids[token] = len(names)
                names.append(token)
            self._new_tokens.append(token_id)
        return word_id

    def _store_new_words(self) -> None:
        if self._new_starts:
            self._word_start.extend(self._new_starts)
            self._word_len.extend(self._new_lens)
            self._word_tokens.extend(self._new_tokens)
            self._new_starts, self._new_lens, self._new_tokens = [], [], []

    def tokenize(self, texts: list[str]) -> TokenizedTexts:
        if len(self._word_ids) > self.max_words:
            self._reset()
            self.generation += 1
        per_text = [word_runs(text) for text in texts]
        words = list(chain.from_iterable(per_text))
        id_list = list(map(self._word_ids.__getitem__, words))
        self._store_new_words()
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
