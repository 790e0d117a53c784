"""Counting failures in Redis within a window (login, password reset): bounded lock-outs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from redis.asyncio import Redis

from shared.errors import RateLimited
from shared.observability.metrics import RATE_LIMIT_REJECTIONS


@dataclass(frozen=True, slots=True)
class FailureThrottle:
    """At most `limit` failures per key in `window`; the window starts at the first failure,
    so a lock-out never lasts longer than `window`."""

    redis: Redis
    namespace: str
    limit: int
    window: timedelta

    def _key(self, subject: str) -> str:
        return f"throttle:{self.namespace}:{subject}"

    async def check(self, *subjects: str) -> None:
        """Raise RateLimited when any subject has used up its failures."""
        keys = [self._key(subject) for subject in subjects]
        counts = await self.redis.mget(keys)
        for key, count in zip(keys, counts, strict=True):
            if count is not None and int(count) >= self.limit:
                RATE_LIMIT_REJECTIONS.labels(self.namespace).inc()
                ttl = await self.redis.ttl(key)
                raise RateLimited(ttl if ttl > 0 else int(self.window.total_seconds()))

    async def record_failure(self, *subjects: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for subject in subjects:
                key = self._key(subject)
                pipe.incr(key)
                pipe.expire(key, int(self.window.total_seconds()), nx=True)
            await pipe.execute()

    async def reset(self, *subjects: str) -> None:
        await self.redis.delete(*(self._key(subject) for subject in subjects))
