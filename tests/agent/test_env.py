"""The test environment carries no credentials and forces quiet, deterministic runs."""

from __future__ import annotations

import pytest

from delegate.agent.env import is_secret_name, scrubbed_environment


@pytest.mark.parametrize(
    "name",
    [
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_PROFILE",
        "VOYAGE_API_KEY",
        "GITHUB_TOKEN",
        "DJANGO_SECRET",
        "PG_PASSWORD",
        "gcp_credentials",
        "my_token",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "PGPASSWORD",
        "DATABASE_URL",
        "SECRET_KEY_BASE",
        "MYSQL_PWD",
        "APIKEY",
        "SSH_AUTH_SOCK",
    ],
)
def test_more_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["PATH", "HOME", "LANG", "KEYBOARD", "TOKENIZERS_PARALLELISM", "PWD", "OLDPWD"]
)
def test_ordinary_names(name: str) -> None:
    assert not is_secret_name(name)


def test_scrubbed_environment_drops_secrets_and_forces_flags() -> None:
    base = {"PATH": "/bin", "ANTHROPIC_API_KEY": "sk-x", "AWS_SECRET_ACCESS_KEY": "y", "CI": "0"}
    env = scrubbed_environment(base, extra={"PYTHONPATH": "/sbx", "EXTRA_TOKEN": "z"})
    assert env == {"PATH": "/bin", "CI": "1", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": "/sbx"}


def test_defaults_to_the_process_environment_through_the_allowlist(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOME_SERVICE_TOKEN", "t")
    monkeypatch.setenv("DELEGATE_TEST_PLAIN", "not on the list")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    env = scrubbed_environment()
    assert "SOME_SERVICE_TOKEN" not in env and "DELEGATE_TEST_PLAIN" not in env
    assert env["LC_ALL"] == "C.UTF-8"


def test_names_the_user_passes_get_through() -> None:
    base = {"PATH": "/bin", "DATABASE_URL": "postgres://u:p@db/x", "OTHER": "o"}
    env = scrubbed_environment(base, passed=["DATABASE_URL"])
    assert env["DATABASE_URL"] == "postgres://u:p@db/x" and "OTHER" not in env
