"""The role-by-route matrix: every cell allowed or refused with 401/403/404 (REST)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import ApiClient
from tests.integration.payments.conftest import World, call, payment_body, request_body

ROLES = ["anonymous", "customer", "other_customer", "vendor", "other_vendor", "admin"]
STATUS_BODY = {"status": "processing"}
UPDATE_BODY = {"description": "changed"}

# (method, path, body, {role: expected status}); {request}/{payment} are the world's objects:
# the vendor's request addressed to the customer, the customer's pending payment.
MATRIX: list[tuple[str, str, dict[str, Any] | None, dict[str, int]]] = [
    ("GET", "/api/payments", None, {r: 200 for r in ROLES} | {"anonymous": 401}),
    (
        "GET",
        "/api/payments/{request}",
        None,
        {"anonymous": 401, "customer": 200, "other_customer": 404, "vendor": 200,
         "other_vendor": 404, "admin": 200},
    ),
    (
        "GET",
        "/api/payments/{payment}",
        None,
        {"anonymous": 401, "customer": 200, "other_customer": 404, "vendor": 404,
         "other_vendor": 404, "admin": 200},
    ),
    (
        "POST",
        "/api/payments",
        request_body(),
        {"anonymous": 401, "customer": 403, "other_customer": 403, "vendor": 201,
         "other_vendor": 201, "admin": 403},
    ),
    (
        "POST",
        "/api/payments",
        payment_body(),
        {"anonymous": 401, "customer": 201, "other_customer": 201, "vendor": 403,
         "other_vendor": 403, "admin": 403},
    ),
    (
        "PUT",
        "/api/payments/{request}",
        UPDATE_BODY,
        {"anonymous": 401, "customer": 403, "other_customer": 403, "vendor": 200,
         "other_vendor": 404, "admin": 200},
    ),
    (
        "PUT",
        "/api/payments/{payment}",
        UPDATE_BODY,
        {"anonymous": 401, "customer": 403, "other_customer": 403, "vendor": 404,
         "other_vendor": 404, "admin": 200},
    ),
    (
        "DELETE",
        "/api/payments/{request}",
        None,
        {"anonymous": 401, "customer": 403, "other_customer": 404, "vendor": 200,
         "other_vendor": 404, "admin": 200},
    ),
    (
        "DELETE",
        "/api/payments/{payment}",
        None,
        {"anonymous": 401, "customer": 200, "other_customer": 404, "vendor": 404,
         "other_vendor": 404, "admin": 200},
    ),
    (
        "POST",
        "/api/payments/{payment}/status",
        STATUS_BODY,
        {r: 403 for r in ROLES} | {"anonymous": 401, "admin": 200},
    ),
    ("GET", "/api/payments/history", None, {r: 200 for r in ROLES} | {"anonymous": 401}),
    (
        "GET",
        "/api/payments/reports",
        None,
        {"anonymous": 401, "customer": 403, "other_customer": 403, "vendor": 200,
         "other_vendor": 200, "admin": 200},
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
async def test_role_route_matrix(
    external_api: ApiClient,
    world: World,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    expected: dict[str, int],
) -> None:
    """One route as every role; objects are renewed before each cell that may change them."""
    codes = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}
    for role in ROLES:
        if method != "GET":
            await world.renew(external_api)
        url = path.format(request=world.request["id"], payment=world.payment["id"])
        response = await call(external_api, method, url, world.user(role), body)
        assert response.status_code == expected[role], (role, response.text)
        envelope = response.json()
        assert envelope["success"] is (expected[role] < 400)
        if expected[role] >= 400:
            assert envelope["error"]["code"] == codes[expected[role]], role


async def test_lists_show_own_and_addressed_payments_only(
    external_api: ApiClient, world: World
) -> None:
    async def ids(role: str) -> set[str]:
        response = await call(external_api, "GET", "/api/payments", world.user(role))
        return {payment["id"] for payment in response.json()["data"]}

    request, payment = world.request["id"], world.payment["id"]
    assert await ids("customer") == {request, payment}
    assert await ids("vendor") == {request}
    assert await ids("other_customer") == set()
    assert await ids("other_vendor") == set()
    assert await ids("admin") == {request, payment}


async def test_history_and_reports_of_another_user_are_for_admins(
    external_api: ApiClient, world: World
) -> None:
    other = {"userId": str(world.vendor.id)}
    as_customer = await call(
        external_api, "GET", "/api/payments/history", world.customer, params=other
    )
    assert as_customer.status_code == 403
    as_admin = await call(external_api, "GET", "/api/payments/history", world.admin, params=other)
    assert as_admin.status_code == 200
    assert {row["paymentId"] for row in as_admin.json()["data"]} == {world.request["id"]}
    report = {"userId": str(world.vendor.id)}
    other_vendor = await call(
        external_api, "GET", "/api/payments/reports", world.other_vendor, params=report
    )
    assert other_vendor.status_code == 403
    admin = await call(external_api, "GET", "/api/payments/reports", world.admin, params=report)
    assert admin.status_code == 200


@pytest.mark.parametrize("path", ["/api/payments/not-a-uuid", "/api/payments/123/status"])
async def test_ids_that_are_not_uuids_are_400(
    external_api: ApiClient, world: World, path: str
) -> None:
    method = "POST" if path.endswith("/status") else "GET"
    body = STATUS_BODY if method == "POST" else None
    response = await call(external_api, method, path, world.admin, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_static_paths_are_not_taken_for_ids(external_api: ApiClient, world: World) -> None:
    for path in ("/api/payments/history", "/api/payments/reports", "/api/v1/payments/reports"):
        response = await call(external_api, "GET", path, world.vendor)
        assert response.status_code == 200, (path, response.text)
