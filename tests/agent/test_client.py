"""The model client through the real SDK against the fake server: caching, cost, errors, trace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.fakes.fake_anthropic import BrokenStream, Fail, FakeAnthropic, Reply, text, tool_use

from delegate.agent.client import ModelClient, ModelError, with_cache_breakpoints
from delegate.agent.cost import Usage, cost_usd
from delegate.agent.trace import TraceWriter, read_trace
from delegate.settings import ApiSettings, ModelPrice

KEY = "sk-ant-api03-CLIENTTESTKEY-zzzzzzzzzzzzzzzzzzzz"
TOOLS = [
    {"name": "read_file", "description": "read", "input_schema": {"type": "object"}},
    {"name": "finish", "description": "done", "input_schema": {"type": "object"}},
]


def client_for(fake: FakeAnthropic, trace: TraceWriter | None = None, **api: object) -> ModelClient:
    settings = ApiSettings(base_url=fake.base_url, max_retries=2, timeout_seconds=5, **api)  # type: ignore[arg-type]
    return ModelClient(settings, KEY, trace)


def test_cache_breakpoints_mark_the_stable_prefix_and_newest_user_turn() -> None:
    messages = [
        {"role": "user", "content": "task"},
        {"role": "assistant", "content": [{"type": "text", "text": "ok"}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "x"}]},
    ]
    system, tools, out = with_cache_breakpoints(["rules", "repo map"], TOOLS, messages)
    assert "cache_control" not in system[0] and system[1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in tools[0] and "cache_control" in tools[1]
    assert "cache_control" in out[2]["content"][-1]
    assert out[0]["content"] == "task"  # only the newest user turn is marked
    assert "cache_control" not in messages[2]["content"][-1]  # inputs untouched
    assert "cache_control" not in TOOLS[1]


def test_cost_uses_all_four_prices() -> None:
    price = ModelPrice(input=3.0, output=15.0, cache_write=3.75, cache_read=0.3)
    usage = Usage(1_000_000, 100_000, 200_000, 2_000_000)
    assert cost_usd(usage, price) == pytest.approx(3.0 + 1.5 + 0.75 + 0.6)


async def test_streamed_call_returns_blocks_usage_and_cost(tmp_path: Path) -> None:
    trace = TraceWriter(tmp_path / "trace.jsonl")
    turn = Reply([text("reading"), tool_use("read_file", {"path": "a.py"}, id="t1")])
    with FakeAnthropic([turn, Reply([text("done")])]) as fake:
        client = client_for(fake, trace)
        first = await client.complete(
            system=["rules", "map"], messages=[{"role": "user", "content": "go"}], tools=TOOLS
        )
        await client.complete(
            system=["rules", "map"], messages=[{"role": "user", "content": "again"}], tools=TOOLS
        )
        await client.close()
    assert first.stop_reason == "tool_use"
    assert first.tool_uses == [
        {"type": "tool_use", "id": "t1", "name": "read_file", "input": {"path": "a.py"}}
    ]
    assert first.text == "reading"
    assert first.cost_usd > 0 and client.cost > first.cost_usd
    # the second call reads the cached prefix the first one wrote
    assert first.usage.cache_creation_input_tokens > 0
    assert client.usage.cache_read_input_tokens > 0
    assert all(r.streamed and r.cache_control_count() == 3 for r in fake.requests)
    events = [r["event"] for r in read_trace(trace.path)]
    assert events == ["model_request", "model_response"] * 2
    assert KEY not in trace.path.read_text()


async def test_prompt_caching_can_be_turned_off() -> None:
    with FakeAnthropic([Reply([text("x")])]) as fake:
        client = client_for(fake, prompt_caching=False)
        await client.complete(
            system=["s"], messages=[{"role": "user", "content": "go"}], tools=TOOLS
        )
    assert fake.requests[0].cache_control_count() == 0


async def test_outage_after_retries_is_one_clear_error(tmp_path: Path) -> None:
    trace = TraceWriter(tmp_path / "trace.jsonl")
    with FakeAnthropic([Fail(529)] * 5) as fake:
        client = client_for(fake, trace)
        with pytest.raises(ModelError) as caught:
            await client.complete(system=["s"], messages=[{"role": "user", "content": "go"}])
    assert caught.value.kind == "unavailable"
    assert "unavailable after 2 retries" in str(caught.value)
    assert len(fake.requests) == 3  # one try + two retries
    assert [r["event"] for r in read_trace(trace.path)] == ["model_request", "model_error"]


async def test_bad_key_says_how_to_set_one() -> None:
    fake = FakeAnthropic([Fail(401, "authentication_error", "invalid x-api-key", None)])
    with fake, pytest.raises(ModelError, match="ANTHROPIC_API_KEY") as caught:
        await client_for(fake).complete(system=["s"], messages=[{"role": "user", "content": "go"}])
    assert caught.value.kind == "auth"
    assert len(fake.requests) == 1  # auth errors are not retried


async def test_broken_stream_is_retried_by_the_client(tmp_path: Path) -> None:
    trace = TraceWriter(tmp_path / "trace.jsonl")
    with FakeAnthropic([BrokenStream(after_events=2), Reply([text("whole")])]) as fake:
        reply = await client_for(fake, trace).complete(
            system=["s"], messages=[{"role": "user", "content": "go"}]
        )
    assert reply.text == "whole"
    assert len(fake.requests) == 2
    assert "model_retry" in [r["event"] for r in read_trace(trace.path)]


async def test_timeout_is_reported_as_timeout() -> None:
    from tests.fakes.fake_anthropic import Slow

    with FakeAnthropic([Slow(2.0), Slow(2.0)]) as fake:
        settings = ApiSettings(base_url=fake.base_url, max_retries=0, timeout_seconds=0.2)
        with pytest.raises(ModelError) as caught:
            await ModelClient(settings, KEY).complete(
                system=["s"], messages=[{"role": "user", "content": "go"}]
            )
    assert caught.value.kind == "timeout"
    assert json.dumps(str(caught.value))  # a plain message


async def test_a_stream_broken_on_every_try_is_one_clear_error() -> None:
    import anthropic

    turns = [BrokenStream(after_events=2)] * 4
    with FakeAnthropic(turns) as fake:
        # the SDK wraps only failures before the response; mid-stream it lets its HTTP
        # library's own error through (why client.py catches httpx2.HTTPError as well)
        sdk = anthropic.AsyncAnthropic(api_key=KEY, base_url=fake.base_url, max_retries=0)
        with pytest.raises(Exception) as raw:
            async with sdk.messages.stream(
                model="m", max_tokens=5, messages=[{"role": "user", "content": "go"}]
            ) as stream:
                await stream.get_final_message()
        await sdk.close()
        assert not isinstance(raw.value, anthropic.APIError)
        with pytest.raises(ModelError) as caught:
            await client_for(fake).complete(
                system=["s"], messages=[{"role": "user", "content": "go"}]
            )
    assert caught.value.kind == "unavailable"
    assert "unavailable after 2 retries" in str(caught.value)
    assert len(fake.requests) == 4  # the raw SDK call, then one try + two retries
