"""Subscriptions through the router's WebSocket: the router forwards `connection_init` and the
subscription to the payments subgraph (with the router secret) and its frames back; a status
change an ADMIN makes through REST reaches the payment's owner."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError
from websockets.typing import Subprotocol

from shared.events.relay import Relay
from shared.events.settings import EventSettings
from shared.graphql.context import Resources
from shared.rbac import Role
from tests.factories import create_user
from tests.harness import RunningProcess

PROTOCOL = Subprotocol("graphql-transport-ws")
FIELDS = "paymentId fromStatus toStatus currency"


@pytest.fixture
async def relay(resources: Resources, redis: Redis) -> AsyncIterator[None]:
    """The outbox relay (`mfe relay`), which the platform fixture does not run."""
    stop = asyncio.Event()
    options = EventSettings(relay_poll_seconds=0.02, _env_file=None)  # type: ignore[call-arg]
    task = asyncio.create_task(Relay(resources.session_factory, redis, options).run(stop))
    yield
    stop.set()
    await task


def ws_url(gateway: RunningProcess) -> str:
    return f"ws://127.0.0.1:{gateway.port}/graphql"


async def next_message(socket: ClientConnection, within: float = 10.0) -> dict[str, Any]:
    async with asyncio.timeout(within):
        message: dict[str, Any] = json.loads(await socket.recv())
    return message


async def open_socket(gateway: RunningProcess, token: str | None) -> ClientConnection:
    socket = await connect(ws_url(gateway), subprotocols=[PROTOCOL])
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    return socket


async def test_a_subscriber_sees_an_admins_status_change(
    gateway: RunningProcess, client: httpx.AsyncClient, resources: Resources, relay: None
) -> None:
    owner = await create_user(resources, Role.VENDOR)  # a request stays `initiated`
    admin = await create_user(resources, Role.ADMIN)
    created = await client.post(
        "/api/payments",
        json={"type": "initiate", "amount": "12.00", "currency": "USD"},
        headers=owner.headers,
    )
    assert created.status_code == 201, created.text
    payment = created.json()["data"]["id"]

    socket = await open_socket(gateway, owner.token)
    assert (await next_message(socket))["type"] == "connection_ack"
    await socket.send(json.dumps({"type": "ping"}))
    assert (await next_message(socket)) == {"type": "pong"}
    query = f'subscription {{ paymentStatusChanged(paymentId: "{payment}") {{ {FIELDS} }} }}'
    await socket.send(json.dumps({"id": "s1", "type": "subscribe", "payload": {"query": query}}))
    # A query over the same socket is answered by the router.
    await socket.send(
        json.dumps({"id": "q1", "type": "subscribe", "payload": {"query": "{ __typename }"}})
    )
    assert (await next_message(socket)) == {
        "id": "q1",
        "type": "next",
        "payload": {"data": {"__typename": "Query"}},
    }
    assert (await next_message(socket)) == {"id": "q1", "type": "complete"}
    await asyncio.sleep(0.3)  # the subscription is listening upstream

    changed = await client.post(
        f"/api/payments/{payment}/status", json={"status": "processing"}, headers=admin.headers
    )
    assert changed.status_code == 200, changed.text
    message = await next_message(socket)
    assert message["id"] == "s1" and message["type"] == "next", message
    update = message["payload"]["data"]["paymentStatusChanged"]
    assert update["paymentId"] == payment
    assert update["toStatus"] == "processing"
    await socket.send(json.dumps({"id": "s1", "type": "complete"}))
    await socket.close()


async def test_invalid_operations_and_tokens_are_refused(gateway: RunningProcess) -> None:
    socket = await open_socket(gateway, None)
    assert (await next_message(socket))["type"] == "connection_ack"
    bad = {"query": "subscription { noSuchField }"}
    await socket.send(json.dumps({"id": "x", "type": "subscribe", "payload": bad}))
    message = await next_message(socket)
    assert message["id"] == "x" and message["type"] == "error"
    assert "noSuchField" in message["payload"][0]["message"]
    await socket.close()

    # The subgraph refuses a forged token; the router passes its close code on.
    socket = await open_socket(gateway, "forged")
    with pytest.raises(ConnectionClosedError) as closed:
        await next_message(socket)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
