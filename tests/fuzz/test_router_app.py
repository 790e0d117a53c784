"""The fuzz router's budgets (router_app.py) hold even once the ADMIN run stores a limit."""

from __future__ import annotations

from router.edge.ratelimit import RateLimits
from tests.fuzz.router_app import FUZZ_RATE_LIMITS


def test_a_stored_per_minute_limit_does_not_lock_the_fuzz_run_out() -> None:
    """An ADMIN run may store `rate_limit.requests_per_minute` = 1 (a valid value); the run's
    later requests must not all be 429s. A real router still applies it."""
    assert FUZZ_RATE_LIMITS.with_admin_limit(1) == FUZZ_RATE_LIMITS
    assert FUZZ_RATE_LIMITS.authenticated >= 1_000_000
    assert RateLimits().with_admin_limit(1).authenticated == 1
