"""Compatibility with Apollo: the same subgraphs composed by ``@apollo/composition`` and by us
must plan identically in our router, and ``@apollo/gateway`` must answer the same queries with
the same responses as our router. Node packages come from ``tests/router/node`` (``npm ci``)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import lexicographic_sort_schema, print_schema

from router.planner.planner import Planner
from router.supergraph.loader import load_supergraph
from tests.harness import free_port, npm_ci
from tests.router.processes import (
    NODE_DIR,
    ROOT,
    SUBGRAPHS,
    apollo_gateway_command,
    router_command,
    running,
    subgraph_command,
    wait_until_up,
)
from tests.router.subgraphs.apps import SCHEMAS, url
from tests.router.subgraphs.media_apps import MEDIA_SCHEMAS, media_url

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
# Entity interfaces and @interfaceObject (tests/router/subgraphs/media_apps.py).
MEDIA_QUERIES = [
    "{ library { __typename id title averageRating ... on Movie { ratings { stars } } } }",
    "query Top { topRated(first: 3) { __typename id title ... on Book { author stock } "
    "... on Movie { director } } }",
    "{ topRated(first: 2) { id avg: averageRating ratings { stars comment } } }",
    "{ topRated { ... on Book { averageRating } } }",
    "{ lowStock { __typename title averageRating } }",
    '{ media(id: "b1") { ...M alike: similar { __typename ...M similar { id averageRating } } } }'
    " fragment M on Media { id title ... on Book { pages } }",
    '{ media(id: "nope") { id averageRating } }',
    "{ topRated(first: 2) { id ... on Book { similar { id } } "
    "... on Movie { similar { averageRating } } } }",
]
# @apollo/gateway 2.11 answers {"upc": "p1"} here: the alias collides with the key field it
# adds for the entity fetch. A single GraphQL server (and our router) answer "Table".
ALIAS_COLLIDING_WITH_KEY = '{ product(upc: "p1") { upc: name reviewCount } }'


def apollo_compose(services: list[dict[str, str]]) -> dict[str, Any]:
    npm_ci(NODE_DIR)
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


def _services(urls: dict[str, str], schemas: dict[str, Any] = SCHEMAS) -> list[dict[str, str]]:
    return [
        {
            "name": name,
            "url": urls[name],
            "sdl": schemas[name].execute_sync("{ _service { sdl } }").data["_service"]["sdl"],
        }
        for name in (SUBGRAPHS if schemas is SCHEMAS else schemas)
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


# Entity interfaces and @interfaceObject ----------------------------------------------------------


@pytest.fixture(scope="module")
def media_apollo_sdl() -> str:
    result = apollo_compose(_services({n: media_url(n) for n in MEDIA_SCHEMAS}, MEDIA_SCHEMAS))
    assert "errors" not in result, result.get("errors")
    sdl: str = result["supergraphSdl"]
    return sdl


@pytest.fixture(scope="module")
def media_sdl() -> str:
    """Our composition of the same subgraphs (checked against a live one in
    test_entity_interfaces.py)."""
    return (Path(__file__).parent / "fixtures" / "planner" / "media.supergraph.graphql").read_text()


def test_entity_interfaces_compose_like_apollo(media_apollo_sdl: str, media_sdl: str) -> None:
    ours = load_supergraph(media_sdl)
    theirs = load_supergraph(media_apollo_sdl)
    assert print_schema(lexicographic_sort_schema(ours.api_schema)) == print_schema(
        lexicographic_sort_schema(theirs.api_schema)
    )

    def view(meta: Any) -> Any:
        through = sorted(n for n, f in meta.fields.items() if f.through_interface)
        return meta.graphs, meta.keys, meta.interface_object_graphs, meta.interfaces, through

    assert {n: view(t) for n, t in ours.types.items()} == {
        n: view(t) for n, t in theirs.types.items()
    }


@pytest.mark.parametrize("query", MEDIA_QUERIES)
def test_entity_interfaces_plan_identically_from_apollo_composition(
    media_apollo_sdl: str, media_sdl: str, query: str
) -> None:
    _, ours = Planner(load_supergraph(media_sdl)).plan(query, None)
    _, theirs = Planner(load_supergraph(media_apollo_sdl)).plan(query, None)
    assert ours.describe() == theirs.describe()


@pytest.fixture(scope="module")
def media_endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    ports = {name: free_port() for name in MEDIA_SCHEMAS}
    urls = {n: f"http://127.0.0.1:{p}/graphql" for n, p in ports.items()}
    result = apollo_compose(_services(urls, MEDIA_SCHEMAS))
    directory: Path = tmp_path_factory.mktemp("compat-media")
    supergraph = directory / "supergraph.graphql"
    supergraph.write_text(result["supergraphSdl"])
    router_port, gateway_port = free_port(), free_port()
    subgraphs = [
        ([sys.executable, "-m", "tests.router.subgraphs.media_apps", name, str(port)], ROOT)
        for name, port in ports.items()
    ]
    with running(*subgraphs):
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


@pytest.mark.parametrize("query", MEDIA_QUERIES)
def test_entity_interfaces_answer_like_apollo_gateway(
    media_endpoints: tuple[str, str], query: str
) -> None:
    ours, theirs = media_endpoints
    body = {"query": query}
    mine = httpx.post(ours, json=body, timeout=10).json()
    apollo = httpx.post(theirs, json=body, timeout=10).json()
    assert "errors" not in mine, mine
    assert _comparable(mine) == _comparable(apollo)
    assert json.dumps(mine["data"]) == json.dumps(apollo["data"])  # key order too
