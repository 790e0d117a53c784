"""`GET /api/payments/history`: a user's ledger rows, newest first, read from their own range of
the ledger (`payments.ledger_parties`, kept by triggers) — a page at a time, whatever the size
of everyone else's history."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from shared.graphql.context import Resources
from shared.rbac import Role
from tests.factories import TestUser as User
from tests.integration.conftest import ApiClient, executions_of, rows_read
from tests.integration.payments.conftest import call, create, payment_body, request_body

PAGE = 20
# `count` payments of `owner`, each with three ledger rows (its creation, then two moves).
SEED = """WITH made AS (
    INSERT INTO payments.payments (user_id, amount, currency, status, type, created_at)
    SELECT :owner, 10, 'USD', 'completed', 'payment', now() - make_interval(secs => :count - g)
    FROM generate_series(1, :count) AS g
    RETURNING id, created_at)
INSERT INTO payments.payment_transactions (payment_id, transaction_type, amount, status, created_at)
SELECT made.id, kind, 10, 'completed', made.created_at
FROM made, unnest(ARRAY['created', 'status_changed', 'status_changed']) AS kind
ORDER BY made.created_at"""


async def seed_payments(resources: Resources, owner: uuid.UUID, count: int) -> None:
    """`count` payments of `owner`, three ledger rows each, written after every row so far."""
    async with resources.session_factory() as session:
        await session.execute(text(SEED), {"owner": owner, "count": count})
        await session.execute(text("ANALYZE payments.payments, payments.payment_transactions"))
        await session.commit()


async def history(api: ApiClient, user: User, **params: Any) -> list[dict[str, Any]]:
    response = await call(api, "GET", "/api/payments/history", user, params=params)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


async def test_a_page_of_a_user_whose_payments_are_old_reads_a_page_of_the_ledger(
    api: ApiClient, resources: Resources, make_user: Callable[..., Any]
) -> None:
    """The customer's 3,000 ledger rows come before 60,000 of another user's. Joining the
    ledger to the customer's payments, PostgreSQL walked the ledger backwards from its newest
    row and probing each row's payment: 80,028 rows read for one page of 20. The page is now
    read from the customer's range of `ledger_parties`."""
    customer, vendor = await make_user(Role.CUSTOMER), await make_user(Role.VENDOR)
    await seed_payments(resources, customer.id, 1_000)
    await seed_payments(resources, vendor.id, 20_000)
    async with resources.session_factory() as session:
        newest = (
            await session.execute(
                text(
                    "SELECT t.id FROM payments.payment_transactions t JOIN payments.payments p "
                    "ON p.id = t.payment_id WHERE p.user_id = :owner ORDER BY t.seq DESC "
                    "LIMIT :page"
                ),
                {"owner": customer.id, "page": 2 * PAGE},
            )
        ).scalars()
        expected = [str(entry) for entry in newest]

    with executions_of(resources) as reads:
        first = await call(api, "GET", "/api/payments/history", customer, params={"limit": PAGE})
    assert first.status_code == 200, first.text
    assert [row["id"] for row in first.json()["data"]] == expected[:PAGE]
    cursor = first.json()["pagination"]["nextCursor"]
    second = await history(api, customer, limit=PAGE, cursor=cursor)
    assert [row["id"] for row in second] == expected[PAGE:]
    (statement, parameters) = next(read for read in reads if "payment_transactions" in read[0])
    assert await rows_read(resources, statement, parameters) <= 3 * PAGE


async def test_a_request_paid_by_a_customer_is_in_their_history_from_its_start(
    api: ApiClient, vendor: User, customer: User, make_user: Callable[..., Any]
) -> None:
    """An unaddressed request becomes addressed to its payer: its ledger rows written before
    then are the payer's history too (the customer's, not another customer's)."""
    other_customer = await make_user(Role.CUSTOMER)
    request = await create(api, vendor, request_body("30.00"))
    assert await history(api, customer, paymentId=request["id"]) == []
    await create(api, customer, payment_body("30.00", paysPaymentId=request["id"]))
    rows = await history(api, customer, paymentId=request["id"])
    assert [row["transactionType"] for row in rows][-1] == "created"
    assert {row["paymentId"] for row in await history(api, customer)} >= {request["id"]}
    assert await history(api, other_customer) == []
    vendors = await history(api, vendor, paymentId=request["id"])
    assert [row["id"] for row in vendors] == [row["id"] for row in rows]


async def test_user_id_narrows_a_history_to_the_payments_the_user_owns(
    api: ApiClient, vendor: User, customer: User, admin: User
) -> None:
    request = await create(api, vendor, request_body(customerId=str(customer.id)))
    payment = await create(api, customer, payment_body())
    everything = {row["paymentId"] for row in await history(api, customer)}
    assert everything == {request["id"], payment["id"]}
    own = await history(api, customer, userId=str(customer.id))
    assert {row["paymentId"] for row in own} == {payment["id"]}
    as_admin = await history(api, admin, userId=str(customer.id))
    assert [row["id"] for row in as_admin] == [row["id"] for row in own]
    all_rows = await history(api, admin, limit=100)
    assert {row["paymentId"] for row in all_rows} == {request["id"], payment["id"]}
