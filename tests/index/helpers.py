"""Hand-built index data for tests that must not depend on the parser."""

from __future__ import annotations

import hashlib
from pathlib import Path

from delegate.index.chunk_columns import ChunkColumns
from delegate.index.embedders import HashingEmbedder, embedding_text
from delegate.index.model import Chunk
from delegate.index.store import IndexStore
from delegate.index.tokens import chunk_terms
from delegate.index.workspace import file_document


def make_chunk(
    path: str,
    symbol: str,
    text: str,
    *,
    kind: str = "function",
    language: str = "python",
    start_line: int = 1,
) -> Chunk:
    digest = hashlib.sha1(text.encode()).hexdigest()
    return Chunk(
        id=f"{path}:{symbol}:{digest[:12]}",
        path=path,
        language=language,
        kind=kind,  # type: ignore[arg-type]
        symbol=symbol,
        start_line=start_line,
        end_line=start_line + text.count("\n"),
        text=text,
        hash=digest,
    )


def add_chunks(store: IndexStore, chunks: list[Chunk]) -> None:
    embedder = HashingEmbedder()
    store.add_chunks(
        ChunkColumns.of(chunks),
        [chunk_terms(c) for c in chunks],
        embedder.embed([embedding_text(c) for c in chunks]),
    )
    by_file: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_file.setdefault(chunk.path, []).append(chunk)
    store.add_file_docs(
        list(by_file),
        [group[0].language for group in by_file.values()],
        [file_document(path, [chunk_terms(c) for c in group]) for path, group in by_file.items()],
    )


CORPUS = [
    make_chunk(
        "net/http_client.py",
        "fetch_url",
        'def fetch_url(url, timeout=10):\n    """Download a web page over HTTP and return its body."""\n    return urlopen(url, timeout=timeout).read()',
    ),
    make_chunk(
        "text/tokenize.py",
        "split_words",
        'def split_words(sentence):\n    """Break a sentence into lowercase words."""\n    return sentence.lower().split()',
    ),
    make_chunk(
        "db/connection.py",
        "ConnectionPool",
        'class ConnectionPool:\n    """Keep database connections open and hand them out."""\n    def acquire(self): ...',
        kind="class",
    ),
    make_chunk(
        "math/stats.py",
        "mean_value",
        'def mean_value(numbers):\n    """Arithmetic average of a list of numbers."""\n    return sum(numbers) / len(numbers)',
    ),
    make_chunk(
        "web/app.ts",
        "renderPage",
        "export function renderPage(template: string): string {\n  // render an HTML page from a template\n  return compile(template)();\n}",
        language="typescript",
    ),
    make_chunk(
        "docs/guide.md",
        "",
        "# Guide\nHow to configure the database connection pool size.",
        kind="text",
        language="text",
    ),
]


# A small Python project: ``core/models.py`` is used by every view; ``tools/leaf.py`` by nobody.
PROJECT: dict[str, str] = {
    "core/__init__.py": "",
    "core/models.py": '''"""Data models."""


class Record:
    """A row stored in the database."""

    def save(self, connection):
        """Write this record through the database connection."""
        connection.execute("insert", self)

    def delete(self, connection):
        connection.execute("delete", self)


def load_records(connection, table_name):
    """Read every record of a table."""
    return [Record() for _ in connection.query(table_name)]
''',
    "core/checksum.py": '''def crc_of_bytes(payload):
    """Compute a cyclic redundancy checksum of a byte string."""
    value = 0
    for byte in payload:
        value = (value >> 1) ^ byte
    return value
''',
    "views/users.py": """from core.models import Record, load_records


def list_users(connection):
    return load_records(connection, "users")


def create_user(connection, name):
    user = Record()
    user.save(connection)
    return user
""",
    "views/orders.py": """from core.models import Record, load_records


def list_orders(connection):
    return load_records(connection, "orders")


def cancel_order(connection, order):
    order.delete(connection)
    Record().save(connection)
""",
    "tools/leaf.py": '''def print_banner(title):
    """Print a decorative banner around a title."""
    print("=" * len(title))
    print(title)
''',
    "web/format.ts": """export function formatPrice(amount: number): string {
  // show a money amount with two decimals
  return amount.toFixed(2);
}
""",
    "README.md": "# Shop\n\nA tiny shop used to test the index.\n",
}


def write_project(root: Path, files: dict[str, str] | None = None) -> Path:
    for rel, text in (files or PROJECT).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
