"""Counting failures in Redis within a window (sign-in, password reset): bounded lock-outs,
each subject with its own budget (an account a few failures, a client address many)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from redis.asyncio import Redis

from shared.errors import RateLimited
from shared.observability.metrics import RATE_LIMIT_REJECTIONS

# Check every key against its own limit and, only when none is used up, count one attempt on
# each: atomically, so concurrent attempts (a batch, parallel requests) cannot all pass the
# check before any failure is recorded. KEYS[i] has the limit ARGV[i + 1]; ARGV[1] is the
# window. Returns the 1-based index of the first used-up key, 0 when the attempt counts.
_ACQUIRE = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then return i end
end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[1]) end
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
class Budget:
    """At most `limit` failures of `subject` (`account:<email>`, `ip:<address>`) per window."""

    subject: str
    limit: int


@dataclass(frozen=True, slots=True)
class FailureThrottle:
    """Failures per subject in `window`; the window starts at a subject's first failure, so a
    lock-out never lasts longer than `window`. One subject's used-up budget never touches
    another's: an account locked out by guesses leaves the other accounts of the same address
    alone until the address's own (larger) budget is spent."""

    redis: Redis
    namespace: str
    window: timedelta

    def _key(self, subject: str) -> str:
        return f"throttle:{self.namespace}:{subject}"

    async def acquire(self, *budgets: Budget) -> None:
        """Count this attempt as a failure of every subject up front (give it back with
        :meth:`release` when it succeeds), or raise RateLimited (Retry-After: the time left
        of the used-up subject's window) when any has used up its budget. Check and count
        are one atomic step: parallel attempts cannot overrun."""
        keys = [self._key(budget.subject) for budget in budgets]
        window = int(self.window.total_seconds())
        limits = [budget.limit for budget in budgets]
        used_up = int(await self.redis.eval(_ACQUIRE, len(keys), *keys, window, *limits))
        if used_up:
            RATE_LIMIT_REJECTIONS.labels(self.namespace).inc()
            ttl = await self.redis.ttl(keys[used_up - 1])
            raise RateLimited(ttl if ttl > 0 else window)

    async def release(self, *subjects: str) -> None:
        """Give back an attempt counted by :meth:`acquire` that turned out not to fail."""
        keys = [self._key(subject) for subject in subjects]
        await self.redis.eval(_RELEASE, len(keys), *keys)

    async def reset(self, *subjects: str) -> None:
        """Forget every failure of the subjects (an account after a correct sign-in)."""
        await self.redis.delete(*(self._key(subject) for subject in subjects))
