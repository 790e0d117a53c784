"""The router as `mfe router` builds it, with rate limits a fuzz run cannot reach.

Every other edge duty (authentication, the deny-list, body, depth, alias and cost limits)
stays as it is; only the request budgets are raised, since one fuzz run sends thousands of
requests from one IP and one user. Served by uvicorn:
`uvicorn --factory tests.fuzz.router_app:create_app`.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette

from router.app import create_router_app
from router.edge.ratelimit import RateLimits
from router.serve import SUPERGRAPH_ENV
from shared.config import get_settings

FUZZ_RATE_LIMITS = RateLimits(anonymous=1_000_000, authenticated=1_000_000, sensitive=1_000_000)


def create_app() -> Starlette:
    return create_router_app(
        get_settings(), os.environ[SUPERGRAPH_ENV], rate_limits=FUZZ_RATE_LIMITS
    )
