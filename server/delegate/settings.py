"""One typed settings model for the whole server, with a documented default for every field.

Settings arrive from several places — the client's ``initializationOptions``, the
``delegate`` section of ``workspace/configuration``, ``[tool.delegate]`` in a folder's
``pyproject.toml`` and ``.delegate/config.toml`` — and are merged in that order of
increasing precedence by :func:`merge_sources`.  A bad value never stops the server:
:func:`load_settings` drops the offending value, keeps the default, and returns a
:class:`SettingsWarning` naming the setting and the value so the LSP layer can show it.

The API key is deliberately *not* a setting: it comes from ``ANTHROPIC_API_KEY`` or the
``delegate/setApiKey`` notification, so it can never be committed in a settings file.
``docs/settings.md`` is generated from the field descriptions here (see
:func:`settings_reference`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_MODEL = "claude-sonnet-4-6"
Autonomy = Literal["propose", "apply-when-green", "commit-when-green"]
AUTONOMY_LEVELS: tuple[str, ...] = get_args(Autonomy)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, frozen=True)


class ModelPrice(_Section):
    """US dollars per million tokens for one model."""

    input: float = Field(3.0, ge=0, description="Price of uncached input tokens.")
    output: float = Field(15.0, ge=0, description="Price of output tokens.")
    cache_write: float = Field(
        3.75, ge=0, description="Price of tokens written to the prompt cache."
    )
    cache_read: float = Field(0.30, ge=0, description="Price of tokens read from the prompt cache.")


def _default_prices() -> dict[str, ModelPrice]:
    sonnet = ModelPrice(input=3.0, output=15.0, cache_write=3.75, cache_read=0.30)
    opus = ModelPrice(input=5.0, output=25.0, cache_write=6.25, cache_read=0.50)
    haiku = ModelPrice(input=1.0, output=5.0, cache_write=1.25, cache_read=0.10)
    return {
        "claude-sonnet-4-5": sonnet,
        "claude-sonnet-4-6": sonnet,
        "claude-opus-4-5": opus,
        "claude-opus-4-6": opus,
        "claude-haiku-4-5": haiku,
    }


class ApiSettings(_Section):
    """How to reach Anthropic's Messages API."""

    model: str = Field(DEFAULT_MODEL, min_length=1, description="Model id used for every role.")
    base_url: str | None = Field(
        None,
        description="Base URL of the Messages API, for a gateway or proxy. Empty means Anthropic's own.",
    )
    timeout_seconds: float = Field(
        120.0, gt=0, le=3600, description="Timeout of one model request, in seconds."
    )
    max_retries: int = Field(
        4,
        ge=0,
        le=10,
        description="Retries on 408/409/429/5xx, with backoff honouring retry-after.",
    )
    max_output_tokens: int = Field(
        32000,
        ge=256,
        le=128000,
        description=(
            "max_tokens for each model request (thinking counts toward it). A reply cut at this "
            "limit is not executed; the next request gets twice the limit, up to 128,000."
        ),
    )
    thinking: Literal["auto", "adaptive", "enabled", "off"] = Field(
        "auto",
        description=(
            "Thinking for the planner, coder and reviewer. adaptive: the model decides how much "
            "to think (Claude 4.6 and later). enabled: a fixed budget (`api.thinking_budget_tokens`, "
            "older models). off: none. auto: adaptive, or enabled for models before 4.6."
        ),
    )
    thinking_budget_tokens: int = Field(
        8000,
        ge=1024,
        le=100000,
        description="Thinking budget per request when thinking is `enabled` (below max_tokens).",
    )
    effort: Literal["low", "medium", "high", "xhigh", "max"] | None = Field(
        None,
        description="output_config.effort sent with every request. Empty means the model's default.",
    )
    context_window_tokens: int = Field(
        200000,
        ge=4096,
        le=2_000_000,
        description=(
            "The model's context window. Old tool results are cleared at half of it and the "
            "history is summarised at three quarters, so a long task never overflows it."
        ),
    )
    prompt_caching: bool = Field(
        True,
        description="Mark the stable prefix (system prompt, tools, repo map) for prompt caching.",
    )
    prices: dict[str, ModelPrice] = Field(
        default_factory=_default_prices,
        description=(
            "Price table, model id → USD per million tokens, merged over the built-in table. "
            "Unknown models use the Sonnet price."
        ),
    )

    @field_validator("prices", mode="after")
    @classmethod
    def _merge_builtin_prices(cls, value: dict[str, ModelPrice]) -> dict[str, ModelPrice]:
        return {**_default_prices(), **value}

    def price_for(self, model: str) -> ModelPrice:
        """The price of ``model``; a dated id (``…-20250929``) falls back to its alias."""
        if model in self.prices:
            return self.prices[model]
        alias = model.rsplit("-", 1)[0]
        return self.prices.get(alias, ModelPrice())


