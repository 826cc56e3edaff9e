"""Which language a file is written in, decided from its name alone.

The walker calls :func:`language_for_path` for every file, so it is a dictionary look-up
on the suffix (or the whole name for files like ``Makefile``), never a read of the file.
Code languages get a tree-sitter grammar and symbol-aware chunks; ``"text"`` files are
indexed as line windows; ``None`` means the file is never indexed (images, archives,
lock files, minified bundles).
"""

from __future__ import annotations

TEXT = "text"

_CODE_SUFFIXES: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".c++": "cpp",
    ".hh": "cpp",
    ".hpp": "cpp",
    ".hxx": "cpp",
    ".ipp": "cpp",
    ".rb": "ruby",
    ".rake": "ruby",
    ".gemspec": "ruby",
    ".cs": "c_sharp",
    ".php": "php",
}

_TEXT_SUFFIXES: frozenset[str] = frozenset(
    {
        ".md",
        ".markdown",
        ".rst",
        ".txt",
        ".adoc",
        ".yaml",
        ".yml",
        ".toml",
        ".json",
        ".jsonc",
        ".ini",
        ".cfg",
        ".conf",
        ".properties",
        ".sh",
        ".bash",
        ".zsh",
        ".fish",
        ".ps1",
        ".bat",
        ".html",
        ".htm",
        ".xml",
        ".css",
        ".scss",
        ".less",
        ".sql",
        ".graphql",
        ".proto",
        ".tf",
        ".lua",
        ".vim",
        ".el",
        ".kt",
        ".kts",
        ".swift",
        ".scala",
        ".ex",
        ".exs",
        ".erl",
        ".hs",
        ".ml",
        ".dart",
        ".r",
        ".jl",
        ".pl",
        ".pm",
        ".vue",
        ".svelte",
        ".scm",
        ".tex",
        ".csv",
    }
)

_CODE_NAMES: dict[str, str] = {"Rakefile": "ruby", "Gemfile": "ruby", "Vagrantfile": "ruby"}

_TEXT_NAMES: frozenset[str] = frozenset(
    {
        "Dockerfile",
        "Containerfile",
        "Makefile",
        "GNUmakefile",
        "CMakeLists.txt",
        "Justfile",
        "Procfile",
        "README",
        "LICENSE",
        "COPYING",
        "CHANGELOG",
        "CHANGES",
        "AUTHORS",
        "CONTRIBUTING",
        "NOTICE",
        "TODO",
        ".editorconfig",
        ".gitattributes",
    }
)

# generated or lock files that would drown real code in search results
_NEVER_NAMES: frozenset[str] = frozenset(
    {"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.lock", "poetry.lock", "uv.lock"}
)
_NEVER_ENDINGS: tuple[str, ...] = (".min.js", ".min.css", ".map", ".bundle.js")


def language_for_path(path: str) -> str | None:
    """``"python"``, ``"typescript"``, … for code; ``"text"`` for other text worth indexing;
    ``None`` for files that are never indexed."""
    name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]  # no pathlib: hot in walks
    if name in _NEVER_NAMES or name.endswith(_NEVER_ENDINGS):
        return None
    if name in _CODE_NAMES:
        return _CODE_NAMES[name]
    if name in _TEXT_NAMES or name.startswith(("Dockerfile.", "Makefile.")):
        return TEXT
    dot = name.rfind(".")
    suffix = name[dot:].lower() if 0 < dot < len(name) - 1 else ""  # as PurePath.suffix
    if suffix in _CODE_SUFFIXES:
        return _CODE_SUFFIXES[suffix]
    if suffix in _TEXT_SUFFIXES:
        return TEXT
    return None
