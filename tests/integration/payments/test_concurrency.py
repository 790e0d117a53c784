"""Row locks: two changes of one payment at once — exactly one wins, the other sees its result."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.rbac import Role
from tests.factories import TestUser as User
from tests.integration.conftest import ApiClient
from tests.integration.payments.conftest import call, create, payment_body, request_body


async def test_two_transitions_of_one_payment_cannot_both_win(
    external_api: ApiClient, customer: User, admin: User
) -> None:
    payment = await create(external_api, customer, payment_body())
    path = f"/api/payments/{payment['id']}"
    cancel, process = await asyncio.gather(
        call(external_api, "DELETE", path, customer),
        call(external_api, "POST", f"{path}/status", admin, {"status": "processing"}),
    )
    statuses = sorted([cancel.status_code, process.status_code])
    final = (await call(external_api, "GET", path, admin)).json()["data"]
    if statuses == [200, 200]:  # processing first, then cancelled (processing → cancelled)
        assert final["status"] == "cancelled"
        assert [t["status"] for t in final["transactions"]] == [
            "pending",
            "processing",
            "cancelled",
        ]
    else:
        assert statuses == [200, 409]
        assert len(final["transactions"]) == 2


async def test_one_request_is_paid_once(api: ApiClient, vendor: User, make_user: Any) -> None:
    request = await create(api, vendor, request_body("42.00"))
    payers = [await make_user(Role.CUSTOMER) for _ in range(3)]
    body = payment_body("42.00", paysPaymentId=request["id"])
    responses = await asyncio.gather(
        *(call(api, "POST", "/api/payments", payer, body) for payer in payers)
    )
    # The winner's payment addresses the request to them: the others no longer see it.
    codes = sorted(r.status_code for r in responses)
    assert codes == [201, 404, 404], [r.text for r in responses]
    final = (await call(api, "GET", f"/api/payments/{request['id']}", vendor)).json()["data"]
    assert final["status"] == "completed"
    assert sum(t["transactionType"] == "created" for t in final["transactions"]) == 1
