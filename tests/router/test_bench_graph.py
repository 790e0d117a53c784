"""The benchmark's "shop" graph (accounts, products, inventory, reviews) through our router.

The four subgraphs of ``bench/router/shop.py`` run in-process; the supergraph is composed by our
composer, and also taken as ``@apollo/composition`` 2.11 composed it (fixture). The deep query of
the public gateway benchmarks must give exactly what ``@apollo/gateway`` 2.11 answered on the
same subgraphs (``fixtures/bench/shop-deep.json``, recorded once): nested entity chains across
four subgraphs, ``shippingEstimate @requires(fields: "price weight")`` and
``Review.author @provides(fields: "username")``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse
from strawberry.asgi import GraphQL

from bench.router.shop import DEEP_QUERY, PRODUCTS, SHOP_SUBGRAPHS, shop_schema
from router.edge.limits import make_limit_check
from router.gateway import Gateway
from router.serve import MAX_COST_ENV, limits_from_env
from router.supergraph.loader import load_supergraph
from router.supergraph.source import SubgraphConfig, compose_from_config
from tests.router.subgraphs.apps import SECRET, RecordingApp

FIXTURES = Path(__file__).parent / "fixtures" / "bench"


def _apps() -> dict[str, RecordingApp]:
    return {name: RecordingApp(name, GraphQL(shop_schema(name))) for name in SHOP_SUBGRAPHS}


def _transports(apps: dict[str, RecordingApp]) -> dict[str, httpx.AsyncBaseTransport]:
    return {name: httpx.ASGITransport(app=app) for name, app in apps.items()}


@pytest.fixture
def apps() -> dict[str, RecordingApp]:
    return _apps()


@pytest.fixture(params=["ours", "apollo"])
async def shop(
    request: pytest.FixtureRequest, apps: dict[str, RecordingApp]
) -> AsyncIterator[Gateway]:
    if request.param == "ours":
        configs = [SubgraphConfig(n, f"http://{n}.bench/graphql") for n in SHOP_SUBGRAPHS]
        sdl, missing = await compose_from_config(configs, SECRET, _transports(apps))
        assert not missing
    else:
        sdl = (FIXTURES / "shop.apollo.supergraph.graphql").read_text()
    gateway = Gateway(load_supergraph(sdl), SECRET, transports=_transports(apps))
    for app in apps.values():
        app.clear()
    yield gateway
    await gateway.aclose()


def _expected() -> dict[str, Any]:
    expected: dict[str, Any] = json.loads((FIXTURES / "shop-deep.json").read_text())
    return expected


async def test_deep_query_answers_like_apollo_gateway(shop: Gateway) -> None:
    assert await shop.execute(DEEP_QUERY) == _expected()


async def test_deep_query_makes_fewer_subgraph_requests_than_hive_gateway(
    shop: Gateway, apps: dict[str, RecordingApp]
) -> None:
    """Fetches of one subgraph in the same round share a request, whatever their paths:
    6 requests, where Hive Gateway makes 7 and @apollo/gateway 16 (13 before)."""
    await shop.execute(DEEP_QUERY)
    assert {name: len(app.requests) for name, app in apps.items()} == {
        "accounts": 2,
        "products": 2,
        "inventory": 1,
        "reviews": 1,
    }


async def test_requires_sends_price_and_weight_to_inventory(
    shop: Gateway, apps: dict[str, RecordingApp]
) -> None:
    await shop.execute(DEEP_QUERY)
    representations = [
        rep
        for call in apps["inventory"].entity_calls()
        for rep in call["variables"]["representations"]
    ]
    assert representations
    for rep in representations:
        _, price, weight = PRODUCTS[rep["upc"]]
        assert rep == {"__typename": "Product", "upc": rep["upc"], "price": price, "weight": weight}


async def test_provided_username_is_fetched_with_the_author(
    shop: Gateway, apps: dict[str, RecordingApp]
) -> None:
    await shop.execute(DEEP_QUERY)
    # Review.author @provides(fields: "username"): the reviews fetches ask for it themselves.
    assert any("username" in r["query"] for r in apps["reviews"].requests)
    assert all("username" not in r["query"] for r in apps["accounts"].entity_calls())


def test_expected_data_follows_the_subgraph_tables() -> None:
    """The fixture is consistent with bench/router/shop.py (not stale)."""
    data = _expected()["data"]
    assert [p["upc"] for p in data["topProducts"]] == list(PRODUCTS)[:5]
    for item in data["topProducts"]:
        name, price, weight = PRODUCTS[item["upc"]]
        assert (item["name"], item["price"], item["weight"]) == (name, price, weight)
        assert item["shippingEstimate"] == (0 if price > 1000 else weight // 2)


def test_deep_query_needs_a_higher_cost_limit_than_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """~108k by our estimate (lists as 10): refused by default, served with ROUTER_MAX_COST."""
    schema = load_supergraph((FIXTURES / "shop.apollo.supergraph.graphql").read_text()).api_schema
    document = parse(DEEP_QUERY)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    monkeypatch.delenv(MAX_COST_ENV, raising=False)
    errors = make_limit_check(schema, limits_from_env())(document, operation)
    assert [e.extensions for e in errors] == [{"code": "COST_LIMIT_EXCEEDED"}]
    monkeypatch.setenv(MAX_COST_ENV, "1000000")
    assert make_limit_check(schema, limits_from_env())(document, operation) == []
