"""Verify the caller's access token once at the edge (pinned algorithm, expiry, deny-list).

A request without a token passes as anonymous (subgraphs decide what anonymous may do); a
request with a bad, expired or revoked token is refused with 401. If Redis cannot be asked
about revocation the token is accepted (logged): subgraphs verify again.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.requests import Request

from router.edge.redis_guard import RedisGuard
from shared.config import Settings
from shared.errors import Unauthorized
from shared.security.denylist import is_revoked
from shared.security.tokens import AccessClaims, bearer_token, decode_access_token


async def authenticate(
    request: Request, settings: Settings, redis: Redis | None, guard: RedisGuard
) -> AccessClaims | None:
    """The verified claims, None for anonymous; raises :class:`Unauthorized`."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        return None
    claims = decode_access_token(token, settings)
    if redis is not None and guard.is_available():
        try:
            revoked = await is_revoked(redis, claims)
        except (RedisError, OSError) as exc:
            guard.failed(exc)
            revoked = False
        if revoked:
            raise Unauthorized("The access token has been revoked", code="TOKEN_REVOKED")
    return claims
