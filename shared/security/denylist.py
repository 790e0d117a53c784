"""Access tokens stopped before they expire: a per-token deny-list and a per-user not-before."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from shared.security.tokens import AccessClaims

_TOKEN_KEY = "auth:denied-jti:{}"
_USER_KEY = "auth:not-before:{}"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


async def revoke_token(redis: Redis, claims: AccessClaims) -> None:
    """Deny one access token until it would have expired anyway."""
    ttl = int((claims.expires_at - datetime.now(UTC)).total_seconds()) + 1
    if ttl > 0:
        await redis.set(_TOKEN_KEY.format(claims.jti), "1", ex=ttl)


async def revoke_all_for_user(redis: Redis, user_id: uuid.UUID, ttl_seconds: int) -> None:
    """Deny every access token of a user issued up to now (role change, deactivation, reset)."""
    # In microseconds, rounded up and compared with `<=`: a token's `iat` carries its issue
    # time's microsecond, so one issued in the revocation's own microsecond, before it, is still
    # refused; a token issued after the revocation's round trip (a re-login, the fresh pair of a
    # password change) is tens of microseconds later and passes. Milliseconds were too coarse:
    # the fresh pair issued right after the revocation fell in its millisecond.
    now_us = -(-time.time_ns() // 1000)
    await redis.set(_USER_KEY.format(user_id), str(now_us), ex=ttl_seconds + 1)


def revocation_keys(claims: AccessClaims) -> tuple[str, str]:
    """The two keys that say whether `claims` were revoked, for a caller that reads them in
    one round trip with other keys (`is_revoked_by` reads the values)."""
    return _TOKEN_KEY.format(claims.jti), _USER_KEY.format(claims.user_id)


def issued_us(claims: AccessClaims) -> int:
    """When the token was issued, in the not-before key's unit (microseconds since the epoch,
    exact: no float), for a caller that compares it inside a Redis script."""
    return (claims.issued_at - _EPOCH) // _MICROSECOND


def is_revoked_by(
    claims: AccessClaims, denied: bytes | str | None, not_before: bytes | str | None
) -> bool:
    """Whether `claims` are revoked, given the values of `revocation_keys(claims)` (decoded
    or not)."""
    if denied:
        return True
    return not_before is not None and issued_us(claims) <= int(not_before)


async def is_revoked(redis: Redis, claims: AccessClaims) -> bool:
    """True when the token was revoked itself or issued before its user's not-before."""
    denied, not_before = await redis.mget(*revocation_keys(claims))
    return is_revoked_by(claims, denied, not_before)
