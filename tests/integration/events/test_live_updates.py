"""Live payment updates over a real WebSocket (graphql-transport-ws): a status change made by
another user (an ADMIN) reaches the payment's owner through outbox → relay → stream → the
subgraph's feed, and nothing about a payment the subscriber may not see ever does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.typing import Subprotocol

from shared.events.relay import Relay
from shared.events.settings import EventSettings
from shared.graphql.context import Resources
from shared.rbac import Role
from shared.security.denylist import revoke_token
from shared.security.tokens import decode_access_token
from subgraphs.payments.app import create_app
from subgraphs.payments.settings import PaymentsSettings, ProcessorKind
from tests.conftest import TEST_SUBGRAPH_SECRET
from tests.factories import TestUser as User
from tests.harness import free_port

PROTOCOL = Subprotocol("graphql-transport-ws")
ROUTER = {"X-Router-Secret": TEST_SUBGRAPH_SECRET}
UPDATE_FIELDS = "paymentId fromStatus toStatus amount currency eventId"


@dataclass
class LiveSubgraph:
    url: str
    http: httpx.AsyncClient

    async def create_payment(self, user: User) -> str:
        response = await self.http.post(
            "/api/payments",
            json={"type": "payment", "amount": "25.50", "currency": "USD"},
            headers=user.headers,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    async def set_status(self, admin: User, payment_id: str, status: str) -> None:
        response = await self.http.post(
            f"/api/payments/{payment_id}/status", json={"status": status}, headers=admin.headers
        )
        assert response.status_code == 200, response.text


@pytest.fixture
async def live(resources: Resources, redis: Redis) -> AsyncIterator[LiveSubgraph]:
    """The payments subgraph served by uvicorn on a free port, with a relay running."""
    hub = Resources(resources.settings, resources.session_factory, redis)
    config = PaymentsSettings(processor=ProcessorKind.EXTERNAL, _env_file=None)  # type: ignore[call-arg]
    app = create_app(resources.settings, hub, payments_settings=config)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, ws="websockets-sansio")
    )
    serving = asyncio.create_task(server.serve())
    stop = asyncio.Event()
    options = EventSettings(relay_poll_seconds=0.02, _env_file=None)  # type: ignore[call-arg]
    relay = asyncio.create_task(Relay(hub.session_factory, redis, options).run(stop))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, headers=ROUTER) as http:
        yield LiveSubgraph(f"ws://127.0.0.1:{port}/graphql", http)
    stop.set()
    server.should_exit = True
    await asyncio.gather(relay, serving)


async def open_socket(live: LiveSubgraph, user: User) -> ClientConnection:
    socket = await connect(live.url, subprotocols=[PROTOCOL], additional_headers=ROUTER)
    await socket.send(
        json.dumps(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {user.token}"}}
        )
    )
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    return socket


async def subscribe(socket: ClientConnection, sub_id: str, query: str) -> None:
    await socket.send(json.dumps({"id": sub_id, "type": "subscribe", "payload": {"query": query}}))


async def next_message(socket: ClientConnection, within: float = 5.0) -> dict[str, Any]:
    async with asyncio.timeout(within):
        message: dict[str, Any] = json.loads(await socket.recv())
    return message


async def no_message(socket: ClientConnection, within: float) -> None:
    with pytest.raises(TimeoutError):
        await next_message(socket, within)


async def test_the_owner_sees_an_admins_status_change_and_nothing_of_others(
    live: LiveSubgraph, make_user: Callable[..., Any]
) -> None:
    owner, stranger, admin = (
        await make_user(Role.CUSTOMER),
        await make_user(Role.CUSTOMER),
        await make_user(Role.ADMIN),
    )
    mine = await live.create_payment(owner)
    theirs = await live.create_payment(stranger)
    socket = await open_socket(live, owner)
    await subscribe(socket, "mine", f"subscription {{ myPaymentUpdates {{ {UPDATE_FIELDS} }} }}")
    await subscribe(
        socket,
        "one",
        f'subscription {{ paymentStatusChanged(paymentId: "{mine}") {{ {UPDATE_FIELDS} }} }}',
    )
    await subscribe(
        socket,
        "spy",
        f'subscription {{ paymentStatusChanged(paymentId: "{theirs}") {{ {UPDATE_FIELDS} }} }}',
    )
    refused = await next_message(socket)
    assert refused["id"] == "spy" and refused["type"] == "next"
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await next_message(socket)) == {"id": "spy", "type": "complete"}
    await asyncio.sleep(0.2)  # both subscriptions are listening

    await live.set_status(admin, theirs, "processing")  # must never reach the owner
    await live.set_status(admin, mine, "processing")

    received = {}
    for _ in range(2):
        message = await next_message(socket)
        assert message["type"] == "next", message
        received[message["id"]] = message["payload"]["data"]
    update = received["mine"]["myPaymentUpdates"]
    assert update["paymentId"] == mine
    assert (update["fromStatus"], update["toStatus"]) == ("pending", "processing")
    assert update["currency"] == "USD"
    assert received["one"]["paymentStatusChanged"] == update
    await no_message(socket, 0.5)
    await socket.close()


async def test_subscriptions_need_a_valid_token_and_the_router(
    live: LiveSubgraph, make_user: Callable[..., Any]
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(live.url, subprotocols=[PROTOCOL])
    assert refused.value.response.status_code == 403

    socket = await connect(live.url, subprotocols=[PROTOCOL], additional_headers=ROUTER)
    await socket.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}})
    )
    with pytest.raises(ConnectionClosedError) as closed:
        await next_message(socket)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403

    socket = await connect(live.url, subprotocols=[PROTOCOL], additional_headers=ROUTER)
    await socket.send(json.dumps({"type": "connection_init"}))
    assert (await next_message(socket))["type"] == "connection_ack"
    await subscribe(socket, "anon", f"subscription {{ myPaymentUpdates {{ {UPDATE_FIELDS} }} }}")
    message = await next_message(socket)
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "UNAUTHORIZED"
    await socket.close()


async def test_a_revoked_token_ends_the_subscription_at_the_next_update(
    live: LiveSubgraph, redis: Redis, resources: Resources, make_user: Callable[..., Any]
) -> None:
    owner, admin = await make_user(Role.CUSTOMER), await make_user(Role.ADMIN)
    mine = await live.create_payment(owner)
    socket = await open_socket(live, owner)
    await subscribe(socket, "mine", f"subscription {{ myPaymentUpdates {{ {UPDATE_FIELDS} }} }}")
    await asyncio.sleep(0.2)
    await revoke_token(redis, decode_access_token(owner.token, resources.settings))  # logout

    await live.set_status(admin, mine, "processing")

    message = await next_message(socket)
    assert message["type"] == "next"
    assert message["payload"]["data"] is None
    assert message["payload"]["errors"][0]["extensions"]["code"] == "TOKEN_REVOKED"
    assert await next_message(socket) == {"id": "mine", "type": "complete"}
    await socket.close()
