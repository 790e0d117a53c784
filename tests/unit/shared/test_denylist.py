"""The per-user not-before, in microseconds: a token issued in the revocation's own microsecond,
before it, is refused; one issued after the revocation's round trip (the fresh pair of a
password change, a few tens of microseconds later) passes. The real round trip is in
tests/integration/auth/test_stale_token.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared.rbac import Role
from shared.security.denylist import is_revoked_by, issued_us
from shared.security.tokens import AccessClaims


def _issued(at: datetime) -> AccessClaims:
    return AccessClaims(
        user_id=uuid.uuid4(),
        email="u@example.com",
        role=Role.CUSTOMER,
        jti=uuid.uuid4().hex,
        issued_at=at,
        expires_at=at + timedelta(minutes=15),
    )


def test_issued_us_is_the_exact_microsecond() -> None:
    at = datetime(2026, 12, 5, 12, 0, 0, 456_789, tzinfo=UTC)
    assert issued_us(_issued(at)) == 1_796_472_000_456_789


def test_a_token_issued_in_the_revocations_microsecond_is_refused() -> None:
    issued = datetime(2026, 12, 5, 12, 0, 0, 456_789, tzinfo=UTC)
    revoked_at_ns = issued_us(_issued(issued)) * 1000 + 400  # same microsecond, later
    not_before = str(-(-revoked_at_ns // 1000))  # as revoke_all_for_user writes it (rounded up)
    assert is_revoked_by(_issued(issued), None, not_before)
    assert is_revoked_by(_issued(issued - timedelta(seconds=1)), None, not_before.encode())
    assert not is_revoked_by(_issued(issued + timedelta(microseconds=2)), None, not_before)
    assert not is_revoked_by(_issued(issued), None, None)
