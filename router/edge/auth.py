"""The caller at the edge: the access token verified once (pinned algorithm, expiry, token kind).

A request without a token passes as anonymous (subgraphs decide what anonymous may do). A token
that is bad, expired or revoked is refused with 401 and its code (``INVALID_TOKEN``,
``TOKEN_EXPIRED``, ``TOKEN_REVOKED``) where the request needs a caller; where it needs none —
a REST route the subgraphs' OpenAPI documents declare without ``security`` (login, refresh,
register, …), a GraphQL operation whose fields all answer anonymous callers — the token is
dropped and the request goes on as anonymous: not forwarded, rate-limited per IP. A client
holding a stale token (a React app's axios defaults) can then still sign in or refresh.

Verification uses ``shared.security.tokens`` (its cache of verified tokens, until their
``exp``). Whether the token is revoked is asked of Redis on every request, in the rate
limiter's script (``router/edge/ratelimit.py``); if Redis cannot be asked the token is accepted
(logged): subgraphs verify again.
"""

from __future__ import annotations

from typing import Any

from shared.config import Settings
from shared.errors import Unauthorized
from shared.security.tokens import AccessClaims, bearer_token, decode_access_token

REVOKED = "TOKEN_REVOKED"


def verified_claims(authorization: str | None, settings: Settings) -> AccessClaims | None:
    """The verified claims, None for anonymous; raises :class:`Unauthorized`."""
    token = bearer_token(authorization)
    return None if token is None else decode_access_token(token, settings)


def revoked() -> Unauthorized:
    return Unauthorized("The access token has been revoked", code=REVOKED)


def needed_a_caller(result: dict[str, Any]) -> bool:
    """Whether a GraphQL result, executed as anonymous, was refused somewhere for want of a
    caller (a subgraph's ``UNAUTHORIZED``): the operation was not one anonymous may run."""
    for error in result.get("errors") or ():
        extensions = error.get("extensions") if isinstance(error, dict) else None
        if isinstance(extensions, dict) and extensions.get("code") == Unauthorized.code:
            return True
    return False
