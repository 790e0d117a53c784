from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from shared.config import Settings, parse_duration
from shared.http.client_ip import client_ip


@pytest.mark.parametrize(
    ("text", "expected"),
    [("15m", timedelta(minutes=15)), ("7d", timedelta(days=7)), ("3600", timedelta(hours=1))],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_bad_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration("soon")


def test_production_refuses_default_or_short_secrets() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(app_env="production", _env_file=None)  # type: ignore[call-arg, arg-type]
    with pytest.raises(ValidationError):
        Settings(  # type: ignore[call-arg]
            app_env="production",  # type: ignore[arg-type]
            jwt_secret="short",
            subgraph_secret="s" * 40,
            _env_file=None,
        )
    ok = Settings(  # type: ignore[call-arg]
        app_env="production",  # type: ignore[arg-type]
        jwt_secret="j" * 40,
        subgraph_secret="s" * 40,
        _env_file=None,
    )
    assert ok.is_production


def test_lists_come_from_comma_separated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGIN", "http://a.test, http://b.test")
    monkeypatch.setenv("JWT_EXPIRES_IN", "5m")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.cors_origin == ["http://a.test", "http://b.test"]
    assert settings.jwt_expires_in == timedelta(minutes=5)


def test_database_url_gets_the_asyncpg_driver() -> None:
    settings = Settings(database_url="postgres://u@h:5432/db", _env_file=None)  # type: ignore[call-arg]
    assert settings.async_database_url == "postgresql+asyncpg://u@h:5432/db"


def test_client_ip_trusts_forwarded_for_only_from_proxies() -> None:
    trusted = {"10.0.0.1"}
    assert client_ip("203.0.113.9", "1.2.3.4", trusted) == "203.0.113.9"
    assert client_ip("10.0.0.1", "1.2.3.4", trusted) == "1.2.3.4"
    assert client_ip("10.0.0.1", "6.6.6.6, 1.2.3.4, 10.0.0.1", trusted) == "1.2.3.4"
    assert client_ip("10.0.0.1", None, trusted) == "10.0.0.1"
