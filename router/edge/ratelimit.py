"""Sliding-window rate limits in Redis: per IP when anonymous, per user when authenticated.

Each request adds a timestamped member to a sorted set; members older than the window are
dropped and the rest counted, atomically in one Lua script. For a signed-in caller the same
script first asks the deny-list (``shared.security.denylist``) whether the token is revoked:
a revoked token is refused without counting, and the edge needs one Redis round trip, not two.
Stricter limits apply to the credential endpoints. If Redis fails the request is allowed
(fail-open), logged and counted.

The limits come from settings (`RATE_LIMIT_*`); once an admin stores
`rate_limit.requests_per_minute`, that value (read from its Redis mirror, see
`shared.config_mirror`) replaces the anonymous and authenticated limits over a one-minute
window, and caps the credential routes' limit.
"""

from __future__ import annotations

import itertools
import json
import logging
import secrets
import time
from dataclasses import dataclass

from prometheus_client import Counter
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from router.edge.redis_guard import RedisGuard
from router.edge.redis_script import LeanScript
from shared.config import Settings
from shared.config_mirror import MIRROR_KEY, RATE_LIMIT_PER_MINUTE
from shared.security.denylist import issued_us, revocation_keys
from shared.security.tokens import AccessClaims

log = logging.getLogger(__name__)

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
if #KEYS == 3 then
  local denied = redis.call('GET', KEYS[2])
  if denied and denied ~= '' then
    return {-1, 0, '0'}
  end
  local not_before = redis.call('GET', KEYS[3])
  if not_before and tonumber(ARGV[5]) <= tonumber(not_before) then
    return {-1, 0, '0'}
  end
end
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
    admin_refresh_seconds: float = 5.0  # how stale the admin setting may be in this process

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits:
        return cls(
            anonymous=settings.rate_limit_anonymous,
            authenticated=settings.rate_limit_authenticated,
            sensitive=settings.rate_limit_sensitive,
            window_seconds=settings.rate_limit_window_seconds,
        )

    def with_admin_limit(self, per_minute: int | None) -> RateLimits:
        """These limits once the admin setting applies (unchanged while it is not stored)."""
        if per_minute is None:
            return self
        return RateLimits(
            anonymous=per_minute,
            authenticated=per_minute,
            sensitive=min(self.sensitive, per_minute),
            window_seconds=60,
            admin_refresh_seconds=self.admin_refresh_seconds,
        )


@dataclass(frozen=True)
class Decision:
    """The outcome for one request, with what the RateLimit-* headers need."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    revoked: bool = False  # the caller's access token is on the deny-list

    def headers(self) -> dict[str, str]:
        out = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }
        if not self.allowed:
            out["Retry-After"] = str(self.reset_seconds)
        return out


class AdminLimit:
    """`rate_limit.requests_per_minute` as last stored by an admin, re-read from the Redis
    mirror at most every `refresh_seconds`. Keeps the last good value while Redis fails."""

    def __init__(self, redis: Redis, refresh_seconds: float) -> None:
        self.redis = redis
        self.refresh_seconds = refresh_seconds
        self._value: int | None = None
        self._next_read = 0.0

    async def per_minute(self) -> int | None:
        now = time.monotonic()
        if now < self._next_read:
            return self._value
        self._next_read = now + self.refresh_seconds
        stored = await self.redis.hget(MIRROR_KEY, RATE_LIMIT_PER_MINUTE)
        self._value = _per_minute(stored)
        return self._value


def _per_minute(stored: str | bytes | None) -> int | None:
    if stored is None:
        return None
    try:
        value = json.loads(stored)
    except ValueError:
        value = None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    log.error("ignoring an invalid %s in Redis: %r", RATE_LIMIT_PER_MINUTE, stored)
    return None


class RateLimiter:
    """Checks and records requests against :class:`RateLimits`."""

    def __init__(
        self, redis: Redis | None, limits: RateLimits, failures: Counter, guard: RedisGuard
    ) -> None:
        self.redis = redis
        self.limits = limits
        self.failures = failures
        self.guard = guard
        self._script: LeanScript | AsyncScript | None = None
        if redis is not None:
            self._script = LeanScript.for_redis(redis, _SCRIPT) or redis.register_script(_SCRIPT)
        self._admin = AdminLimit(redis, limits.admin_refresh_seconds) if redis else None
        # Window members unique across processes (random prefix) and within one (a counter).
        self._member_prefix = secrets.token_hex(4) + "-"
        self._member_numbers = itertools.count()

    async def check(
        self, path: str, client_ip: str, claims: AccessClaims | None
    ) -> Decision | None:
        """The decision, or None when no limit applies (no Redis, or Redis failed): then the
        token's revocation could not be checked either, as with Redis down at the edge."""
        if self._script is None:
            return None
        if not self.guard.is_available():
            self.failures.inc()
            return None
        try:
            limits = await self._current_limits()
        except (RedisError, OSError) as exc:
            self.guard.failed(exc)
            self.failures.inc()
            return None
        window_ms = limits.window_seconds * 1000
        if path.rstrip("/") in SENSITIVE_PATHS:
            limit, key = limits.sensitive, f"ratelimit:sensitive:{path}:{client_ip}"
        elif claims is not None:
            limit, key = limits.authenticated, f"ratelimit:user:{claims.user_id}"
        else:
            limit, key = limits.anonymous, f"ratelimit:ip:{client_ip}"
        now = int(time.time() * 1000)
        keys = [key]
        member = f"{now}-{self._member_prefix}{next(self._member_numbers)}"
        args: list[int | str] = [now, window_ms, limit, member]
        if claims is not None:
            keys.extend(revocation_keys(claims))
            args.append(issued_us(claims))
        try:
            added, count, oldest = await self._script(keys=keys, args=args)
        except (RedisError, OSError) as exc:
            self.guard.failed(exc)
            self.failures.inc()
            return None
        if int(added) < 0:
            return Decision(allowed=False, limit=limit, remaining=0, reset_seconds=0, revoked=True)
        reset = max(1, (int(float(oldest)) + window_ms - now + 999) // 1000)
        return Decision(
            allowed=bool(int(added)),
            limit=limit,
            remaining=max(0, limit - int(count)),
            reset_seconds=reset,
        )

    def close(self) -> None:
        if isinstance(self._script, LeanScript):
            self._script.close()

    async def _current_limits(self) -> RateLimits:
        per_minute = await self._admin.per_minute() if self._admin is not None else None
        return self.limits.with_admin_limit(per_minute)
