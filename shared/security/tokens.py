"""JWT access tokens (PyJWT, algorithm pinned) and opaque random tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from shared.config import Settings
from shared.errors import Unauthorized
from shared.rbac import Role

ACCESS_TOKEN_KIND = "access"


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The verified content of an access token: who is calling and until when."""

    user_id: uuid.UUID
    email: str
    role: Role
    jti: str
    issued_at: datetime
    expires_at: datetime


def issue_access_token(
    settings: Settings, *, user_id: uuid.UUID, email: str, role: Role
) -> tuple[str, AccessClaims]:
    now = datetime.now(UTC)
    claims = AccessClaims(
        user_id=user_id,
        email=email,
        role=role,
        jti=uuid.uuid4().hex,
        issued_at=now,
        expires_at=(now + settings.jwt_expires_in).replace(microsecond=0),
    )
    payload = {
        "userId": str(user_id),
        "email": email,
        "role": role.value,
        # Microsecond precision (RFC 7519 allows non-integer NumericDate) so that a
        # revocation and a re-issue right after it are told apart (shared.security.denylist).
        "iat": round(now.timestamp(), 6),
        "exp": int(claims.expires_at.timestamp()),
        "jti": claims.jti,
        "typ": ACCESS_TOKEN_KIND,
    }
    token = jwt.encode(payload, settings.jwt_secret, algorithm=settings.jwt_algorithm)
    return token, claims


# Tokens already verified, by (token, secret, algorithm): a caller sends the same token with
# every request, and verifying it (base64, JSON, HMAC, claims) costs more than the rest of a
# small read's own work. A hit still checks the expiry, as a verification would; revocation is
# not cached (the deny-list is asked on every request). One cache per process, for the router's
# edge and the subgraphs alike; when full, the oldest entry is forgotten first.
_VERIFIED: dict[tuple[str, str, str], AccessClaims] = {}
VERIFIED_CACHE_SIZE = 10_000


def decode_access_token(token: str, settings: Settings) -> AccessClaims:
    """Verify signature (pinned algorithm), expiry and token kind; raise Unauthorized otherwise.
    A token verified before is only checked for expiry again."""
    key = (token, settings.jwt_secret, settings.jwt_algorithm)
    claims = _VERIFIED.get(key)
    if claims is None:
        claims = _verify(token, settings)
        if len(_VERIFIED) >= VERIFIED_CACHE_SIZE:
            del _VERIFIED[next(iter(_VERIFIED))]
        _VERIFIED[key] = claims
    elif claims.expires_at.timestamp() <= time.time():  # PyJWT's test: exp <= now
        del _VERIFIED[key]
        raise Unauthorized("The access token has expired", code="TOKEN_EXPIRED")
    return claims


def _verify(token: str, settings: Settings) -> AccessClaims:
    try:
        payload: dict[str, Any] = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[settings.jwt_algorithm],
            options={"require": ["exp", "iat", "jti", "userId", "role", "typ"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The access token has expired", code="TOKEN_EXPIRED") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("The access token is not valid", code="INVALID_TOKEN") from exc
    if payload.get("typ") != ACCESS_TOKEN_KIND:
        raise Unauthorized("The access token is not valid", code="INVALID_TOKEN")
    try:
        return AccessClaims(
            user_id=uuid.UUID(str(payload["userId"])),
            email=str(payload.get("email", "")),
            role=Role(payload["role"]),
            jti=str(payload["jti"]),
            issued_at=datetime.fromtimestamp(float(payload["iat"]), UTC),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )
    except (ValueError, TypeError) as exc:
        raise Unauthorized("The access token is not valid", code="INVALID_TOKEN") from exc


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use 'Authorization: Bearer <token>'", code="INVALID_TOKEN")
    return token.strip()


def new_opaque_token(num_bytes: int = 32) -> str:
    """A URL-safe random token (256 bits by default)."""
    return secrets.token_urlsafe(num_bytes)


def hash_opaque_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
