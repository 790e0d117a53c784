"""Federated execution against three in-process subgraphs (users, products, reviews)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from router.gateway import Gateway
from router.supergraph.loader import load_supergraph
from tests.router.subgraphs.apps import SECRET, RecordingApp, transports


async def test_root_fields_of_two_subgraphs_run_in_one_fetch_each(
    gateway: Gateway, recorded: dict[str, RecordingApp]
) -> None:
    result = await gateway.execute("{ me { id name } topProducts(first: 2) { upc name } }")
    assert result == {
        "data": {
            "me": {"id": "1", "name": "Ada"},
            "topProducts": [{"upc": "p1", "name": "Table"}, {"upc": "p2", "name": "Chair"}],
        }
    }
    assert len(recorded["users"].requests) == 1
    assert len(recorded["products"].requests) == 1
    assert recorded["reviews"].requests == []


async def test_entity_chain_across_three_subgraphs_batches_one_call_per_level(
    gateway: Gateway, recorded: dict[str, RecordingApp]
) -> None:
    query = """
      query Chain { users { name reviews { body product { name shippingEstimate } } } }
    """
    result = await gateway.execute(query)
    assert result["data"]["users"] == [
        {
            "name": "Ada",
            "reviews": [
                {"body": "Solid", "product": {"name": "Table", "shippingEstimate": 30}},
                {"body": "Bright", "product": {"name": "Lamp", "shippingEstimate": 5}},
            ],
        },
        {
            "name": "Grace",
            "reviews": [{"body": "Wobbly", "product": {"name": "Chair", "shippingEstimate": 10}}],
        },
        {
            "name": "Linus",
            "reviews": [{"body": "Comfy", "product": {"name": "Chair", "shippingEstimate": 10}}],
        },
    ]
    # users → reviews (3 users, 1 call) → products (4 reviews, 3 distinct products, 1 call)
    # → reviews again for shippingEstimate (@requires price weight, 1 call).
    reviews_calls = recorded["reviews"].entity_calls()
    products_calls = recorded["products"].entity_calls()
    assert len(reviews_calls) == 2
    assert len(products_calls) == 1
    assert len(reviews_calls[0]["variables"]["representations"]) == 3
    product_reps = products_calls[0]["variables"]["representations"]
    assert sorted(r["upc"] for r in product_reps) == ["p1", "p2", "p3"]
    shipping_reps = reviews_calls[1]["variables"]["representations"]
    assert {"__typename": "Product", "upc": "p1", "price": 100, "weight": 20} in shipping_reps


async def test_provides_avoids_a_fetch(gateway: Gateway, recorded: dict[str, RecordingApp]) -> None:
    result = await gateway.execute("{ reviews { author { name } } }")
    assert result["data"]["reviews"][0] == {"author": {"name": "Ada"}}
    assert recorded["users"].requests == []


async def test_override_takes_the_field_from_the_new_owner(gateway: Gateway) -> None:
    result = await gateway.execute('{ product(upc: "p2") { reviewCount } }')
    assert result == {"data": {"product": {"reviewCount": 2}}}


async def test_shareable_field_is_resolved_where_we_already_are(
    gateway: Gateway, recorded: dict[str, RecordingApp]
) -> None:
    result = await gateway.execute("{ reviews { author { email } } }")
    assert result["data"]["reviews"][0] == {"author": {"email": "user1@reviews.example"}}
    assert recorded["users"].requests == []


async def test_inaccessible_field_is_not_queryable(gateway: Gateway) -> None:
    result = await gateway.execute("{ me { secret } }")
    assert "data" not in result
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "secret" in result["errors"][0]["message"]


async def test_union_with_entity_fields_on_one_member(gateway: Gateway) -> None:
    query = """
      { search(text: "i") {
          __typename
          ... on Product { name reviews { body } }
          ... on Category { title }
      } }
    """
    result = await gateway.execute(query)
    assert result == {
        "data": {
            "search": [
                {
                    "__typename": "Product",
                    "name": "Chair",
                    "reviews": [{"body": "Wobbly"}, {"body": "Comfy"}],
                },
                {"__typename": "Category", "title": "Furniture"},
                {"__typename": "Category", "title": "Lighting"},
            ]
        }
    }


async def test_interface_field_with_fragments(gateway: Gateway) -> None:
    query = """
      query ($id: ID!) { node(id: $id) { id ... on User { name reviews { id } } } }
    """
    result = await gateway.execute(query, variables={"id": "2"})
    assert result == {"data": {"node": {"id": "2", "name": "Grace", "reviews": [{"id": "r2"}]}}}


async def test_aliases_fragments_variables_and_directives(gateway: Gateway) -> None:
    query = """
      query Q($upc: String!, $withReviews: Boolean!, $skipName: Boolean!) {
        first: product(upc: $upc) { ...P }
        second: product(upc: "p3") { title: name kind: __typename }
      }
      fragment P on Product {
        code: upc
        name @skip(if: $skipName)
        reviews @include(if: $withReviews) { text: body writer: author { alias: name } }
      }
    """
    result = await gateway.execute(
        query, "Q", {"upc": "p1", "withReviews": True, "skipName": False}
    )
    assert result == {
        "data": {
            "first": {
                "code": "p1",
                "name": "Table",
                "reviews": [{"text": "Solid", "writer": {"alias": "Ada"}}],
            },
            "second": {"title": "Lamp", "kind": "Product"},
        }
    }
    skipped = await gateway.execute(
        query, "Q", {"upc": "p1", "withReviews": False, "skipName": True}
    )
    assert skipped["data"]["first"] == {"code": "p1"}


async def test_alias_colliding_with_a_key_field_name(gateway: Gateway) -> None:
    result = await gateway.execute('{ product(upc: "p1") { upc: name reviewCount } }')
    assert result == {"data": {"product": {"upc": "Table", "reviewCount": 1}}}


async def test_subgraph_errors_keep_paths_and_codes(gateway: Gateway) -> None:
    result = await gateway.execute("{ boom users { id flaky } }")
    assert result["data"]["boom"] is None
    assert [u["flaky"] for u in result["data"]["users"]] == [None, None, None]
    by_path = {tuple(e["path"]): e for e in result["errors"]}
    assert by_path[("boom",)]["extensions"]["code"] == "BOOM"
    assert by_path[("users", 0, "flaky")]["extensions"]["code"] == "FLAKY"
    assert by_path[("users", 2, "flaky")]["message"] == "flaky failed"


async def test_mutation_root_fields_run_in_order(
    gateway: Gateway, recorded: dict[str, RecordingApp]
) -> None:
    mutation = """
      mutation {
        a: rename(input: {id: "3", name: "L1"}) { name }
        b: rename(input: {id: "3", name: "Linus"}) { name reviews { body } }
      }
    """
    result = await gateway.execute(mutation)
    assert result == {
        "data": {"a": {"name": "L1"}, "b": {"name": "Linus", "reviews": [{"body": "Comfy"}]}}
    }


async def test_typename_and_introspection_are_answered_by_the_router(gateway: Gateway) -> None:
    result = await gateway.execute('{ __typename __type(name: "User") { fields { name } } }')
    names = [f["name"] for f in result["data"]["__type"]["fields"]]
    assert result["data"]["__typename"] == "Query"
    assert "secret" not in names and "reviews" in names


async def test_non_null_violation_propagates_to_nearest_nullable_parent(
    supergraph_sdl: str, apps: dict[str, RecordingApp]
) -> None:
    down = dict(transports(apps))
    down["products"] = httpx.MockTransport(lambda _: httpx.Response(200, json={"data": None}))
    gw = Gateway(load_supergraph(supergraph_sdl), SECRET, transports=down)
    try:
        result = await gw.execute("{ reviews { body product { name } } }")
    finally:
        await gw.aclose()
    # Product.name is String!, Review.product is Product!, [Review!]! → data null.
    assert result["data"] is None
    assert result["errors"][0]["message"] == (
        "Cannot return null for non-nullable field Product.name."
    )


async def test_a_subgraph_that_is_down_gives_an_error_for_its_fields(
    supergraph_sdl: str, apps: dict[str, RecordingApp]
) -> None:
    sdl = supergraph_sdl.replace("http://products.test/graphql", "http://127.0.0.1:9/graphql")
    live = {k: v for k, v in transports(apps).items() if k != "products"}
    gw = Gateway(load_supergraph(sdl), SECRET, transports=live, timeout=2)
    try:
        result: dict[str, Any] = await gw.execute(
            '{ me { name } product(upc: "p1") { name } '
            'user(id: "2") { reviews { product { name } } } }'
        )
    finally:
        await gw.aclose()
    assert result["data"]["me"] == {"name": "Ada"}
    assert result["data"]["product"] is None
    codes = {e["extensions"]["code"] for e in result["errors"]}
    assert codes == {"SUBGRAPH_UNAVAILABLE"}
    paths = [e.get("path") for e in result["errors"]]
    assert ["product"] in paths
    # The entity fetch failed under a non-null chain: null reaches the nullable `user`.
    assert result["data"]["user"] is None
    assert ["user", "reviews", 0, "product", "name"] in paths


async def test_variables_are_checked_and_defaults_apply(gateway: Gateway) -> None:
    missing = await gateway.execute("query ($id: ID!) { user(id: $id) { name } }")
    assert "data" not in missing
    assert missing["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    wrong = await gateway.execute(
        "query ($n: Int!) { topProducts(first: $n) { name } }", variables={"n": "x"}
    )
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    defaulted = await gateway.execute("query ($n: Int! = 1) { topProducts(first: $n) { name } }")
    assert defaulted == {"data": {"topProducts": [{"name": "Table"}]}}


class SlowTransport(httpx.AsyncBaseTransport):
    """Delays each request a little so that concurrent requests overlap in flight."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.02)
        return await self.inner.handle_async_request(request)


async def test_identical_concurrent_queries_share_subgraph_fetches(
    supergraph_sdl: str, apps: dict[str, RecordingApp], recorded: dict[str, RecordingApp]
) -> None:
    slow = {name: SlowTransport(t) for name, t in transports(apps).items()}
    gw = Gateway(load_supergraph(supergraph_sdl), SECRET, transports=slow)
    query = "{ users { name reviews { body } } }"
    try:
        first, second = await asyncio.gather(gw.execute(query), gw.execute(query))
    finally:
        await gw.aclose()
    assert first == second
    assert first["data"]["users"][0]["reviews"] == [{"body": "Solid"}, {"body": "Bright"}]
    assert len(recorded["users"].requests) == 1
    assert len(recorded["reviews"].requests) == 1


async def test_concurrent_mutations_are_never_shared(
    gateway: Gateway, recorded: dict[str, RecordingApp]
) -> None:
    mutation = 'mutation { rename(input: {id: "2", name: "Grace"}) { name } }'
    await asyncio.gather(gateway.execute(mutation), gateway.execute(mutation))
    assert len(recorded["users"].requests) == 2
