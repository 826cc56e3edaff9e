"""Walking a folder: ignore files, built-in excludes, settings globs, and unsafe files."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from delegate.index import files
from delegate.index.files import (
    SourceReader,
    bytes_hash,
    content_hash,
    read_source,
    should_index,
    walk_folder,
)
from delegate.index.languages import language_for_path
from delegate.settings import IndexSettings


def make_tree(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def walked(root: Path, **settings: object) -> list[str]:
    return [f.path for f in walk_folder(root, IndexSettings(**settings)).files]  # type: ignore[arg-type]


IGNORE_CASES = [
    pytest.param(
        {"a.py": "", "b.md": "", ".gitignore": "*.md\n"},
        {},
        ["a.py"],
        id="root-gitignore",
    ),
    pytest.param(
        {".gitignore": "gen_*.py\n", "gen_x.py": "", "src/gen_y.py": "", "src/ok.py": ""},
        {},
        ["src/ok.py"],
        id="unanchored-pattern-matches-at-any-depth",
    ),
    pytest.param(
        {
            "src/.gitignore": "/local.py\n",
            "src/local.py": "",
            "src/sub/local.py": "",
            "local.py": "",
        },
        {},
        ["local.py", "src/sub/local.py"],
        id="nested-gitignore-anchored-to-its-directory",
    ),
    pytest.param(
        {".gitignore": "*.py\n!keep.py\n", "keep.py": "", "drop.py": "", "pkg/keep.py": ""},
        {},
        ["keep.py", "pkg/keep.py"],
        id="negation-reincludes",
    ),
    pytest.param(
        {".gitignore": "*.py\n", "sub/.gitignore": "!keep.py\n", "sub/keep.py": "", "x.py": ""},
        {},
        ["sub/keep.py"],
        id="deeper-negation-beats-shallower-pattern",
    ),
    pytest.param(
        {".ignore": "secret/\n", "secret/a.py": "", "public/a.py": ""},
        {},
        ["public/a.py"],
        id="dot-ignore-file",
    ),
    pytest.param(
        {".gitignore": "!a.py\n", ".ignore": "a.py\n", "a.py": ""},
        {},
        [],
        id="dot-ignore-beats-gitignore-at-same-level",
    ),
    pytest.param(
        {
            "src/m.py": "",
            ".git/config.py": "",
            "node_modules/x/index.js": "",
            "pkg/__pycache__/m.py": "",
            "build/lib/m.py": "",
            "dist/m.py": "",
            "target/m.rs": "",
            "out/m.js": "",
            ".tox/m.py": "",
            ".mypy_cache/m.json": "",
            ".pytest_cache/m.txt": "",
            ".ruff_cache/m.txt": "",
            "demo.egg-info/PKG-INFO.txt": "",
            ".delegate/index/x.json": "",
            ".venv/lib/m.py": "",
            "venv/pyvenv.cfg": "",
            "venv/lib/m.py": "",
            "env/settings.py": "",  # no pyvenv.cfg: a real package
        },
        {},
        ["env/settings.py", "src/m.py"],
        id="builtin-excludes",
    ),
    pytest.param(
        {".gitignore": "!build/\n", "build/gen.py": ""},
        {},
        ["build/gen.py"],
        id="gitignore-can-reinclude-a-builtin",
    ),
    pytest.param(
        {"src/a.py": "", "src/a_test.py": "", "docs/x.md": "", "tests/t.py": ""},
        {"exclude": ["*_test.py", "docs/"]},
        ["src/a.py", "tests/t.py"],
        id="settings-exclude",
    ),
    pytest.param(
        {"src/a.py": "", "src/b.js": "", "README.md": "", "lib/c.py": ""},
        {"include": ["src/**/*.py", "*.md"]},
        ["README.md", "src/a.py"],
        id="settings-include",
    ),
    pytest.param(
        {"a.py": "", "logo.png": b"\x89PNG", "app.min.js": "", "package-lock.json": "{}"},
        {},
        ["a.py"],
        id="never-indexed-names",
    ),
]


@pytest.mark.parametrize(("files", "settings", "expected"), IGNORE_CASES)
def test_walk_applies_ignore_rules(
    tmp_path: Path, files: dict[str, str | bytes], settings: dict[str, object], expected: list[str]
) -> None:
    make_tree(tmp_path, files)
    assert walked(tmp_path, **settings) == expected
    # single-file checks agree with the walk
    for rel in files:
        assert should_index(tmp_path, rel, IndexSettings(**settings)) == (rel in expected), rel  # type: ignore[arg-type]


def test_walk_reports_entries_and_skip_reasons(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        {"a.py": "x = 1\n", "big.py": "x" * 5000, "node_modules/m.js": "", "i.png": b""},
    )
    result = walk_folder(tmp_path, IndexSettings(max_file_bytes=4096))
    assert [(f.path, f.size) for f in result.files] == [("a.py", 6)]
    assert result.files[0].mtime_ns == os.stat(tmp_path / "a.py").st_mtime_ns
    assert result.skipped == {"too_large": 1, "builtin": 1, "unsupported": 1}


def test_symlinks_inside_are_followed_outside_are_not(tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    outside = tmp_path / "outside"
    make_tree(folder, {"src/real.py": ""})
    make_tree(outside, {"secret.py": ""})
    (folder / "link_out").symlink_to(outside, target_is_directory=True)
    (folder / "secret_link.py").symlink_to(outside / "secret.py")
    (folder / "alias.py").symlink_to(folder / "src" / "real.py")
    (folder / "src" / "loop").symlink_to(folder, target_is_directory=True)
    result = walk_folder(folder, IndexSettings())
    assert [f.path for f in result.files] == ["alias.py", "src/real.py"]
    assert result.skipped["symlink_escape"] == 2
    assert result.skipped["symlink_loop"] == 1
    assert not should_index(folder, "secret_link.py", IndexSettings())
    assert read_source(folder, "secret_link.py", 1000) == (None, "symlink_escape")
    assert read_source(folder, "link_out/secret.py", 1000) == (None, "symlink_escape")


def test_should_index_a_file_that_does_not_exist_yet(tmp_path: Path) -> None:
    make_tree(tmp_path, {".gitignore": "gen/\n"})
    assert should_index(tmp_path, "new/module.py", IndexSettings())
    assert not should_index(tmp_path, "gen/module.py", IndexSettings())
    assert not should_index(tmp_path, "../escape.py", IndexSettings())
    assert not should_index(tmp_path, "image.png", IndexSettings())


READ_CASES = [
    pytest.param(b"print('hi')\n", ("print('hi')\n", ""), id="utf8"),
    pytest.param(b"\xef\xbb\xbfx = 1\n", ("x = 1\n", ""), id="bom-dropped"),
    pytest.param(b"a = 1\r\nb = 2\r\n", ("a = 1\r\nb = 2\r\n", ""), id="crlf-kept"),
    pytest.param(b"", ("", ""), id="empty"),
    pytest.param(b"abc\x00def", (None, "binary"), id="binary"),
    pytest.param(b"caf\xe9 = 1\n", (None, "undecodable"), id="latin1"),
    pytest.param(b"x" * 2000, (None, "too_large"), id="too-large"),
]


@pytest.mark.parametrize(("data", "expected"), READ_CASES)
def test_read_source(tmp_path: Path, data: bytes, expected: tuple[str | None, str]) -> None:
    (tmp_path / "f.py").write_bytes(data)
    assert read_source(tmp_path, "f.py", 1024) == expected


def test_read_source_missing_file(tmp_path: Path) -> None:
    assert read_source(tmp_path, "nope.py", 1024) == (None, "missing")


def test_undecodable_file_is_logged_with_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "f.py").write_bytes(b"caf\xe9\n")
    with caplog.at_level(logging.INFO, logger="delegate.index.files"):
        read_source(tmp_path, "f.py", 1024)
    assert "f.py" in caplog.text
    assert "invalid continuation byte" in caplog.text


def test_content_hash_is_stable_hex() -> None:
    assert content_hash("abc") == content_hash("abc")
    assert content_hash("abc") != content_hash("abd")
    assert len(content_hash("")) == 32
    int(content_hash("x"), 16)


def test_bytes_hash_is_the_content_hash_of_the_decoded_text() -> None:
    for text in ("", "x = 1\n", "caf\u00e9 = '\u2603'\r\n", "\U0001f600"):
        assert bytes_hash(text.encode("utf-8")) == content_hash(text)


def _escape_tree(tmp_path: Path) -> Path:
    folder = tmp_path / "ws"
    outside = tmp_path / "outside"
    make_tree(folder, {"src/real.py": "real = 1\n", "src/deep/x.py": "x = 1\n"})
    make_tree(outside, {"secret.py": "secret = 1\n"})
    (folder / "secret_link.py").symlink_to(outside / "secret.py")
    (folder / "link_out").symlink_to(outside, target_is_directory=True)
    (folder / "alias.py").symlink_to(folder / "src" / "real.py")
    (folder / "src_alias").symlink_to(folder / "src", target_is_directory=True)
    (folder / "src" / "up").symlink_to(tmp_path, target_is_directory=True)
    return folder


READER_CASES = [
    ("src/real.py", (b"real = 1\n", "")),
    ("src/deep/x.py", (b"x = 1\n", "")),
    ("alias.py", (b"real = 1\n", "")),  # a file link that stays inside is followed
    ("src_alias/real.py", (b"real = 1\n", "")),  # and so is a directory link
    ("secret_link.py", (None, "symlink_escape")),
    ("link_out/secret.py", (None, "symlink_escape")),
    ("src/up/outside/secret.py", (None, "symlink_escape")),
    ("../outside/secret.py", (None, "symlink_escape")),
    ("src/../../outside/secret.py", (None, "symlink_escape")),
    ("src/nope.py", (None, "missing")),
    ("link_out/nope.py", (None, "symlink_escape")),
    ("src", (None, "missing")),  # a directory
    ("src/real.py/x.py", (None, "missing")),
]


@pytest.mark.parametrize("nofollow", [True, False], ids=["o_nofollow", "realpath-only"])
def test_one_reader_refuses_every_way_out_of_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nofollow: bool
) -> None:
    if not nofollow:  # platforms without O_NOFOLLOW resolve every path
        monkeypatch.setattr(files, "_NOFOLLOW", 0)
    elif not files._NOFOLLOW:
        pytest.skip("this platform has no O_NOFOLLOW")
    folder = _escape_tree(tmp_path)
    reader = SourceReader(folder, 1024)
    # one reader for all the paths, in both orders: its cached directory verdicts must
    # not let a later path through (nor refuse one)
    for cases in (READER_CASES, READER_CASES[::-1]):
        assert [(rel, reader.read_bytes(rel)) for rel, _ in cases] == list(cases)


def test_a_file_is_read_whole_through_short_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_tree(tmp_path, {"f.py": "x = 1\n" * 100})
    real_read = os.read
    monkeypatch.setattr(files.os, "read", lambda fd, n: real_read(fd, min(n, 7)))
    assert SourceReader(tmp_path, 1024).read_bytes("f.py") == (b"x = 1\n" * 100, "")
    assert SourceReader(tmp_path, 599).read_bytes("f.py") == (None, "too_large")


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("a.py", "python"),
        ("A.PY", "python"),
        ("src/App.tsx", "tsx"),
        ("dir/sub/mod.ts", "typescript"),
        ("win\\path\\mod.rs", "rust"),
        ("a.b.c.go", "go"),  # the last suffix counts
        ("notes.MD", "text"),
        ("Makefile", "text"),
        ("Dockerfile.dev", "text"),
        ("README", "text"),
        ("x.tar.gz", None),
        (".bashrc", None),  # a leading dot starts no suffix
        (".env.example", None),
        ("trailing.", None),  # nor does a trailing one
        ("no_suffix", None),
        ("app.min.js", None),
        ("yarn.lock", None),
        ("dir/.gitignore", None),
    ],
)
def test_language_for_path(path: str, language: str | None) -> None:
    assert language_for_path(path) == language
