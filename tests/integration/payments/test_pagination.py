"""Cursor pagination, filters and sorting of `GET /api/payments` and `/history`: each answers
the array of its items with `pagination` beside it and a `Link` to the next page."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from shared.graphql.context import Resources
from tests.factories import TestUser as User
from tests.integration.conftest import ApiClient, executions_of, rows_read
from tests.integration.payments.conftest import call, create, payment_body, request_body


async def page(api: ApiClient, user: User, path: str = "/api/payments", **params: Any) -> Any:
    """The whole envelope: `data` (the items) and `pagination`."""
    response = await call(api, "GET", path, user, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    pagination = body["pagination"]
    assert pagination["hasMore"] is (pagination["nextCursor"] is not None)
    assert ("link" in response.headers) is pagination["hasMore"]
    return body


async def walk(api: ApiClient, user: User, **params: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    cursor = None
    while True:
        body = await page(api, user, **params, **({"cursor": cursor} if cursor else {}))
        nodes += body["data"]
        if not body["pagination"]["hasMore"]:
            return nodes
        cursor = body["pagination"]["nextCursor"]


async def test_pages_have_no_duplicates_or_gaps_while_rows_are_inserted(
    api: ApiClient, vendor: User
) -> None:
    existing = [(await create(api, vendor, request_body(f"{i + 1}.00")))["id"] for i in range(12)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = await page(api, vendor, **params)
        seen += [payment["id"] for payment in body["data"]]
        await create(api, vendor, request_body("99.00"))  # a newer row arrives between pages
        if not body["pagination"]["hasMore"]:
            break
        cursor = body["pagination"]["nextCursor"]
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


async def test_a_customers_pages_merge_own_and_addressed_payments(
    api: ApiClient, vendor: User, customer: User
) -> None:
    """A customer's list is the payments they own and the requests addressed to them, read as
    two ranges and merged: every order, page size and filter gives each once, in order."""
    created: list[dict[str, Any]] = []
    for i, amount in enumerate(["4.00", "1.00", "9.00", "1.00", "7.50", "3.00", "8.00"]):
        if i % 3 == 1:
            created.append(await create(api, customer, payment_body(amount)))
        else:
            body = request_body(amount, customerId=str(customer.id))
            created.append(await create(api, vendor, body))
    newest_first = [payment["id"] for payment in reversed(created)]
    for limit in (1, 2, 3, 20):
        assert [node["id"] for node in await walk(api, customer, limit=limit)] == newest_first
    by_amount = await walk(api, customer, sort="amount", order="asc", limit=2)
    assert [node["id"] for node in by_amount] == [
        p["id"] for p in sorted(created, key=lambda p: (Decimal(str(p["amount"])), p["id"]))
    ]
    addressed = await walk(api, customer, type="initiate", limit=2)
    assert [node["id"] for node in addressed] == [
        p["id"] for p in reversed(created) if p["type"] == "initiate"
    ]
    assert len(await walk(api, vendor, limit=2)) == 5  # the vendor sees their requests only


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
    body = await page(api, vendor, limit=1)
    response = await call(
        api,
        "GET",
        "/api/payments",
        vendor,
        params={"limit": 1, "sort": "amount", "cursor": body["pagination"]["nextCursor"]},
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
        body = await page(api, vendor, "/api/payments/history", **params)
        nodes += body["data"]
        if not body["pagination"]["hasMore"]:
            break
        cursor = body["pagination"]["nextCursor"]
    assert len(nodes) == 6 == len({n["id"] for n in nodes})
    assert [n["status"] for n in nodes[:3]] == ["cancelled"] * 3
    assert [n["paymentId"] for n in nodes[:3]] == [p["id"] for p in reversed(created)]
    one = await page(api, vendor, "/api/payments/history", paymentId=created[0]["id"])
    assert [t["transactionType"] for t in one["data"]] == ["status_changed", "created"]


async def test_page_sizes_are_clamped(api: ApiClient, vendor: User) -> None:
    for amount in ("1.00", "2.00"):
        await create(api, vendor, request_body(amount))
    smallest = await page(api, vendor, limit=0)
    assert len(smallest["data"]) == 1 and smallest["pagination"]["limit"] == 1
    largest = await page(api, vendor, limit=1000)
    assert len(largest["data"]) == 2 and largest["pagination"]["limit"] == 100
    assert len((await page(api, vendor, limit=1, cursor=""))["data"]) == 1


async def test_the_link_header_is_the_same_request_for_the_next_page(
    api: ApiClient, vendor: User
) -> None:
    """RFC 8288 `rel="next"`: the request's own path and query, `cursor` replaced; following
    it walks every page (also under `/api/v1`), and the last page has no `Link`."""
    created = {(await create(api, vendor, request_body(f"{i + 1}.00")))["id"] for i in range(5)}
    for base in ("/api/payments", "/api/v1/payments"):
        seen: list[str] = []
        url = f"{base}?sort=amount&limit=2&cursor="
        while url:
            response = await call(api, "GET", url, vendor)
            assert response.status_code == 200, response.text
            seen += [payment["id"] for payment in response.json()["data"]]
            link = response.headers.get("link")
            if link is None:
                assert response.json()["pagination"] == {
                    "limit": 2,
                    "nextCursor": None,
                    "hasMore": False,
                }
                break
            target, relation = link.split(">; ")
            assert relation == 'rel="next"' and target.startswith(f"<{base}?sort=amount&limit=2&")
            cursor = response.json()["pagination"]["nextCursor"]
            assert target.endswith(f"&cursor={cursor}") and target.count("cursor=") == 1
            url = target[1:]
        assert len(seen) == 5 and set(seen) == created


async def test_a_page_of_a_status_whose_payments_are_old_reads_a_page_of_the_table(
    api: ApiClient, vendor: User, admin: User, resources: Resources
) -> None:
    """1,000 failed payments before 30,000 completed ones: with idx_payments_status on `status`
    alone, an administrator's page of failed payments walked `created_at` backwards through
    every completed one. The index now ends with the list's order."""
    async with resources.session_factory() as session:
        for status, count, age in (("failed", 1_000, 400), ("completed", 30_000, 1)):
            await session.execute(
                text(
                    "INSERT INTO payments.payments (user_id, amount, currency, status, type, "
                    "created_at) SELECT :owner, 10, 'USD', :status, 'payment', "
                    "now() - make_interval(days => :age) + make_interval(secs => g) "
                    "FROM generate_series(1, :count) AS g"
                ),
                {"owner": vendor.id, "status": status, "count": count, "age": age},
            )
        await session.execute(text("ANALYZE payments.payments"))
        newest = await session.execute(
            text(
                "SELECT id FROM payments.payments WHERE status = 'failed' "
                "ORDER BY created_at DESC, id DESC LIMIT 20"
            )
        )
        expected = [str(payment_id) for payment_id in newest.scalars()]
        await session.commit()

    with executions_of(resources) as reads:
        body = await page(api, admin, status="failed", limit=20)
    assert [payment["id"] for payment in body["data"]] == expected
    (statement, parameters) = next(
        read for read in reads if "payments.payments" in read[0] and "ORDER BY" in read[0]
    )
    assert await rows_read(resources, statement, parameters) <= 3 * 20
