"""The asyncio Redis client every service shares."""

from __future__ import annotations

from redis.asyncio import Redis

from shared.config import Settings


def make_redis(settings: Settings) -> Redis:
    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set")
    return Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=2,
        health_check_interval=30,
    )
