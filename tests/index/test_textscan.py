"""The C extension (``delegate.index._textscan``) gives what the pure-Python path gives.

The extension is an optimisation only: the same token ids, full-text terms, offsets and
vectors, bit for bit, on real source files (every language fixture), on texts that stress
the C side (non-ASCII, lone surrogates, long words, more words than the table's first
size), across calls that meet known words, and after a failed call.  test_tokens.py holds
both paths to the plainly written rules with random texts.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from delegate.index import vocabulary as vocabulary_module
from delegate.index.embedders import HashingEmbedder
from delegate.index.tokens import DROPPED, code_token_list, fts_form, fts_terms
from delegate.index.vocabulary import Vocabulary

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "languages"

if not vocabulary_module.NATIVE:
    if os.environ.get("DELEGATE_NO_NATIVE"):
        pytest.skip(
            "DELEGATE_NO_NATIVE is set: the C extension is not built, the index runs in "
            "pure Python (tests/index/test_tokens.py covers that path)",
            allow_module_level=True,
        )
    pytest.fail(
        "the C extension delegate.index._textscan is not built: run "
        "`.venv/bin/python scripts/build_native.py` (it says why when it cannot build), or "
        "set DELEGATE_NO_NATIVE=1 to test the pure-Python path alone",
        pytrace=False,
    )

from delegate.index import _textscan  # noqa: E402  (built: checked above)


def fixture_texts() -> list[str]:
    texts = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="surrogateescape"))
    return texts


STRESS = [
    "",
    "   ",
    "é ü 中文 naïve_name café",  # non-ASCII only separates
    "bad \udc80 surrogate \ud800 parse_args",  # lone surrogates, as surrogatepass encodes
    "x" * 5000 + " " + "AbcDef" * 300,  # long words: the hash's 8-byte steps and tail
    " ".join(f"name_{i} camelCase{i} HTTP{i}Server" for i in range(5000)),  # table growth
    "__init__ _ __ a_1 2abc_3d _12_ab x2 utf8 ABCdef HTTPResponse parseHTTPResponse_v2",
    "the self return None def class 1 2 34 a b",  # stop words and single characters
]


def batches(texts: list[str], size: int) -> list[list[str]]:
    return [texts[i : i + size] for i in range(0, len(texts), size)]


def tokenize_all(vocabulary: Vocabulary, texts: list[str]) -> list[tuple[str, list[str]]]:
    """Each text's terms and token names, tokenised in batches of 7 (then all again)."""
    out = []
    for batch in batches(texts, 7) + batches(texts, 7):
        result = vocabulary.tokenize(batch)
        assert len(result.offsets) == len(batch) + 1
        for i in range(len(batch)):
            ids = result.tokens[result.offsets[i] : result.offsets[i + 1]]
            out.append((result.terms[i], [vocabulary.token_names[t] for t in ids]))
    return out


@pytest.mark.parametrize("texts", [fixture_texts(), STRESS], ids=["fixtures", "stress"])
def test_native_vocabulary_matches_python(texts: list[str]) -> None:
    native = tokenize_all(Vocabulary(native=True), texts)
    python = tokenize_all(Vocabulary(native=False), texts)
    assert native == python
    # and both are what the reference functions say
    for (terms, names), text in zip(native, texts + texts, strict=True):
        assert names == code_token_list(text)
        assert terms == fts_form(names)


def test_native_ids_match_python_ids_across_fresh_starts() -> None:
    texts = fixture_texts() + STRESS
    native, python = Vocabulary(max_words=300, native=True), Vocabulary(max_words=300, native=False)
    for batch in batches(texts, 5):
        a, b = native.tokenize(batch), python.tokenize(batch)
        assert a.generation == b.generation
        assert a.terms == b.terms
        assert np.array_equal(a.tokens, b.tokens)
        assert np.array_equal(a.offsets, b.offsets)
        assert native.token_names == python.token_names
    assert native.generation > 0  # 300 words were passed, so it started afresh


@pytest.mark.parametrize("texts", [fixture_texts(), STRESS], ids=["fixtures", "stress"])
def test_native_hashing_vectors_are_bit_identical(texts: list[str]) -> None:
    native, python = HashingEmbedder(256, native=True), HashingEmbedder(256, native=False)
    for batch in batches(texts, 6):
        a, b = native.embed(batch), python.embed(batch)
        assert a.dtype == b.dtype == np.float32
        assert a.tobytes() == b.tobytes()