class BudgetSettings(_Section):
    """Hard bounds on one delegated task. Whichever is reached first ends the task."""

    max_iterations: int = Field(
        4, ge=1, le=50, description="Code → test rounds before the task gives up."
    )
    max_tool_calls: int = Field(80, ge=1, le=1000, description="Tool calls over the whole task.")
    max_cost_usd: float = Field(
        2.0, gt=0, le=1000, description="Spend limit for one task, in US dollars."
    )
    max_wall_seconds: float = Field(
        900.0, gt=0, le=86400, description="Wall-clock limit for one task, in seconds."
    )
    max_concurrent_tasks: int = Field(
        3, ge=1, le=32, description="Tasks that may run at once; further tasks wait in a queue."
    )


class TestSettings(_Section):
    """How the agent runs the project's tests inside its sandbox."""

    command: list[str] | None = Field(
        None,
        description=(
            'Test command as an argument list, e.g. ["pytest", "-q"], run at the folder root. '
            "Empty means detect it for the project nearest the task's file: pytest or unittest "
            "(the project's own venv), npm/pnpm/yarn test, go test, cargo test, Maven, Gradle, "
            "RSpec/minitest, dotnet test, make test."
        ),
    )
    timeout_seconds: float = Field(
        300.0, gt=0, le=7200, description="Timeout of one test run, in seconds."
    )
    max_output_chars: int = Field(
        20000, ge=1000, le=1_000_000, description="Test output kept per run; the rest is cut."
    )
    lint_command: list[str] | None = Field(
        None,
        description=(
            "Linter run on each file the agent edits, as an argument list ending before the "
            'paths, e.g. ["ruff", "check", "--quiet"]. Its complaints go back with the edit result.'
        ),
    )
    keep_reproduction: bool = Field(
        True,
        description="Keep the reproduction test of a bug fix in the proposal (false drops it).",
    )
    env: list[str] = Field(
        default_factory=list,
        description=(
            "Names of environment variables passed to test runs besides the allowlist "
            "(PATH, LANG, LC_*, TZ, TERM); their values are still redacted from every output."
        ),
    )


class IndexSettings(_Section):
    """The workspace index: which files, where it lives, how chunks are embedded."""

    uri: str | None = Field(
        None,
        description="Where the LanceDB index lives. Empty means `.delegate/index/` in the folder.",
    )
    include: list[str] = Field(
        default_factory=list,
        description="Glob patterns (gitignore syntax); when set, only matching files are indexed.",
    )
    exclude: list[str] = Field(
        default_factory=list,
        description="Glob patterns (gitignore syntax) never indexed, on top of .gitignore and .ignore.",
    )
    max_file_bytes: int = Field(
        1 << 20, ge=1024, le=64 << 20, description="Files larger than this are skipped."
    )
    embedder: Literal["hashing", "sentence-transformers", "voyage"] = Field(
        "hashing",
        description=(
            "hashing: built in, no downloads. sentence-transformers: local model (opt-in extra "
            "`semantic`, needs torch; `make` installs neither). voyage: voyage-code-3 over HTTP (needs VOYAGE_API_KEY)."
        ),
    )
    embedder_model: str | None = Field(
        None,
        description="Model path or name for the sentence-transformers or voyage embedder.",
    )
    workers: int = Field(
        0, ge=0, le=64, description="Processes for parsing and embedding. 0 means one per core."
    )
    on_start: bool = Field(True, description="Index every workspace folder when the server starts.")


