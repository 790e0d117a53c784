"""Degraded, not broken: a subgraph killed under load costs only its own fields (the router
answers them with an error and recovers when it returns); with Redis down the router's rate
limits fail open while the subgraphs' deny-list checks fail closed — and both are logged."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from typing import Any

import httpx

from shared.rbac import Role
from shared.resources import open_resources
from tests.factories import create_user
from tests.faults.conftest import FaultPlatform

ME_AND_PAYMENTS = "{ me { id email payments(first: 3) { edges { node { id } } } } }"


async def _token(faults: FaultPlatform) -> str:
    async with open_resources(faults.settings) as resources:
        return (await create_user(resources, Role.CUSTOMER)).token


async def _ask(http: httpx.AsyncClient, token: str, query: str) -> tuple[int, dict[str, Any]]:
    response = await http.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    return response.status_code, response.json()


async def test_a_subgraph_killed_under_load(faults: FaultPlatform) -> None:
    token = await _token(faults)
    outcomes: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=faults.router.url, timeout=10) as http:
        status, body = await _ask(http, token, ME_AND_PAYMENTS)
        assert status == 200 and "errors" not in body, body
        stop = asyncio.Event()

        async def load(token: str) -> None:
            for _ in range(400):
                if stop.is_set():
                    return
                status, body = await _ask(http, token, ME_AND_PAYMENTS)
                assert status < 500, body
                if "errors" in body:
                    codes = {(e.get("extensions") or {}).get("code") for e in body["errors"]}
                    assert codes and "INTERNAL_ERROR" not in codes, body
                    outcomes["answered with an error"] += 1
                else:
                    outcomes["full"] += 1
                # auth's own fields never depend on the payments subgraph
                status, body = await _ask(http, token, "{ me { id email } }")
                assert status == 200 and body["data"]["me"]["id"], body
                outcomes["auth only"] += 1
                await asyncio.sleep(0.1)

        tokens = [await _token(faults) for _ in range(4)]  # per-user limit: 600/min each
        tasks = [asyncio.create_task(load(t)) for t in tokens]
        await asyncio.sleep(1.0)
        faults.subgraphs["payments"].stop(signal.SIGKILL)
        await asyncio.sleep(1.0)
        status, body = await _ask(http, token, ME_AND_PAYMENTS)
        # User.payments is non-null: its error nulls `me` (GraphQL null propagation)
        assert status == 200 and body["data"] is None, body
        codes = {(e.get("extensions") or {}).get("code") for e in body["errors"]}
        assert codes and "INTERNAL_ERROR" not in codes, body
        assert any("payments" in str(e.get("path")) for e in body["errors"]), body
        status, body = await _ask(http, token, "{ payments(limit: 1) { edges { node { id } } } }")
        assert status < 500 and body["errors"], body
        rest = await http.get("/api/payments", headers={"Authorization": f"Bearer {token}"})
        assert rest.status_code == 503, rest.text
        assert rest.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
        await asyncio.to_thread(faults.restart_subgraph, "payments")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            status, body = await _ask(http, token, ME_AND_PAYMENTS)
            if status == 200 and "errors" not in body:
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError(f"no recovery: {body}")
        await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*tasks)
    assert outcomes["answered with an error"] and outcomes["full"], outcomes
    print(f"\nsubgraph kill: {dict(outcomes)}")


async def test_redis_down_rate_limits_open_deny_list_closed(faults: FaultPlatform) -> None:
    token = await _token(faults)
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=faults.router.url, timeout=10) as http:
        assert (await http.get("/api/payments", headers=auth)).status_code == 200
        faults.redis_server.kill()
        try:
            # the router's limiter fails open: anonymous traffic still flows
            for _ in range(3):
                anonymous = await http.post("/graphql", json={"query": "{ __typename }"})
                assert anonymous.status_code == 200, anonymous.text
                health = await http.get("/api/auth/openapi.json")
                assert health.status_code == 200
            # the subgraphs cannot check the deny-list: a token is refused, not trusted
            for _ in range(3):
                refused = await http.get("/api/payments", headers=auth)
                assert refused.status_code in (401, 503), refused.text
                status, body = await _ask(http, token, "{ me { id } }")
                assert status < 500 and body.get("data") is None, body
                codes = {(e.get("extensions") or {}).get("code") for e in body["errors"]}
                assert "INTERNAL_ERROR" not in codes, body
        finally:
            await asyncio.to_thread(faults.redis_server.start)
        deadline = time.monotonic() + 15
        while (await http.get("/api/payments", headers=auth)).status_code != 200:
            assert time.monotonic() < deadline, "no recovery after Redis returned"
            await asyncio.sleep(0.2)
    logs = faults.logs()
    assert "Redis unavailable at the edge" in logs
    assert "deny-list unavailable; refusing the token" in logs