def test_a_failing_stem_leaves_the_table_as_it_was() -> None:
    table = _textscan.WordTable(DROPPED)
    terms, _, _, names = table.tokenize(["parse_args here"], fts_terms)
    assert terms == ["pars arg pars arg here"]
    assert names == ["parse", "args", "parse_args", "here"]
    known = len(table)

    def broken(tokens: list[str]) -> list[str]:
        raise RuntimeError("stemmer broke")

    with pytest.raises(RuntimeError, match="stemmer broke"):
        table.tokenize(["parse_args brand_fresh words"], broken)
    assert len(table) == known
    with pytest.raises(ValueError, match="returned 1 terms for 3 tokens"):
        table.tokenize(["fresh_word"], lambda tokens: ["x "])
    with pytest.raises(TypeError):
        table.tokenize(["parse_args", b"not str"], fts_terms)  # type: ignore[list-item]
    assert len(table) == known
    # the words it forgot come back as new, with ids that follow on from the known ones
    terms, tokens, _, names = table.tokenize(["brand_fresh parse_args"], fts_terms)
    assert names == ["brand", "fresh", "brand_fresh"]
    assert np.frombuffer(tokens, dtype=np.int64).tolist() == [4, 5, 6, 0, 1, 2]
    assert terms == ["brand fresh brand fresh pars arg pars arg"]


def test_hashed_counts_refuses_inconsistent_input() -> None:
    tokens = np.array([0, 1, 1], dtype=np.int64)
    offsets = np.array([0, 3], dtype=np.int64)
    signed = np.array([3, -2], dtype=np.int64)
    weights = 1.0 + np.log(np.arange(1, 8, dtype=np.float64))
    weights = np.concatenate(([0.0], weights))
    row = np.frombuffer(_textscan.hashed_counts(tokens, offsets, signed, weights, 4), np.float32)
    assert row.tolist() == [0.0, np.float32(-(1 + np.log(2))), 1.0, 0.0]
    with pytest.raises(ValueError, match="no signed bucket"):
        _textscan.hashed_counts(
            np.array([2], np.int64), np.array([0, 1], np.int64), signed, weights, 4
        )
    with pytest.raises(ValueError, match="must rise"):
        _textscan.hashed_counts(tokens, np.array([0, 4], np.int64), signed, weights, 4)
    with pytest.raises(ValueError, match="weights has 2 entries"):
        _textscan.hashed_counts(tokens, offsets, signed, weights[:2], 4)
    with pytest.raises(ValueError, match=r"\(1..dim\)"):
        _textscan.hashed_counts(tokens, offsets, np.array([5, 1], np.int64), weights, 4)
    with pytest.raises(ValueError, match="whole number"):
        _textscan.hashed_counts(tokens, offsets, signed, b"1234", 4)


def test_an_overlapping_call_is_refused_not_corrupting() -> None:
    """stem() runs Python code, so another thread could enter the same table mid-call:
    that call is refused and the table stays whole."""
    table = _textscan.WordTable(DROPPED)
    table.tokenize(["known words"], fts_terms)
    known = len(table)

    def reentering(tokens: list[str]) -> list[str]:
        table.tokenize(["other words"], fts_terms)
        return fts_terms(tokens)

    def clearing(tokens: list[str]) -> list[str]:
        table.clear()
        return fts_terms(tokens)

    for stem in (reentering, clearing):
        with pytest.raises(RuntimeError, match="in use by another tokenize"):
            table.tokenize(["brand_fresh words"], stem)
        assert len(table) == known
    terms, _, _, names = table.tokenize(["brand_fresh known"], fts_terms)
    assert names == ["brand", "fresh", "brand_fresh"]
    assert terms == ["brand fresh brand fresh known"]


def test_threads_embedding_at_once_get_what_one_thread_gets() -> None:
    """Searches embed queries on several threads at once (and an update may tokenise on
    another): every result is what a fresh embedder gives for the same text."""
    import sys
    import threading

    shared = HashingEmbedder(128)
    texts = [[f"query_{t}_{i} camelCase{t}x{i} words{i % 7}" for i in range(40)] for t in range(8)]
    results: dict[int, list[np.ndarray]] = {}
    errors: list[BaseException] = []

    def run(t: int) -> None:
        try:
            results[t] = [shared.embed([text])[0] for text in texts[t]]
        except BaseException as exc:  # reported below
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=run, args=(t,)) for t in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    for t in range(8):
        expected = HashingEmbedder(128).embed(texts[t])
        assert np.stack(results[t]).tobytes() == expected.tobytes()
