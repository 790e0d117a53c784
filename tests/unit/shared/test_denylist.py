"""The per-user not-before: a token issued in the revocation's own millisecond, before it, is
refused although its `iat` is rounded (up, too) to the millisecond."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta

from shared.rbac import Role
from shared.security.denylist import is_revoked_by
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


def test_a_token_issued_in_the_revocations_millisecond_is_refused() -> None:
    issued = datetime(2026, 12, 5, 12, 0, 0, 456_700, tzinfo=UTC)  # iat rounds up to .457
    revoked_at = issued + timedelta(microseconds=200)  # .4569: same millisecond, later
    not_before = str(math.ceil(revoked_at.timestamp() * 1000))  # as revoke_all_for_user writes it
    assert is_revoked_by(_issued(issued), None, not_before)
    assert is_revoked_by(_issued(issued - timedelta(seconds=1)), None, not_before.encode())
    assert not is_revoked_by(_issued(issued + timedelta(milliseconds=2)), None, not_before)
    assert not is_revoked_by(_issued(issued), None, None)