class SandboxSettings(_Section):
    """Where each task's private copy of the workspace is made."""

    dir: str | None = Field(
        None,
        description=(
            "Directory for task sandboxes. Empty means automatic: RAM-backed /dev/shm when the "
            "copy fits in `sandbox.max_memory_mb`, else the system's temporary directory."
        ),
    )
    max_memory_mb: int = Field(
        1024,
        ge=0,
        le=1 << 20,
        description="Largest snapshot placed in RAM-backed /dev/shm; 0 never uses it.",
    )
    require_isolation: bool = Field(
        True,
        description=(
            "Refuse to run model-written code (tests, the shell) when no OS sandbox "
            "(bubblewrap) works here. Turn off only to run such code unconfined."
        ),
    )
    max_processes: int = Field(
        256, ge=8, le=65536, description="Processes a confined run may have at once."
    )
    cpu_seconds: int = Field(900, ge=1, le=86400, description="CPU time of each process of a run.")
    memory_mb: int = Field(
        8192, ge=64, le=1 << 20, description="Address space of each process of a run, in MiB."
    )
    max_file_mb: int = Field(
        1024, ge=1, le=1 << 20, description="Largest file a confined run may write, in MiB."
    )
    shell_tool: bool = Field(
        True,
        description=(
            "Offer the coder a `bash` tool whose commands run in the same OS sandbox as the "
            "tests (never offered where runs cannot be confined and isolation is required)."
        ),
    )


class ShipSettings(_Section):
    """Shipping an accepted proposal: its branch, its remote (``delegate ship``, ``delegate.ship``)."""

    branch: str = Field(
        "delegate/{slug}",
        min_length=1,
        max_length=200,
        description=(
            "Name of the branch a shipped task gets; `{slug}` is a few words of the task, "
            "`{task}` its id."
        ),
    )
    remote: str = Field(
        "",
        max_length=200,
        description=(
            "Remote to push to. Empty: the current branch's upstream remote, else `origin`, "
            "else the only remote."
        ),
    )


class Settings(_Section):
    """Everything Delegate can be told. Every field has a default; none is required."""

    api: ApiSettings = Field(default_factory=ApiSettings, description="Model access.")
    budget: BudgetSettings = Field(default_factory=BudgetSettings, description="Task bounds.")
    tests: TestSettings = Field(default_factory=TestSettings, description="Test runs.")
    index: IndexSettings = Field(default_factory=IndexSettings, description="Workspace index.")
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings, description="Task sandboxes.")
    autonomy: Autonomy = Field(
        "propose",
        description=(
            "propose: every change waits for review. apply-when-green: a change is applied without "
            "review only when the tests pass and the verifier approves. commit-when-green: such a "
            "change is also committed to its own branch; pushing always asks."
        ),
    )
    ship: ShipSettings = Field(default_factory=ShipSettings, description="Shipping to a branch.")
    log_level: Literal["error", "warning", "info", "debug"] = Field(
        "info", description="Least severe message written to the log and sent to the client."
    )


@dataclass(frozen=True)
class SettingsWarning:
    """One value that could not be used; the default stands in its place."""

    setting: str  # dotted path, e.g. "budget.max_iterations"
    value: Any
    reason: str

    def message(self) -> str:
        return (
            f"Delegate: ignoring setting `{self.setting}` = {self.value!r} ({self.reason}); "
            "using the default."
        )


def _deep_merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def _normalise_keys(raw: Any) -> Any:
    """Accept camelCase keys from editors (``maxIterations``) as well as snake_case."""
    if not isinstance(raw, Mapping):
        return raw
    out: dict[str, Any] = {}
    for key, value in raw.items():
        snake = "".join("_" + c.lower() if c.isupper() else c for c in str(key)).lstrip("_")
        snake = snake.replace("-", "_")
        # price tables are keyed by model id: keep those keys verbatim
        out[snake] = value if snake == "prices" else _normalise_keys(value)
    return out


def merge_sources(sources: Iterable[Mapping[str, Any] | None]) -> dict[str, Any]:
    """Merge raw settings dictionaries; later sources win, key by key."""
    merged: dict[str, Any] = {}
    for source in sources:
        if source:
            merged = _deep_merge(merged, _normalise_keys(source))
    return merged


def _get_path(data: Mapping[str, Any], path: tuple[str | int, ...]) -> Any:
    node: Any = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _drop_path(data: dict[str, Any], path: tuple[str | int, ...]) -> bool:
    """Remove the value at ``path`` (or its nearest droppable parent key). True when removed."""
    for cut in range(len(path), 0, -1):
        parent = _get_path(data, path[: cut - 1]) if cut > 1 else data
        key = path[cut - 1]
        if isinstance(parent, dict) and isinstance(key, str) and key in parent:
            del parent[key]
            return True
    return False


