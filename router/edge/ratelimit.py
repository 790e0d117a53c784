"""Sliding-window rate limits in Redis: per IP when anonymous, per user when authenticated.

Each request adds a timestamped member to a sorted set; members older than the window are
dropped and the rest counted, atomically in one Lua script. Stricter limits apply to the
credential endpoints. If Redis fails the request is allowed (fail-open), logged and counted.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from router.edge.redis_guard import RedisGuard

SENSITIVE_PATHS = (
    "/api/auth/login",
    "/api/auth/register",
    "/api/auth/forgot-password",
    "/api/v1/auth/login",
    "/api/v1/auth/register",
    "/api/v1/auth/forgot-password",
)

_SCRIPT = """
local key, now, window, limit, member = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]),
  tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', key, 0, now - window)
local count = redis.call('ZCARD', key)
local added = 0
if count < limit then
  redis.call('ZADD', key, now, member)
  count = count + 1
  added = 1
end
redis.call('PEXPIRE', key, window)
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {added, count, oldest[2] or tostring(now)}
"""


@dataclass(frozen=True)
class RateLimits:
    """Requests per window: anonymous (per IP), authenticated (per user), credential routes."""

    anonymous: int = 300
    authenticated: int = 600
    sensitive: int = 10
    window_seconds: int = 60


@dataclass(frozen=True)
class Decision:
    """The outcome for one request, with what the RateLimit-* headers need."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> dict[str, str]:
        out = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.reset_seconds)
        return out


class RateLimiter:
    """Checks and records requests against :class:`RateLimits`."""

    def __init__(
        self, redis: Redis | None, limits: RateLimits, failures: Counter, guard: RedisGuard
    ) -> None:
        self.redis = redis
        self.limits = limits
        self.failures = failures
        self.guard = guard
        self._script = redis.register_script(_SCRIPT) if redis is not None else None

    async def check(self, path: str, client_ip: str, user_id: str | None) -> Decision | None:
        """The decision, or None when no limit applies (no Redis, or Redis failed)."""
        if self._script is None:
            return None
        if not self.guard.is_available():
            self.failures.inc()
            return None
        window_ms = self.limits.window_seconds * 1000
        if path.rstrip("/") in SENSITIVE_PATHS:
            limit, key = self.limits.sensitive, f"ratelimit:sensitive:{path}:{client_ip}"
        elif user_id is not None:
            limit, key = self.limits.authenticated, f"ratelimit:user:{user_id}"
        else:
            limit, key = self.limits.anonymous, f"ratelimit:ip:{client_ip}"
        now = int(time.time() * 1000)
        try:
            added, count, oldest = await self._script(
                keys=[key], args=[now, window_ms, limit, f"{now}-{uuid.uuid4().hex[:8]}"]
            )
        except (RedisError, OSError) as exc:
            self.guard.failed(exc)
            self.failures.inc()
            return None
        reset = max(1, (int(float(oldest)) + window_ms - now + 999) // 1000)
        return Decision(
            allowed=bool(int(added)),
            limit=limit,
            remaining=max(0, limit - int(count)),
            reset_seconds=reset,
        )
