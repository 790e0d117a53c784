"""The router as `mfe router` builds it, with rate limits a fuzz run cannot reach.

Every other edge duty (authentication, the deny-list, body, depth, alias and cost limits)
stays as it is; only the request budgets are raised, since one fuzz run sends thousands of
requests from one IP and one user. They stay raised when the ADMIN run stores
`rate_limit.requests_per_minute` (PUT /api/admin/config, the updateSystemConfig mutation):
a real router applies it within 5 s, so a run that stored 1 (the documented minimum: any
seed may send it) would answer its own later requests with 429 and fuzz nothing more.
The store itself is still fuzzed and checked; that the router applies it is tested in
tests/e2e/test_admin_profile_through_router.py, and the combined document declares the 429.
Served by uvicorn: `uvicorn --factory tests.fuzz.router_app:create_app`.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette

from router.app import create_router_app
from router.edge.ratelimit import RateLimits
from router.serve import SUPERGRAPH_ENV
from shared.config import get_settings


class FuzzRateLimits(RateLimits):
    """Budgets an admin's stored per-minute limit does not lower (see the module's doc)."""

    def with_admin_limit(self, per_minute: int | None) -> RateLimits:
        return self


FUZZ_RATE_LIMITS = FuzzRateLimits(anonymous=1_000_000, authenticated=1_000_000, sensitive=1_000_000)


def create_app() -> Starlette:
    return create_router_app(
        get_settings(), os.environ[SUPERGRAPH_ENV], rate_limits=FUZZ_RATE_LIMITS
    )
