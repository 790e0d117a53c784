"""The failure throttle under concurrency: check and count are one atomic step."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from shared.errors import RateLimited
from shared.security.throttle import FailureThrottle


async def _try(throttle: FailureThrottle, *subjects: str) -> bool:
    try:
        await throttle.acquire(*subjects)
    except RateLimited:
        return False
    return True


async def test_parallel_attempts_cannot_overrun_the_limit(redis: Redis) -> None:
    throttle = FailureThrottle(redis, "race", 5, timedelta(minutes=1))
    admitted = await asyncio.gather(*(_try(throttle, "account:a", "ip:1") for _ in range(50)))
    assert sum(admitted) == 5
    assert 0 < await redis.ttl("throttle:race:account:a") <= 60
    with pytest.raises(RateLimited):
        await throttle.acquire("ip:1")


async def test_a_released_attempt_is_not_a_failure(redis: Redis) -> None:
    throttle = FailureThrottle(redis, "race", 2, timedelta(minutes=1))
    for _ in range(10):
        await throttle.acquire("ip:2")
        await throttle.release("ip:2")
    await throttle.acquire("ip:2")
    await throttle.acquire("ip:2")
    with pytest.raises(RateLimited):
        await throttle.acquire("ip:2")
    await throttle.release("never-seen")
    assert await redis.get("throttle:race:never-seen") is None
