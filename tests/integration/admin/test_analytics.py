"""Analytics computed in SQL: users by role and state, sign-ups and payments per UTC day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from shared.graphql.context import Resources
from shared.rbac import Role
from tests.integration.conftest import ApiClient

PAYMENT = text(
    "INSERT INTO payments.payments (user_id, amount, currency, status, type, created_at) "
    "VALUES (:user, :amount, :currency, :status, 'payment', :at)"
)


async def test_users_signups_and_payments(
    api: ApiClient, admin: Any, make_user: Callable[..., Any], resources: Resources
) -> None:
    vendor = await make_user(Role.VENDOR)
    inactive = await make_user(Role.CUSTOMER)
    async with resources.session_factory() as db:
        await db.execute(
            text(
                "UPDATE auth.users SET is_active = false, created_at = '2026-01-02T10:00Z' "
                "WHERE id = :id"
            ),
            {"id": inactive.id},
        )
        for amount, currency, status, at in (
            ("10.00", "USD", "completed", "2026-01-01T23:59:59Z"),
            ("5.25", "USD", "completed", "2026-01-01T01:00:00Z"),
            ("7.00", "EUR", "failed", "2026-01-02T00:00:00Z"),
            ("1.00", "USD", "completed", "2025-12-31T23:59:59Z"),  # outside the range
        ):
            await db.execute(
                PAYMENT,
                {
                    "user": vendor.id,
                    "amount": Decimal(amount),
                    "currency": currency,
                    "status": status,
                    "at": datetime.fromisoformat(at),
                },
            )
        await db.commit()

    response = await api.http.get(
        "/api/admin/analytics?since=2026-01-01&until=2026-01-02", headers=admin.headers
    )
    assert response.status_code == 200, response.text
    report = response.json()["data"]
    assert (report["since"], report["until"]) == ("2026-01-01", "2026-01-02")
    assert sorted((r["role"], r["active"], r["count"]) for r in report["usersByRole"]) == [
        ("ADMIN", True, 1),
        ("CUSTOMER", False, 1),
        ("VENDOR", True, 1),
    ]
    assert report["signupsPerDay"] == [{"day": "2026-01-02", "count": 1}]
    assert report["paymentsPerDay"] == [
        {
            "day": "2026-01-01",
            "status": "completed",
            "currency": "USD",
            "count": 2,
            "volume": 15.25,
        },
        {"day": "2026-01-02", "status": "failed", "currency": "EUR", "count": 1, "volume": 7.00},
    ]
    raw = response.text
    assert '"volume":15.25' in raw and '"volume":7.00' in raw  # exact decimals


async def test_any_range_is_answered_and_bad_dates_refused(api: ApiClient, admin: Any) -> None:
    backwards = await api.http.get(
        "/api/admin/analytics?since=2026-02-01&until=2026-01-01", headers=admin.headers
    )
    assert backwards.json()["data"]["signupsPerDay"] == []
    for query in ("since=0001-01-01&until=9999-12-31", "until=0001-01-02"):
        response = await api.http.get(f"/api/admin/analytics?{query}", headers=admin.headers)
        assert response.status_code == 200, query
    for query in ("since=soon", "until=2026-13-01"):
        response = await api.http.get(f"/api/admin/analytics?{query}", headers=admin.headers)
        assert response.status_code == 400, query
    default = await api.http.get("/api/admin/analytics", headers=admin.headers)
    assert default.status_code == 200
