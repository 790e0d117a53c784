"""Compatibility with Apollo: the same subgraphs composed by ``@apollo/composition`` and by us
must plan identically in our router, and ``@apollo/gateway`` must answer the same queries with
the same responses as our router. Node packages come from ``tests/router/node`` (``npm ci``)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import lexicographic_sort_schema, print_schema

from router.planner.planner import Planner
from router.supergraph.loader import load_supergraph
from tests.router.processes import (
    NODE_DIR,
    SUBGRAPHS,
    apollo_gateway_command,
    ensure_node_modules,
    free_port,
    router_command,
    running,
    subgraph_command,
    wait_until_up,
)
from tests.router.subgraphs.apps import SCHEMAS, url

pytestmark = pytest.mark.skipif(shutil.which("npm") is None, reason="needs Node and npm")

QUERIES = [
    "{ me { id name email } topProducts(first: 2) { upc name price } }",
    "query Chain { users { name reviews { body product { name shippingEstimate reviewCount } } } }",
    "{ reviews { id author { name email reviews { id } } product { upc category { title } } } }",
    '{ search(text: "a") { __typename ... on Product { name reviews { body } } '
    "... on Category { title } } }",
    '{ node(id: "2") { id ... on User { name reviews { id } } } }',
    "{ users { id flaky } }",
]
# @apollo/gateway 2.11 answers {"upc": "p1"} here: the alias collides with the key field it
# adds for the entity fetch. A single GraphQL server (and our router) answer "Table".
ALIAS_COLLIDING_WITH_KEY = '{ product(upc: "p1") { upc: name reviewCount } }'


def apollo_compose(services: list[dict[str, str]]) -> dict[str, Any]:
    ensure_node_modules()
    completed = subprocess.run(
        ["node", "compose.mjs"],  # noqa: S607
        input=json.dumps(services),
        capture_output=True,
        text=True,
        cwd=NODE_DIR,
        check=True,
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def _services(urls: dict[str, str]) -> list[dict[str, str]]:
    return [
        {
            "name": name,
            "url": urls[name],
            "sdl": SCHEMAS[name].execute_sync("{ _service { sdl } }").data["_service"]["sdl"],
        }
        for name in SUBGRAPHS
    ]


@pytest.fixture(scope="module")
def apollo_sdl() -> str:
    result = apollo_compose(_services({n: url(n) for n in SUBGRAPHS}))
    assert "errors" not in result, result.get("errors")
    sdl: str = result["supergraphSdl"]
    return sdl


def test_apollo_reports_the_same_composition_error() -> None:
    services = _services({n: url(n) for n in SUBGRAPHS})
    users = next(s for s in services if s["name"] == "users")
    users["sdl"] = users["sdl"].replace("name: String! @shareable", "name: String!")
    result = apollo_compose(services)
    assert any('"User.name"' in e for e in result["errors"])


def test_same_api_schema_as_apollo(apollo_sdl: str, supergraph_sdl: str) -> None:
    ours = load_supergraph(supergraph_sdl)
    theirs = load_supergraph(apollo_sdl)
    assert print_schema(lexicographic_sort_schema(ours.api_schema)) == print_schema(
        lexicographic_sort_schema(theirs.api_schema)
    )
    assert {n: (t.graphs, t.keys) for n, t in ours.types.items()} == {
        n: (t.graphs, t.keys) for n, t in theirs.types.items()
    }


@pytest.mark.parametrize("query", [*QUERIES, ALIAS_COLLIDING_WITH_KEY])
def test_plans_identically_from_apollo_composition(
    apollo_sdl: str, supergraph_sdl: str, query: str
) -> None:
    _, ours = Planner(load_supergraph(supergraph_sdl)).plan(query, None)
    _, theirs = Planner(load_supergraph(apollo_sdl)).plan(query, None)
    assert ours.describe() == theirs.describe()


@pytest.fixture(scope="module")
def endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    ports = {name: free_port() for name in SUBGRAPHS}
    urls = {n: f"http://127.0.0.1:{p}/graphql" for n, p in ports.items()}
    result = apollo_compose(_services(urls))
    directory: Path = tmp_path_factory.mktemp("compat")
    supergraph = directory / "supergraph.graphql"
    supergraph.write_text(result["supergraphSdl"])
    router_port, gateway_port = free_port(), free_port()
    with running(*(subgraph_command(n, p) for n, p in ports.items())):
        for port in ports.values():
            wait_until_up(f"http://127.0.0.1:{port}/health")
        with running(
            router_command(supergraph, router_port),
            apollo_gateway_command(supergraph, gateway_port),
        ):
            ours = f"http://127.0.0.1:{router_port}/graphql"
            theirs = f"http://127.0.0.1:{gateway_port}/"
            wait_until_up(f"http://127.0.0.1:{router_port}/health")
            wait_until_up(theirs + "?query=%7B__typename%7D")
            yield ours, theirs


def _comparable(response: dict[str, Any]) -> dict[str, Any]:
    """Data as is; errors by message and path (extensions differ between gateways)."""
    out: dict[str, Any] = {"data": response.get("data")}
    errors = response.get("errors") or []
    out["errors"] = sorted((e["message"], json.dumps(e.get("path"))) for e in errors)
    return out


@pytest.mark.parametrize("query", QUERIES)
def test_same_responses_as_apollo_gateway(endpoints: tuple[str, str], query: str) -> None:
    ours, theirs = endpoints
    body = {"query": query}
    mine = httpx.post(ours, json=body, timeout=10).json()
    apollo = httpx.post(theirs, json=body, timeout=10).json()
    assert _comparable(mine) == _comparable(apollo)
    assert json.dumps(mine["data"]) == json.dumps(apollo["data"])  # key order too


def test_alias_colliding_with_a_key_where_apollo_gateway_differs(
    endpoints: tuple[str, str],
) -> None:
    ours, theirs = endpoints
    body = {"query": ALIAS_COLLIDING_WITH_KEY}
    assert httpx.post(ours, json=body, timeout=10).json() == {
        "data": {"product": {"upc": "Table", "reviewCount": 1}}
    }
    apollo = httpx.post(theirs, json=body, timeout=10).json()
    assert apollo["data"]["product"]["upc"] in ("p1", "Table")
