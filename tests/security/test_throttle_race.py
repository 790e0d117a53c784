"""The failure throttle under concurrency: check and count are one atomic step."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from shared.errors import RateLimited
from shared.security.throttle import Budget, FailureThrottle

WINDOW = timedelta(minutes=1)


async def _try(throttle: FailureThrottle, *budgets: Budget) -> bool:
    try:
        await throttle.acquire(*budgets)
    except RateLimited:
        return False
    return True


async def test_parallel_attempts_cannot_overrun_the_limit(redis: Redis) -> None:
    throttle = FailureThrottle(redis, "race", WINDOW)
    account, address = Budget("account:a", 5), Budget("ip:1", 5)
    admitted = await asyncio.gather(*(_try(throttle, account, address) for _ in range(50)))
    assert sum(admitted) == 5
    assert 0 < await redis.ttl("throttle:race:account:a") <= 60
    with pytest.raises(RateLimited):
        await throttle.acquire(address)


async def test_each_subject_has_its_own_budget(redis: Redis) -> None:
    """Parallel guesses at many accounts from one address: each account stops at its own
    limit, the address at its larger one, never more in all."""
    throttle = FailureThrottle(redis, "race", WINDOW)
    address = Budget("ip:3", 12)
    attempts = [Budget(f"account:{n % 4}", 5) for n in range(40)]
    admitted = await asyncio.gather(*(_try(throttle, a, address) for a in attempts))
    assert sum(admitted) == 12
    counts = [int(await redis.get(f"throttle:race:account:{n}") or 0) for n in range(4)]
    assert sum(counts) == 12 and max(counts) <= 5
    assert await _try(throttle, Budget("account:9", 5), Budget("ip:4", 12))


async def test_a_released_attempt_is_not_a_failure(redis: Redis) -> None:
    throttle = FailureThrottle(redis, "race", WINDOW)
    address = Budget("ip:2", 2)
    for _ in range(10):
        await throttle.acquire(address)
        await throttle.release("ip:2")
    await throttle.acquire(address)
    await throttle.acquire(address)
    with pytest.raises(RateLimited):
        await throttle.acquire(address)
    await throttle.release("never-seen")
    assert await redis.get("throttle:race:never-seen") is None
