"""Inbound in-flight deduplication: identical queries in flight share one execution; another
caller, other variables or a mutation never share; and it can be turned off."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from router.app import create_router_app
from router.edge.inflight import InflightRequests, request_key
from router.supergraph.loader import load_supergraph
from router.supergraph.source import ComposedSupergraph, SubgraphConfig
from shared.rbac import Role
from shared.security.tokens import issue_access_token
from tests.router.subgraphs.apps import RecordingApp
from tests.router.test_app import make_settings

ME = {
    "query": "query One($id: ID!) { user(id: $id) { id name } }",
    "operationName": "One",
    "variables": {"id": "1"},
}


class SlowTransport(httpx.AsyncBaseTransport):
    """An in-process subgraph that takes 50 ms, so concurrent requests overlap."""

    def __init__(self, app: RecordingApp) -> None:
        self.inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return await self.inner.handle_async_request(request)


async def router_client(
    supergraph_sdl: str, apps: dict[str, RecordingApp], inbound: bool
) -> AsyncIterator[httpx.AsyncClient]:
    composed = ComposedSupergraph(
        load_supergraph(supergraph_sdl),
        {},
        [SubgraphConfig(n, f"http://{n}.test/graphql") for n in apps],
    )
    app = create_router_app(
        make_settings(),
        composed,
        transports={name: SlowTransport(a) for name, a in apps.items()},
        deduplicate=False,  # only the inbound deduplication is under test
        deduplicate_inbound=inbound,
    )
    transport = httpx.ASGITransport(app=app, client=("10.0.0.1", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://router") as client:
        yield client


@pytest.fixture
async def client(
    supergraph_sdl: str, recorded: dict[str, RecordingApp]
) -> AsyncIterator[httpx.AsyncClient]:
    async for client in router_client(supergraph_sdl, recorded, inbound=True):
        yield client


def user_calls(recorded: dict[str, RecordingApp]) -> int:
    return len(recorded["users"].requests)


async def test_identical_concurrent_queries_share_one_execution(
    client: httpx.AsyncClient, recorded: dict[str, RecordingApp]
) -> None:
    answers = await asyncio.gather(*(client.post("/graphql", json=ME) for _ in range(5)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert answers[0].json()["data"]["user"]["id"] == "1"
    assert user_calls(recorded) == 1
    # Afterwards (nothing in flight) a new request executes again.
    await client.post("/graphql", json=ME)
    assert user_calls(recorded) == 2


async def test_other_callers_and_variables_do_not_share(
    client: httpx.AsyncClient, recorded: dict[str, RecordingApp]
) -> None:
    token, _ = issue_access_token(
        make_settings(), user_id=uuid.uuid4(), email="a@example.com", role=Role.CUSTOMER
    )
    await asyncio.gather(
        client.post("/graphql", json=ME),
        client.post("/graphql", json=ME, headers={"Authorization": f"Bearer {token}"}),
        client.post("/graphql", json={**ME, "variables": {"id": "2"}}),
        client.post("/graphql", json={**ME, "query": ME["query"] + " "}),
    )
    assert user_calls(recorded) == 4


async def test_mutations_never_share(
    client: httpx.AsyncClient, recorded: dict[str, RecordingApp]
) -> None:
    mutation = {"query": 'mutation { rename(input: {id: "1", name: "Ada"}) { id name } }'}
    answers = await asyncio.gather(*(client.post("/graphql", json=mutation) for _ in range(3)))
    assert {a.status_code for a in answers} == {200}
    assert user_calls(recorded) == 3


async def test_it_can_be_turned_off(supergraph_sdl: str, recorded: dict[str, RecordingApp]) -> None:
    async for client in router_client(supergraph_sdl, recorded, inbound=False):
        await asyncio.gather(*(client.post("/graphql", json=ME) for _ in range(3)))
    assert user_calls(recorded) == 3


async def test_a_cancelled_first_caller_does_not_cancel_the_others() -> None:
    inflight = InflightRequests()
    release = asyncio.Event()

    async def execute() -> dict[str, object]:
        await release.wait()
        return {"data": {"ok": True}}

    key = request_key("{ ok }", None, None, None)
    first = asyncio.create_task(inflight.run(key, execute))
    second = asyncio.create_task(inflight.run(key, execute))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert await second == {"data": {"ok": True}}
    assert inflight.shared == 1
    assert request_key("{ ok }", None, {"b": 1, "a": 2}, None) == request_key(
        "{ ok }", None, {"a": 2, "b": 1}, None
    )
