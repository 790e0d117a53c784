"""Reports: SQL totals checked against sums computed here from the same rows."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import update

from shared.graphql.context import Resources
from subgraphs.payments.models import Payment
from tests.factories import TestUser as User
from tests.integration.conftest import ApiClient
from tests.integration.payments.conftest import call, create

CENT = Decimal("0.01")


def totals(rows: list[tuple[str, ...]], key: Any) -> dict[Any, tuple[int, Decimal, Decimal]]:
    groups: dict[Any, list[Decimal]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(Decimal(row[2]))
    return {
        k: (len(v), sum(v, Decimal(0)), (sum(v, Decimal(0)) / len(v)).quantize(CENT, ROUND_HALF_UP))
        for k, v in groups.items()
    }


def as_map(items: list[dict[str, Any]], *keys: str) -> dict[Any, tuple[int, Decimal, Decimal]]:
    return {
        tuple(item[k] for k in keys) if len(keys) > 1 else item[keys[0]]: (
            item["count"],
            Decimal(str(item["total"])),
            Decimal(str(item["average"])),
        )
        for item in items
    }


async def test_report_matches_independent_sums(
    external_api: ApiClient, vendor: User, make_user: Any, admin: User, resources: Resources
) -> None:
    rng = random.Random(4217)
    today = datetime.now(UTC).date()
    other_vendor = await make_user(vendor.role)
    rows: list[tuple[str, ...]] = []  # (day, currency, amount, status) of `vendor`
    for index in range(30):
        amount = f"{rng.randint(1, 500_000) / 100:.2f}"
        currency = rng.choice(["USD", "EUR", "JPY"])
        owner = vendor if index % 5 else other_vendor
        payment = await create(
            external_api, owner, {"type": "initiate", "amount": amount, "currency": currency}
        )
        status = "initiated"
        if index % 3 == 0:
            await call(external_api, "DELETE", f"/api/payments/{payment['id']}", owner)
            status = "cancelled"
        day = today - timedelta(days=index % 4)
        async with resources.session_factory() as session:
            moment = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=index % 24)
            await session.execute(
                update(Payment).where(Payment.id == payment["id"]).values(created_at=moment)
            )
            await session.commit()
        if owner is vendor:
            rows.append((day.isoformat(), currency, amount, status))

    start = (today - timedelta(days=2)).isoformat()
    params = {"from": start, "to": today.isoformat()}
    response = await call(external_api, "GET", "/api/payments/reports", vendor, params=params)
    assert response.status_code == 200, response.text
    report = response.json()["data"]
    in_range = [row for row in rows if row[0] >= start]
    assert as_map(report["byStatus"], "status", "currency") == totals(
        in_range, lambda r: (r[3], r[1])
    )
    assert as_map(report["byCurrency"], "currency") == totals(in_range, lambda r: r[1])
    assert as_map(report["byDay"], "day", "currency") == totals(in_range, lambda r: (r[0], r[1]))
    assert (report["from"], report["to"]) == (start, today.isoformat())

    everyone = await call(external_api, "GET", "/api/payments/reports", admin, params=params)
    counts = sum(item["count"] for item in everyone.json()["data"]["byCurrency"])
    assert counts > len(in_range)  # the other vendor's payments are in the admin's report


async def test_report_amounts_are_exact_json_numbers(api: ApiClient, vendor: User) -> None:
    for amount in ("0.10", "0.20", "0.05"):
        await create(api, vendor, {"type": "initiate", "amount": amount})
    response = await call(api, "GET", "/api/payments/reports", vendor)
    assert '"total":0.35' in response.text
    assert '"average":0.12' in response.text  # 0.11666… rounded half up to 2 places


async def test_a_backwards_range_is_empty(api: ApiClient, vendor: User) -> None:
    await create(api, vendor, {"type": "initiate", "amount": "1.00"})
    backwards = {"from": "2026-02-01", "to": "2026-01-01"}
    response = await call(api, "GET", "/api/payments/reports", vendor, params=backwards)
    assert response.status_code == 200
    assert response.json()["data"]["byCurrency"] == []


async def test_a_range_at_the_ends_of_the_calendar_is_empty_not_an_error(
    api: ApiClient, vendor: User
) -> None:
    """Found by fuzzing: `to` in the first days of year 1 (default `from` 29 days earlier) or
    on 9999-12-31 (the day after it) overflowed Python's dates: a 500."""
    for params in ({"to": "0001-01-29"}, {"from": "9999-12-01", "to": "9999-12-31"}):
        response = await call(api, "GET", "/api/payments/reports", vendor, params=params)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["byCurrency"] == []
    answer = await api.graphql(
        '{ paymentReport(to: "0001-01-02") { from to } }', token=vendor.token
    )
    assert answer["data"]["paymentReport"] == {"from": "0001-01-01", "to": "0001-01-02"}
