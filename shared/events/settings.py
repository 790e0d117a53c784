"""Tuning of the event hub, read from the environment (`EVENTS_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EventSettings(BaseSettings):
    """`max_attempts` tries of a handler before its message goes to the dead-letter stream;
    `visibility_timeout` seconds before another consumer may take over a message whose
    consumer went silent (so `read_count` handler runs must fit well within it)."""

    model_config = SettingsConfigDict(env_prefix="EVENTS_", env_file=".env", extra="ignore")

    max_attempts: int = Field(default=5, ge=1)
    retry_base_seconds: float = Field(default=0.2, gt=0)
    retry_max_seconds: float = Field(default=10.0, gt=0)
    visibility_timeout: float = Field(default=30.0, gt=0)
    read_count: int = Field(default=50, ge=1)
    read_block_ms: int = Field(default=1000, ge=1, le=1500)  # below the Redis socket timeout
    relay_batch_size: int = Field(default=200, ge=1)
    relay_poll_seconds: float = Field(default=0.2, gt=0)
    stream_max_length: int = Field(default=1_000_000, ge=1000)
    # `/metrics` of the relay and consumer processes (they serve no HTTP otherwise).
    relay_metrics_port: int | None = None
    consumers_metrics_port: int | None = None
