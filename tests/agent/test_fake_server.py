"""The fake Messages API speaks the wire format the real SDK parses: JSON, SSE, errors."""

from __future__ import annotations

import anthropic
import pytest
from tests.fakes.fake_anthropic import (
    BrokenStream,
    Fail,
    FakeAnthropic,
    RecordedRequest,
    Reply,
    Slow,
    text,
    tool_use,
)

KEY = "sk-ant-api03-FAKEKEYFORTESTS-0123456789abcdef"


def sdk(fake: FakeAnthropic, **kwargs: object) -> anthropic.AsyncAnthropic:
    options: dict[str, object] = {"max_retries": 0, "timeout": 5.0, **kwargs}
    return anthropic.AsyncAnthropic(api_key=KEY, base_url=fake.base_url, **options)  # type: ignore[arg-type]


async def test_json_reply_with_text() -> None:
    with FakeAnthropic([Reply([text("hello there")])]) as fake:
        message = await sdk(fake).messages.create(
            model="claude-sonnet-4-6",
            max_tokens=100,
            messages=[{"role": "user", "content": "hi"}],
        )
    assert message.content[0].type == "text"
    assert message.content[0].text == "hello there"
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens > 0
    assert len(fake.requests) == 1
    assert fake.requests[0].last_user_text() == "hi"


async def test_streamed_tool_use_is_reassembled_by_the_sdk() -> None:
    payload = {"path": "src/a.py", "old_str": "x = 1\n" * 20, "new_str": "x = 2"}
    turn = Reply([text("I will edit the file."), tool_use("edit", payload, id="toolu_1")])
    with FakeAnthropic([turn]) as fake:
        async with sdk(fake).messages.stream(
            model="claude-sonnet-4-6",
            max_tokens=100,
            messages=[{"role": "user", "content": "go"}],
            tools=[{"name": "edit", "input_schema": {"type": "object"}}],
        ) as stream:
            message = await stream.get_final_message()
    assert message.stop_reason == "tool_use"
    assert message.content[0].type == "text"
    assert message.content[0].text == "I will edit the file."
    block = message.content[1]
    assert block.type == "tool_use"
    assert (block.id, block.name, block.input) == ("toolu_1", "edit", payload)
    assert message.usage.output_tokens > 1  # message_delta usage overrides message_start's 1
    assert fake.requests[0].streamed
    assert fake.requests[0].tool_names == ["edit"]


async def test_key_is_accepted_but_only_a_redacted_form_is_recorded() -> None:
    with FakeAnthropic([Reply([text("ok")])]) as fake:
        await sdk(fake).messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
    recorded = fake.requests[0]
    assert KEY not in repr(recorded)
    assert recorded.api_key.startswith("sk-ant")
    assert recorded.headers["authorization"] == "<redacted>"


async def test_429_then_success_is_retried_by_the_sdk() -> None:
    script = [Fail(429, "rate_limit_error", "slow down", retry_after_ms=5), Reply([text("ok")])]
    with FakeAnthropic(script) as fake:
        message = await sdk(fake, max_retries=2).messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
    assert message.content[0].text == "ok"  # type: ignore[union-attr]
    assert len(fake.requests) == 2


@pytest.mark.parametrize(
    ("status", "error_type", "expected"),
    [
        (529, "overloaded_error", anthropic.InternalServerError),
        (500, "api_error", anthropic.InternalServerError),
        (401, "authentication_error", anthropic.AuthenticationError),
    ],
)
async def test_errors_surface_as_sdk_errors(
    status: int, error_type: str, expected: type[Exception]
) -> None:
    with FakeAnthropic([Fail(status, error_type, "nope")]) as fake, pytest.raises(expected):
        await sdk(fake).messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )


async def test_slow_reply_times_out_the_client() -> None:
    with FakeAnthropic([Slow(3.0)]) as fake, pytest.raises(anthropic.APITimeoutError):
        await sdk(fake, timeout=0.2).messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )


