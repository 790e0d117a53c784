"""Typed settings, read once from the environment (names from the design's §10.2)."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789abcdef"
DEV_SUBGRAPH_SECRET = "dev-only-subgraph-secret"
MIN_PRODUCTION_SECRET_LENGTH = 32

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> timedelta:
    """Accept `15m`, `7d`, `3600` (seconds) or a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    text = str(value)
    if text.isdigit():
        return timedelta(seconds=int(text))
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 15m, 7d, 3600)")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_env: Environment = Environment.DEVELOPMENT
    database_url: str | None = None
    redis_url: str | None = None
    data_dir: str = ".mfe"

    jwt_secret: str = DEV_JWT_SECRET
    jwt_algorithm: str = "HS256"
    jwt_expires_in: timedelta = timedelta(minutes=15)
    jwt_refresh_expires_in: timedelta = timedelta(days=7)
    password_reset_expires_in: timedelta = timedelta(minutes=30)
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)

    api_port: int = 3000
    host: str = "127.0.0.1"
    cors_origin: Annotated[list[str], NoDecode] = ["http://localhost:9001"]
    trusted_proxies: Annotated[list[str], NoDecode] = []
    subgraph_secret: str = DEV_SUBGRAPH_SECRET
    max_body_bytes: int = 1024 * 1024

    # Router rate limits per window: per IP when anonymous, per user when signed in, and per
    # IP on the credential routes. The admin setting `rate_limit.requests_per_minute`, once
    # stored, replaces the first two (see router.edge.ratelimit).
    rate_limit_anonymous: int = Field(default=300, ge=1)
    rate_limit_authenticated: int = Field(default=600, ge=1)
    rate_limit_sensitive: int = Field(default=10, ge=1)
    rate_limit_window_seconds: int = Field(default=60, ge=1)

    # Failed sign-ins per window: per account, and per client address over all accounts (the
    # defaults of the admin settings auth.max_failed_logins and auth.max_failed_logins_per_ip).
    login_max_failures: int = 5
    login_max_failures_per_ip: int = Field(default=100, ge=1)
    login_failure_window: timedelta = timedelta(minutes=15)
    db_pool_size: int = 10

    otel_exporter_otlp_endpoint: str | None = None  # tracing is off without it
    sentry_dsn: str | None = None

    @field_validator("cors_origin", "trusted_proxies", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator(
        "jwt_expires_in",
        "jwt_refresh_expires_in",
        "password_reset_expires_in",
        "login_failure_window",
        mode="before",
    )
    @classmethod
    def _durations(cls, value: Any) -> timedelta:
        return parse_duration(value)

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        if self.app_env is Environment.PRODUCTION:
            for name, default in (
                ("jwt_secret", DEV_JWT_SECRET),
                ("subgraph_secret", DEV_SUBGRAPH_SECRET),
            ):
                value = getattr(self, name)
                if value == default or len(value) < MIN_PRODUCTION_SECRET_LENGTH:
                    raise ValueError(
                        f"{name.upper()} must be set to a random value of at least "
                        f"{MIN_PRODUCTION_SECRET_LENGTH} characters in production"
                    )
        return self

    @property
    def is_production(self) -> bool:
        return self.app_env is Environment.PRODUCTION

    @property
    def async_database_url(self) -> str:
        """The DATABASE_URL with the asyncpg driver, whatever scheme it was given with."""
        if not self.database_url:
            raise RuntimeError("DATABASE_URL is not set")
        url = self.database_url
        for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+asyncpg://" + url[len(prefix) :]
        raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, got {url.split(':')[0]}")


@lru_cache
def get_settings() -> Settings:
    return Settings()
