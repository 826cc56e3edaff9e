"""Secrets never reach a trace or a log: each known shape is masked, ordinary text survives."""

from __future__ import annotations

import pytest

from delegate.agent.redact import MASK, Redactor, redact

CASES = [
    ("key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123 end", "sk-ant-api03-abcdefghijklmnop"),
    ("Authorization: Bearer abc.def-ghi_jkl012345", "abc.def-ghi_jkl012345"),
    ("aws AKIAIOSFODNN7EXAMPLE here", "AKIAIOSFODNN7EXAMPLE"),
    ("export GITHUB_TOKEN=ghp_1234567890abcdef", "ghp_1234567890abcdef"),
    ('{"db_password": "hunter2hunter2"}', "hunter2hunter2"),
    ("STRIPE_SECRET: 'rk_live_abcdefg'", "rk_live_abcdefg"),
    (
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----",
        "MIIEowIBAAKCAQEA",
    ),
]


@pytest.mark.parametrize(("text", "secret"), CASES)
def test_secret_shapes_are_masked(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert MASK in out


def test_known_secret_is_masked_wherever_it_appears() -> None:
    redactor = Redactor(["plainlookingvalue42"])
    assert redactor.text("x=plainlookingvalue42;") == f"x={MASK};"


@pytest.mark.parametrize(
    "text",
    [
        "def get_key(self): return self.key",
        "tokens = tokenize(source)",
        "x = 1  # the secret sauce",
    ],
)
def test_ordinary_code_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_nested_values_are_redacted_and_keys_kept() -> None:
    value = {"headers": {"x-api-key": "sk-ant-api03-qqqqqqqqqqqqqqqqqqqqqqqq"}, "n": [1, "ok"]}
    out = Redactor().value(value)
    assert out == {"headers": {"x-api-key": MASK}, "n": [1, "ok"]}
