"""Cursor pagination, filters and sorting of `GET /api/payments` and `/history`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.factories import TestUser as User
from tests.integration.conftest import ApiClient
from tests.integration.payments.conftest import call, create, request_body


async def page(api: ApiClient, user: User, path: str = "/api/payments", **params: Any) -> Any:
    response = await call(api, "GET", path, user, params=params)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def walk(api: ApiClient, user: User, **params: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    cursor = None
    while True:
        data = await page(api, user, **params, **({"cursor": cursor} if cursor else {}))
        nodes += [edge["node"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return nodes
        cursor = data["pageInfo"]["endCursor"]


async def test_pages_have_no_duplicates_or_gaps_while_rows_are_inserted(
    api: ApiClient, vendor: User
) -> None:
    existing = [(await create(api, vendor, request_body(f"{i + 1}.00")))["id"] for i in range(12)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        data = await page(api, vendor, **params)
        seen += [edge["node"]["id"] for edge in data["edges"]]
        await create(api, vendor, request_body("99.00"))  # a newer row arrives between pages
        if not data["pageInfo"]["hasNextPage"]:
            break
        cursor = data["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen))
    assert seen == list(reversed(existing))


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_sort_by_amount_with_ties(api: ApiClient, vendor: User, order: str) -> None:
    amounts = ["5.00", "1.00", "5.00", "3.50", "5.00", "2.25", "1.00"]
    for amount in amounts:
        await create(api, vendor, request_body(amount))
    nodes = await walk(api, vendor, sort="amount", order=order, limit=2)
    got = [Decimal(str(node["amount"])) for node in nodes]
    assert got == sorted((Decimal(a) for a in amounts), reverse=order == "desc")
    assert len({node["id"] for node in nodes}) == len(amounts)


async def test_filters(api: ApiClient, vendor: User, customer: User) -> None:
    cheap = await create(api, vendor, request_body("10.00"))
    dear = await create(api, vendor, request_body("500.00"))
    await call(api, "DELETE", f"/api/payments/{dear['id']}", vendor)

    async def ids(**params: Any) -> set[str]:
        return {node["id"] for node in await walk(api, vendor, **params)}

    assert await ids(status="cancelled") == {dear["id"]}
    assert await ids(type="initiate") == {cheap["id"], dear["id"]}
    assert await ids(type="payment") == set()
    assert await ids(minAmount="100") == {dear["id"]}
    assert await ids(maxAmount="10.00") == {cheap["id"]}
    assert await ids(**{"from": cheap["createdAt"]}) == {cheap["id"], dear["id"]}
    assert await ids(to=cheap["createdAt"]) == set()
    assert await ids(to=dear["createdAt"]) == {cheap["id"]}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "ten"},
        {"status": "lost"},
        {"sort": "name"},
        {"from": "yesterday"},
        {"minAmount": "lots"},
    ],
)
async def test_invalid_list_parameters_are_400(
    api: ApiClient, vendor: User, params: dict[str, Any]
) -> None:
    response = await call(api, "GET", "/api/payments", vendor, params=params)
    assert response.status_code == 400, response.text


async def test_a_cursor_only_continues_the_sort_it_came_from(api: ApiClient, vendor: User) -> None:
    for amount in ("1.00", "2.00"):
        await create(api, vendor, request_body(amount))
    data = await page(api, vendor, limit=1)
    response = await call(
        api,
        "GET",
        "/api/payments",
        vendor,
        params={"limit": 1, "sort": "amount", "cursor": data["pageInfo"]["endCursor"]},
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "INVALID_CURSOR"
    garbage = await call(api, "GET", "/api/payments", vendor, params={"cursor": "not-a-cursor"})
    assert garbage.status_code == 404


async def test_history_pages_newest_first(api: ApiClient, vendor: User) -> None:
    created = [await create(api, vendor, request_body(f"{i + 1}.00")) for i in range(3)]
    for payment in created:
        await call(api, "DELETE", f"/api/payments/{payment['id']}", vendor)
    nodes: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 4, **({"cursor": cursor} if cursor else {})}
        data = await page(api, vendor, "/api/payments/history", **params)
        nodes += [edge["node"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        cursor = data["pageInfo"]["endCursor"]
    assert len(nodes) == 6 == len({n["id"] for n in nodes})
    assert [n["status"] for n in nodes[:3]] == ["cancelled"] * 3
    assert [n["paymentId"] for n in nodes[:3]] == [p["id"] for p in reversed(created)]
    one = await page(api, vendor, "/api/payments/history", paymentId=created[0]["id"])
    assert [e["node"]["transactionType"] for e in one["edges"]] == ["status_changed", "created"]


async def test_page_sizes_are_clamped(api: ApiClient, vendor: User) -> None:
    for amount in ("1.00", "2.00"):
        await create(api, vendor, request_body(amount))
    assert len((await page(api, vendor, limit=0))["edges"]) == 1
    assert len((await page(api, vendor, limit=1000))["edges"]) == 2
    assert len((await page(api, vendor, limit=1, cursor=""))["edges"]) == 1
