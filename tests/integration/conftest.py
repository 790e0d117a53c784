"""HTTP clients for subgraph apps, served in-process over ASGI with the router's credential."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from starlette.applications import Starlette

from shared.config import Settings
from shared.graphql.context import Resources
from tests.conftest import TEST_SUBGRAPH_SECRET

ROUTER_HEADERS = {"X-Router-Secret": TEST_SUBGRAPH_SECRET}


@contextmanager
def executions_of(resources: Resources) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements run on the engine meanwhile (SQLAlchemy's and `fetch`'s), each with
    its values."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = resources.session_factory.kw["bind"].sync_engine  # the read sessions' too
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def statements_of(resources: Resources) -> Iterator[list[str]]:
    """The texts of the statements run meanwhile (`executions_of`), read when the block ends."""
    texts: list[str] = []
    with executions_of(resources) as executions:
        try:
            yield texts
        finally:
            texts.extend(statement for statement, _ in executions)


async def plan_nodes(resources: Resources, statement: str, parameters: Any) -> list[Any]:
    """Every node of `statement`'s plan, run now (`EXPLAIN ANALYZE`, JSON)."""
    async with resources.session_factory() as session:
        connection = await (await session.connection()).get_raw_connection()
        explained = await connection.driver_connection.fetchval(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, *parameters
        )
    (plan,) = explained  # json, decoded by the engine's codec
    found, nodes = [], [plan["Plan"]]
    while nodes:
        node = nodes.pop()
        nodes.extend(node.get("Plans", []))
        found.append(node)
    return found


async def rows_read(resources: Resources, statement: str, parameters: Any) -> int:
    """The rows every table scan of `statement`'s plan produced or filtered out, run now
    (`EXPLAIN ANALYZE`): how much of its tables a read touches, whatever the timing."""
    return sum(
        (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
        for node in await plan_nodes(resources, statement, parameters)
        if "Relation Name" in node
    )


@dataclass
class ApiClient:
    """Speaks to one subgraph app as the router would: REST and GraphQL."""

    http: httpx.AsyncClient

    async def graphql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    def auth(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


AppFactory = Callable[[Settings, Resources], Starlette]


@pytest.fixture
def client_for(resources: Resources, settings: Settings) -> Callable[..., Any]:
    """`async with client_for(create_app) as api:` — an ApiClient on a fresh app."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def open_client(
        factory: AppFactory, *, client_ip: str = "203.0.113.10", with_secret: bool = True
    ) -> AsyncIterator[ApiClient]:
        app = factory(settings, resources)
        transport = httpx.ASGITransport(app=app, client=(client_ip, 50000))
        headers = ROUTER_HEADERS if with_secret else {}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://subgraph", headers=headers
        ) as http:
            yield ApiClient(http)

    return open_client


@pytest.fixture
def make_user(resources: Resources) -> Callable[..., Any]:
    """`await make_user(Role.VENDOR)` → a TestUser with `.id`, `.token`, `.headers`."""
    from tests.factories import create_user

    async def _make(role: Any = None, **kwargs: Any) -> Any:
        from shared.rbac import Role

        return await create_user(resources, role or Role.CUSTOMER, **kwargs)

    return _make
