"""Verify the caller's access token once at the edge (pinned algorithm, expiry, token kind).

A request without a token passes as anonymous (subgraphs decide what anonymous may do); a
request with a bad or expired token is refused with 401. Whether the token is revoked is asked
of Redis on every request, in the rate limiter's script (``router/edge/ratelimit.py``); if
Redis cannot be asked the token is accepted (logged): subgraphs verify again.
"""

from __future__ import annotations

import time

from shared.config import Settings
from shared.security.tokens import AccessClaims, bearer_token, decode_access_token

# Verified tokens remembered at most; the oldest is forgotten first.
VERIFIED_TOKENS = 10_000


class TokenVerifier:
    """Access tokens → their verified claims. A token that verified once is remembered until
    its ``exp`` (the moment PyJWT would refuse it), so its signature is not checked again on
    every request; a token that fails is checked again each time."""

    def __init__(self, settings: Settings, size: int = VERIFIED_TOKENS) -> None:
        self.settings = settings
        self.size = size
        self._verified: dict[str, tuple[AccessClaims, float]] = {}

    def claims(self, authorization: str | None) -> AccessClaims | None:
        """The verified claims, None for anonymous; raises :class:`Unauthorized`."""
        token = bearer_token(authorization)
        if token is None:
            return None
        known = self._verified.get(token)
        if known is not None:
            claims, expires = known
            if time.time() < expires:
                return claims
            del self._verified[token]
        claims = decode_access_token(token, self.settings)
        if len(self._verified) >= self.size:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (claims, claims.expires_at.timestamp())
        return claims
