"""Counting failures in Redis within a window (login, password reset): bounded lock-outs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from redis.asyncio import Redis

from shared.errors import RateLimited
from shared.observability.metrics import RATE_LIMIT_REJECTIONS

# Check every key and, only when none is used up, count one attempt on each: atomically, so
# concurrent attempts (a batch, parallel requests) cannot all pass the check before any failure
# is recorded. Returns the 1-based index of the first used-up key, 0 when the attempt counts.
_ACQUIRE = """
local limit = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= limit then return i end
end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[2]) end
end
return 0
"""
_RELEASE = """
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
"""


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

    async def acquire(self, *subjects: str) -> None:
        """Count this attempt as a failure of every subject up front (give it back with
        :meth:`release` when it succeeds), or raise RateLimited when any has used up its
        failures. Check and count are one atomic step: parallel attempts cannot overrun."""
        keys = [self._key(subject) for subject in subjects]
        window = int(self.window.total_seconds())
        used_up = int(await self.redis.eval(_ACQUIRE, len(keys), *keys, self.limit, window))
        if used_up:
            RATE_LIMIT_REJECTIONS.labels(self.namespace).inc()
            ttl = await self.redis.ttl(keys[used_up - 1])
            raise RateLimited(ttl if ttl > 0 else window)

    async def release(self, *subjects: str) -> None:
        """Give back an attempt counted by :meth:`acquire` that turned out not to fail."""
        keys = [self._key(subject) for subject in subjects]
        await self.redis.eval(_RELEASE, len(keys), *keys)

    async def record_failure(self, *subjects: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for subject in subjects:
                key = self._key(subject)
                pipe.incr(key)
                pipe.expire(key, int(self.window.total_seconds()), nx=True)
            await pipe.execute()

    async def reset(self, *subjects: str) -> None:
        await self.redis.delete(*(self._key(subject) for subject in subjects))