def load_settings(raw: Mapping[str, Any] | None) -> tuple[Settings, list[SettingsWarning]]:
    """Validate ``raw``; each bad value is replaced by its default and reported."""
    data = _deep_merge({}, _normalise_keys(raw or {}))
    warnings: list[SettingsWarning] = []
    for _ in range(100):  # each round drops at least one bad value
        try:
            return Settings.model_validate(data), warnings
        except ValidationError as exc:
            dropped = False
            for error in exc.errors():
                loc = tuple(error["loc"])
                # for a bad list item or dict entry, drop the whole field
                field_loc = tuple(p for p in loc if isinstance(p, str))
                while field_loc and _get_path(data, field_loc) is None:
                    field_loc = field_loc[:-1]
                if not field_loc:
                    continue
                value = _get_path(data, field_loc)
                if _drop_path(data, field_loc):
                    dropped = True
                    reason = error["msg"]
                    if error["type"] == "extra_forbidden":
                        reason = "unknown setting"
                    warnings.append(SettingsWarning(".".join(field_loc), value, reason))
            if not dropped:
                break
    return Settings(), warnings


def read_folder_settings(
    folder: Path, *, trust: bool = False
) -> tuple[dict[str, Any], list[SettingsWarning]]:
    """Read ``[tool.delegate]`` from pyproject.toml, then ``.delegate/config.toml`` (which wins).

    Settings that run commands or send the key (:data:`delegate.trust.GATED_SETTINGS`) are
    dropped with a warning unless the folder is trusted (or ``trust`` says so for this run).
    """
    merged: dict[str, Any] = {}
    warnings: list[SettingsWarning] = []
    for path, section in (
        (folder / "pyproject.toml", ("tool", "delegate")),
        (folder / ".delegate" / "config.toml", ()),
    ):
        if not path.is_file():
            continue
        try:
            data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            warnings.append(SettingsWarning(str(path), None, f"unreadable: {exc}"))
            continue
        for key in section:
            data = data.get(key, {}) if isinstance(data, dict) else {}
        if isinstance(data, dict):
            merged = _deep_merge(merged, _normalise_keys(data))
    if "api_key" in merged or "api_key" in merged.get("api", {}):
        merged.pop("api_key", None)
        merged.get("api", {}).pop("api_key", None)
        warnings.append(
            SettingsWarning(
                "api_key", "<hidden>", "keys are never read from files; set ANTHROPIC_API_KEY"
            )
        )
    return _trusted_part(folder, merged, warnings, trust)


def _trusted_part(
    folder: Path, merged: dict[str, Any], warnings: list[SettingsWarning], trust: bool
) -> tuple[dict[str, Any], list[SettingsWarning]]:
    from delegate.trust import (
        TrustStore,
        gated_values,
        trusted_by_environment,
        values_digest,
        without_gated,
    )

    gated = gated_values(merged)
    if not gated or trust or trusted_by_environment(folder):
        return merged, warnings
    if TrustStore().decision(folder, values_digest(gated)):
        return merged, warnings
    reason = (
        "set in the folder's own files, which you have not trusted: not applied "
        "(answer the editor's question, or use `delegate run --trust`)"
    )
    warnings += [SettingsWarning(name, value, reason) for name, value in gated.items()]
    return without_gated(merged), warnings


def settings_reference() -> list[tuple[str, str, str]]:
    """(dotted name, default as JSON-ish text, description) for every leaf setting."""
    import json

    rows: list[tuple[str, str, str]] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            annotation = field.annotation
            dotted = f"{prefix}{name}"
            if isinstance(annotation, type) and issubclass(annotation, _Section):
                walk(annotation, dotted + ".")
                continue
            default = field.get_default(call_default_factory=True)
            if isinstance(default, dict):
                shown = json.dumps(
                    {
                        k: v.model_dump() if isinstance(v, BaseModel) else v
                        for k, v in default.items()
                    }
                )
            else:
                shown = json.dumps(default)
            rows.append((dotted, shown, field.description or ""))

    walk(Settings, "")
    return rows
