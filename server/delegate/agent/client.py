"""The model client: one streamed Messages API call at a time, traced, priced and cached.

A thin adapter over ``anthropic.AsyncAnthropic``. It adds what the loop needs around each
call: prompt-cache breakpoints on the stable prefix (last system block, last tool, and the
newest user turn), usage and cost from the settings' price table, a trace record written
before the reply is used, and one error type (:class:`ModelError`) whose message tells the
user what to do. The SDK retries 408/409/429/5xx itself (honouring ``retry-after``); a
stream that breaks after it started is retried here, up to the same limit.
"""

from __future__ import annotations

import asyncio
import copy
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import anthropic
import httpx2  # the SDK raises its transport errors unwrapped when a stream breaks mid-way

from delegate.agent.cost import Usage, cost_usd
from delegate.agent.redact import redact_for_model, redact_sdk_logs
from delegate.agent.thinking import thinking_headers, thinking_params
from delegate.agent.trace import TraceWriter
from delegate.agent.untrusted import wrap_tool_results
from delegate.settings import ApiSettings

Block = dict[str, Any]
Message = dict[str, Any]
ErrorKind = Literal["auth", "unavailable", "bad_request", "context_window", "timeout", "other"]
_CACHE = {"type": "ephemeral"}
# how the API words a request whose prompt does not fit the model's context window
_TOO_LONG = re.compile(
    r"prompt is too long|context (?:window|length)|too many (?:input )?tokens", re.I
)


class ModelError(Exception):
    """A model call that cannot succeed; ``str(error)`` says what to do about it."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ModelReply:
    """The assistant's answer as plain blocks, with its price."""

    content: list[Block]
    stop_reason: str | None
    usage: Usage
    cost_usd: float
    latency_s: float
    model: str

    @property
    def text(self) -> str:
        return "\n".join(b["text"] for b in self.content if b.get("type") == "text").strip()

    @property
    def tool_uses(self) -> list[Block]:
        return [b for b in self.content if b.get("type") == "tool_use"]


def with_cache_breakpoints(
    system: Sequence[str], tools: Sequence[Block], messages: Sequence[Message]
) -> tuple[list[Block], list[Block], list[Message]]:
    """Copies of the request parts with ``cache_control`` on the last system block, the last
    tool, and the last block of the newest user message (so the growing conversation is
    read from cache on the next turn). Inputs are not modified."""
    system_blocks: list[Block] = [{"type": "text", "text": s} for s in system if s]
    if system_blocks:
        system_blocks[-1]["cache_control"] = dict(_CACHE)
    tool_list = [dict(t) for t in tools]
    if tool_list:
        tool_list[-1]["cache_control"] = dict(_CACHE)
    message_list = copy.deepcopy(list(messages))
    for message in reversed(message_list):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = content = [{"type": "text", "text": content}]
        if content:
            content[-1]["cache_control"] = dict(_CACHE)
        break
    return system_blocks, tool_list, message_list


def _block_to_dict(block: Any) -> Block:
    if block.type == "text":
        return {"type": "text", "text": block.text}
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    dumped: Block = block.model_dump(exclude_none=True)
    return dumped


def _describe(error: Exception) -> str:
    if isinstance(error, anthropic.APIStatusError):
        body = error.body
        if isinstance(body, dict):
            detail = body.get("error", {})
            if isinstance(detail, dict) and detail.get("message"):
                return f"{error.status_code} {detail.get('type', '')}: {detail['message']}"
        return f"{error.status_code}: {error.message}"
    return f"{type(error).__name__}: {error}"


