"""The fast paths of the tokenizer give exactly what the plain regex rules give (hypothesis).

``tokens.run_tokens`` skips the sub-word regex for common identifier shapes,
``tokens.fts_terms`` stems many tokens at once, and ``tokens.fts_form`` and ``Vocabulary``
cache and share work.  The rules they must keep are written out here once, in the
simplest form, and compared with them on random identifiers made of lower, upper and
capitalised words, stop words, single letters, digits and underscores in every position.
"""

from __future__ import annotations

import re
import string

import pytest
import Stemmer
from hypothesis import given, settings
from hypothesis import strategies as st

from delegate.index.tokens import (
    STOP_WORDS,
    code_token_list,
    fts_form,
    fts_terms,
    fts_token,
    run_tokens,
    word_runs,
    word_tokens,
)
from delegate.index.vocabulary import NATIVE, Vocabulary

# The pure-Python vocabulary and, where it is built, the C extension's (test_textscan.py
# says why it would be missing).
IMPLEMENTATIONS = [pytest.param(False, id="python")] + (
    [pytest.param(True, id="native")] if NATIVE else []
)

# --- the rules, plainly -------------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
_SUBWORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_STEMMER = Stemmer.Stemmer("english")


def rule_word_tokens(word: str) -> tuple[str, ...]:
    parts = [part.lower() for part in _SUBWORD.findall(word)]
    tokens = [part for part in parts if len(part) > 1 and part not in STOP_WORDS]
    if len(parts) > 1:
        tokens.append(word.lower().strip("_"))
    return tuple(tokens)


def rule_run_tokens(run: str) -> tuple[str, ...]:
    return tuple(t for word in _IDENTIFIER.findall(run) for t in rule_word_tokens(word))


def rule_fts_token(token: str) -> str:
    return " ".join(_STEMMER.stemWords([part for part in token.split("_") if part]))


def rule_fts_form(tokens: list[str]) -> str:
    return " ".join(form for form in map(rule_fts_token, tokens) if form)


# --- random identifiers -------------------------------------------------------------------

WORDS = st.one_of(
    st.sampled_from(["parse", "args", "the", "self", "in", "x", "io", "http", "running"]),
    st.text(string.ascii_lowercase, min_size=1, max_size=6),
)
CASE = st.sampled_from(
    [str.lower, str.upper, str.title, str.lower, lambda w: w[:-1] + w[-1:].upper()]
)
JOINER = st.sampled_from(["_", "_", "", "__", "2", "_0_"])
EDGE = st.sampled_from(["", "", "_", "__", "9", "42"])


@st.composite
def shaped_runs(draw: st.DrawFn) -> str:
    """Words in some case joined by underscores or digits, maybe with edges around them."""
    words = [draw(CASE)(w) for w in draw(st.lists(WORDS, min_size=1, max_size=4))]
    run = words[0]
    for word in words[1:]:
        run += draw(JOINER) + word
    run = draw(EDGE) + run + draw(EDGE)
    return run or "_"


RUNS = st.one_of(
    shaped_runs(),
    st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=16),
    st.text("aAbZz09_", min_size=1, max_size=8),
)


@settings(max_examples=3000)
@given(RUNS)
def test_run_tokens_follow_the_rules(run: str) -> None:
    assert run_tokens(run.encode()) == rule_run_tokens(run)


@settings(max_examples=1000)
@given(st.one_of(shaped_runs(), st.text(string.ascii_letters + "_", min_size=1, max_size=16)))
def test_word_tokens_follow_the_rules(word: str) -> None:
    if word[0].isdigit():  # word_tokens takes an identifier; a digit starts a new one
        word = "_" + word
    assert word_tokens(word) == rule_word_tokens(word)


@settings(max_examples=1000)
@given(st.lists(RUNS, max_size=6))
def test_full_text_forms_follow_the_rules(runs: list[str]) -> None:
    tokens = [t for run in runs for t in rule_run_tokens(run)] + runs
    assert [fts_token(t) for t in tokens] == [rule_fts_token(t) for t in tokens]
    assert fts_form(tokens) == rule_fts_form(tokens)


@settings(max_examples=1000)
@given(
    st.lists(RUNS, max_size=8),
    st.lists(st.text(" \n_ab", max_size=5), max_size=2),  # not tokens of code: one by one
)
def test_full_text_terms_of_many_tokens_follow_the_rules(runs: list[str], odd: list[str]) -> None:
    tokens = [t for run in runs for t in rule_run_tokens(run)] + runs
    for some in (tokens, tokens + odd):
        expected = [f"{form} " if (form := rule_fts_token(t)) else "" for t in some]
        assert fts_terms(some) == expected


SEPARATORS = st.sampled_from([" ", ".", "(", ", ", "\n", "é", "-"])


@st.composite
def texts(draw: st.DrawFn) -> str:
    runs = draw(st.lists(st.one_of(RUNS, st.sampled_from(["parse_args", "the", "Parse"]))))
    return "".join(run + draw(SEPARATORS) for run in runs)


@pytest.mark.parametrize("native", IMPLEMENTATIONS)
@settings(max_examples=300)
@given(st.lists(st.lists(texts(), max_size=4), max_size=4), st.integers(1, 40))
def test_vocabulary_follows_the_rules(
    native: bool, batches: list[list[str]], max_words: int
) -> None:
    """Ids and terms of every text as the rules say, in batches that meet words already
    seen and, with a small ``max_words``, across fresh starts of the vocabulary."""
    vocabulary = Vocabulary(max_words=max_words, native=native)
    for batch_texts in [*batches, *batches]:
        batch = vocabulary.tokenize(batch_texts)
        assert batch.generation == vocabulary.generation
        assert len(batch.terms) == len(batch_texts) == len(batch.offsets) - 1
        for i, text in enumerate(batch_texts):
            expected = [t for run in word_runs(text) for t in rule_run_tokens(run.decode())]
            assert code_token_list(text) == expected
            ids = batch.tokens[batch.offsets[i] : batch.offsets[i + 1]]
            assert [vocabulary.token_names[t] for t in ids] == expected
            assert batch.terms[i] == rule_fts_form(expected)


@pytest.mark.parametrize("native", IMPLEMENTATIONS)
def test_token_ids_are_numbered_in_first_seen_order(native: bool) -> None:
    vocabulary = Vocabulary(native=native)
    vocabulary.tokenize(["parseArgs the_argv", "argv HTTPResponse"])
    first = ["parse", "args", "parseargs", "argv", "the_argv"]  # "the" is a stop word
    assert vocabulary.token_names == [*first, "http", "response", "httpresponse"]