async def test_broken_stream_raises_in_the_sdk() -> None:
    fake = FakeAnthropic([BrokenStream(after_events=3)])
    with fake, pytest.raises(Exception) as caught:
        async with sdk(fake).messages.stream(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            await stream.get_final_message()
    assert "incomplete" in str(caught.value).lower() or "closed" in str(caught.value).lower()


async def test_policy_reads_tool_results_of_the_request() -> None:
    def policy(request: RecordedRequest) -> Reply:
        results = request.tool_results()
        if not results:
            return Reply([tool_use("read_file", {"path": "a.py"}, id="t1")])
        return Reply([text("saw: " + request.tool_result_text(results[0]))])

    with FakeAnthropic(policy=policy) as fake:
        client = sdk(fake)
        first = await client.messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "read"}]
        )
        assert first.stop_reason == "tool_use"
        second = await client.messages.create(
            model="m",
            max_tokens=10,
            messages=[
                {"role": "user", "content": "read"},
                {"role": "assistant", "content": [b.model_dump() for b in first.content]},
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "x = 1"}],
                },
            ],
        )
    assert second.content[0].text == "saw: x = 1"  # type: ignore[union-attr]


async def test_exhausted_script_is_a_loud_client_error() -> None:
    fake = FakeAnthropic([])
    with fake, pytest.raises(anthropic.BadRequestError, match="script exhausted"):
        await sdk(fake).messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )


async def test_streamed_thinking_and_a_tool_input_cut_at_max_tokens() -> None:
    from tests.fakes.fake_anthropic import thinking

    block = tool_use("edit", {"path": "a.py", "old_str": "x = 1", "new_str": "x = 2"})
    cut = Reply([thinking("hmm"), block], stop_reason="max_tokens", cut_tool_input_at=40)
    with FakeAnthropic([cut]) as fake:
        async with sdk(fake).messages.stream(
            model="claude-sonnet-4-6",
            max_tokens=100,
            messages=[{"role": "user", "content": "hi"}],
        ) as stream:
            message = await stream.get_final_message()
    assert message.stop_reason == "max_tokens"
    assert message.content[0].type == "thinking"
    assert message.content[0].signature == thinking("hmm")["signature"]
    partial = message.content[1]
    assert partial.type == "tool_use"
    assert "new_str" not in partial.input  # the SDK keeps what was complete
    assert partial.input.get("path") == "a.py"


async def test_thinking_must_come_back_with_its_tool_call() -> None:
    from tests.fakes.fake_anthropic import thinking

    block = tool_use("read", {"path": "a.py"})
    first = Reply([thinking("look first"), block])
    with FakeAnthropic([first, Reply([text("ok")]), Reply([text("ok")])]) as fake:
        client = sdk(fake)
        ask: list[anthropic.types.MessageParam] = [{"role": "user", "content": "hi"}]
        on = {"type": "adaptive"}
        reply = await client.messages.create(
            model="m",
            max_tokens=100,
            messages=ask,
            thinking=on,  # type: ignore[arg-type]
        )
        result = {"type": "tool_result", "tool_use_id": block["id"], "content": "x = 1"}
        without = [
            *ask,
            {"role": "assistant", "content": [block]},
            {"role": "user", "content": [result]},
        ]
        with pytest.raises(anthropic.BadRequestError, match="Expected `thinking`"):
            await client.messages.create(model="m", max_tokens=100, messages=without, thinking=on)  # type: ignore[arg-type]
        echoed = [
            *ask,
            {"role": "assistant", "content": [b.model_dump() for b in reply.content]},
            {"role": "user", "content": [result]},
        ]
        answer = await client.messages.create(
            model="m", max_tokens=100, messages=echoed, thinking=on
        )  # type: ignore[arg-type]
    assert answer.content[0].type == "text"


async def test_a_prompt_over_the_context_window_is_refused() -> None:
    with FakeAnthropic([Reply([text("ok")])], context_window=50) as fake:
        with pytest.raises(anthropic.BadRequestError, match="prompt is too long"):
            await sdk(fake).messages.create(
                model="m", max_tokens=10, messages=[{"role": "user", "content": "x" * 1000}]
            )
        count = await sdk(fake).messages.count_tokens(
            model="m", messages=[{"role": "user", "content": "x" * 1000}]
        )
    assert count.input_tokens > 50