class ModelClient:
    """Calls the Messages API for one task. ``role`` labels each call in the trace."""

    def __init__(
        self,
        settings: ApiSettings,
        api_key: str,
        trace: TraceWriter | None = None,
        *,
        sdk: anthropic.AsyncAnthropic | None = None,
    ) -> None:
        self.settings = settings
        self.trace = trace
        self._sdk = sdk or anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=settings.base_url or None,
            timeout=settings.timeout_seconds,
            max_retries=settings.max_retries,
        )
        redact_sdk_logs(api_key)
        self._api_key = api_key
        if trace is not None:
            trace.redactor.add(api_key)
        self.calls = 0
        self.usage = Usage()
        self.cost = 0.0

    async def close(self) -> None:
        await self._sdk.close()

    async def complete(
        self,
        *,
        system: Sequence[str],
        messages: Sequence[Message],
        tools: Sequence[Block] = (),
        role: str = "coder",
        max_tokens: int | None = None,
        tool_choice: Block | None = None,
        thinking: bool = True,
        trace_fields: dict[str, Any] | None = None,
    ) -> ModelReply:
        """One streamed call; returns the final message or raises :class:`ModelError`.

        Thinking follows ``api.thinking`` unless ``thinking`` is False; the thinking blocks
        of the reply are in ``content`` and must go back unchanged with the next request."""
        if self.settings.prompt_caching:
            system_blocks, tool_list, message_list = with_cache_breakpoints(system, tools, messages)
        else:
            system_blocks = [{"type": "text", "text": s} for s in system if s]
            tool_list, message_list = [dict(t) for t in tools], list(messages)
        model = self.settings.model
        limit = max_tokens or self.settings.max_output_tokens
        request: dict[str, Any] = {
            "model": model,
            "max_tokens": limit,
            "system": system_blocks,
            "messages": message_list,
        }
        if thinking:
            params = thinking_params(self.settings, model, limit)
            request.update(params)
            if headers := thinking_headers(params):
                request["extra_headers"] = headers
        if tool_list:
            request["tools"] = tool_list
        if tool_choice is not None:
            request["tool_choice"] = tool_choice
        request["messages"] = wrap_tool_results(message_list)  # repository text is data
        request = redact_for_model(request, self._api_key)  # no secret value reaches the model
        message_list = request["messages"]
        fields = trace_fields or {}
        self._write(
            "model_request",
            role=role,
            model=model,
            message_count=len(message_list),
            tools=[t.get("name") for t in tool_list],
            max_tokens=limit,
            thinking=request.get("thinking"),
            system=system_blocks,
            last_message=message_list[-1] if message_list else None,
            **fields,
        )
        started = time.monotonic()
        message = await self._stream_with_retries(request, role, fields)
        latency = time.monotonic() - started
        usage = Usage.from_sdk(message.usage)
        cost = cost_usd(usage, self.settings.price_for(model))
        reply = ModelReply(
            content=[_block_to_dict(b) for b in message.content],
            stop_reason=message.stop_reason,
            usage=usage,
            cost_usd=cost,
            latency_s=latency,
            model=str(message.model),
        )
        self.calls += 1
        self.usage = self.usage + usage
        self.cost += cost
        self._write(
            "model_response",
            role=role,
            stop_reason=reply.stop_reason,
            content=reply.content,
            usage=usage.to_json(),
            cost_usd=round(cost, 6),
            latency_s=round(latency, 3),
            **fields,
        )
        return reply

    async def _stream_with_retries(
        self, request: dict[str, Any], role: str, fields: dict[str, Any]
    ) -> Any:
        attempts = self.settings.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                async with self._sdk.messages.stream(**request) as stream:
                    return await stream.get_final_message()
            except (httpx2.HTTPError, anthropic.APIConnectionError) as error:
                broken = not isinstance(error, anthropic.APITimeoutError | httpx2.TimeoutException)
                if broken and attempt < attempts:
                    # the SDK does not retry a stream that broke after the response began
                    self._write(
                        "model_retry", role=role, attempt=attempt, error=_describe(error), **fields
                    )
                    await asyncio.sleep(min(0.5 * 2 ** (attempt - 1), 8.0))
                    continue
                raise self._error(error, fields, role) from error
            except anthropic.APIError as error:
                raise self._error(error, fields, role) from error
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, error: Exception, fields: dict[str, Any], role: str) -> ModelError:
        retries = self.settings.max_retries
        detail = _describe(error)
        result: ModelError
        if isinstance(error, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
            result = ModelError(
                "auth",
                f"Anthropic rejected the API key ({detail}): set ANTHROPIC_API_KEY "
                "or send delegate/setApiKey",
            )
        elif isinstance(error, anthropic.APITimeoutError | httpx2.TimeoutException):
            result = ModelError(
                "timeout",
                f"Anthropic API timed out after {retries} retries "
                f"(timeout {self.settings.timeout_seconds:g}s each): {detail}",
            )
        elif isinstance(
            error,
            anthropic.RateLimitError
            | anthropic.InternalServerError
            | anthropic.APIConnectionError
            | httpx2.HTTPError,
        ):
            result = ModelError(
                "unavailable", f"Anthropic API unavailable after {retries} retries: {detail}"
            )
        elif isinstance(error, anthropic.BadRequestError) and _TOO_LONG.search(detail):
            result = ModelError("context_window", f"the conversation no longer fits: {detail}")
        elif isinstance(error, anthropic.BadRequestError | anthropic.NotFoundError):
            result = ModelError("bad_request", f"Anthropic API refused the request: {detail}")
        else:
            result = ModelError("other", f"Anthropic API error: {detail}")
        self._write("model_error", role=role, kind=result.kind, error=str(result), **fields)
        return result

    def _write(self, event: str, **fields: Any) -> None:
        if self.trace is not None:
            self.trace.write(event, **fields)


ClientFactory = Callable[[ApiSettings, str, TraceWriter | None], ModelClient]


def default_client_factory(
    settings: ApiSettings, api_key: str, trace: TraceWriter | None
) -> ModelClient:
    return ModelClient(settings, api_key, trace)
