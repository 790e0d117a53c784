"""The state machine through REST: every transition allowed and refused, cancellation,
editing windows, a request following the payment that pays it, and the ledger of each step."""

from __future__ import annotations

from typing import Any

import pytest

from shared.graphql.context import Resources
from subgraphs.payments.states import TRANSITIONS, PaymentStatus
from tests.factories import TestUser as User
from tests.integration.conftest import ApiClient
from tests.integration.payments.conftest import call, create, payment_body, request_body

S = PaymentStatus
# How to bring a new payment of each type to each status (admin steps after creation).
ROUTE_TO = {
    S.pending: ("payment", []),
    S.initiated: ("initiate", []),
    S.processing: ("payment", [S.processing]),
    S.completed: ("payment", [S.processing, S.completed]),
    S.failed: ("payment", [S.processing, S.failed]),
    S.cancelled: ("payment", [S.cancelled]),
}


async def set_status(api: ApiClient, admin: User, payment_id: str, status: PaymentStatus) -> Any:
    return await call(
        api, "POST", f"/api/payments/{payment_id}/status", admin, {"status": status.value}
    )


async def payment_in(
    api: ApiClient, status: PaymentStatus, vendor: User, customer: User, admin: User
) -> dict[str, Any]:
    kind, steps = ROUTE_TO[status]
    payment = await create(
        api, vendor if kind == "initiate" else customer,
        request_body() if kind == "initiate" else payment_body(),
    )  # fmt: skip
    for step in steps:
        response = await set_status(api, admin, payment["id"], step)
        assert response.status_code == 200, response.text
    return payment


@pytest.mark.parametrize("current", list(PaymentStatus))
async def test_every_transition_from(
    external_api: ApiClient,
    vendor: User,
    customer: User,
    admin: User,
    current: PaymentStatus,
) -> None:
    """From `current` to every status: the state machine's moves succeed and are recorded,
    every other is 409 INVALID_TRANSITION naming from/to and changes nothing."""
    for target in PaymentStatus:
        payment = await payment_in(external_api, current, vendor, customer, admin)
        response = await set_status(external_api, admin, payment["id"], target)
        if target in TRANSITIONS[current]:
            assert response.status_code == 200, (target, response.text)
            data = response.json()["data"]
            assert data["status"] == target.value
            last = data["transactions"][-1]
            assert (last["transactionType"], last["status"]) == ("status_changed", target.value)
            assert last["metadata"]["from"] == current.value
            continue
        assert response.status_code == 409, (target, response.text)
        error = response.json()["error"]
        assert error["code"] == "INVALID_TRANSITION"
        assert error["details"] == {"from": current.value, "to": target.value}
        again = await call(external_api, "GET", f"/api/payments/{payment['id']}", admin)
        assert again.json()["data"]["status"] == current.value


@pytest.mark.parametrize("status", [S.completed, S.failed, S.cancelled])
async def test_terminal_payments_cannot_be_cancelled_or_edited(
    external_api: ApiClient,
    vendor: User,
    customer: User,
    admin: User,
    status: PaymentStatus,
) -> None:
    payment = await payment_in(external_api, status, vendor, customer, admin)
    cancel = await call(external_api, "DELETE", f"/api/payments/{payment['id']}", customer)
    assert cancel.status_code == 409
    assert cancel.json()["error"]["details"] == {"from": status.value, "to": "cancelled"}
    edit = await call(
        external_api, "PUT", f"/api/payments/{payment['id']}", admin, {"description": "x"}
    )
    assert edit.status_code == 409
    assert edit.json()["error"]["code"] == "PAYMENT_NOT_EDITABLE"


async def test_processing_payment_is_not_editable_but_cancellable(
    external_api: ApiClient, vendor: User, customer: User, admin: User
) -> None:
    payment = await payment_in(external_api, S.processing, vendor, customer, admin)
    edit = await call(
        external_api, "PUT", f"/api/payments/{payment['id']}", admin, {"amount": "1.00"}
    )
    assert edit.status_code == 409
    cancel = await call(external_api, "DELETE", f"/api/payments/{payment['id']}", customer)
    assert cancel.status_code == 200
    assert cancel.json()["data"]["status"] == "cancelled"


async def test_update_records_amount_change_in_the_ledger(
    external_api: ApiClient, vendor: User
) -> None:
    request = await create(external_api, vendor, request_body("100.00"))
    response = await call(
        external_api,
        "PUT",
        f"/api/payments/{request['id']}",
        vendor,
        {"amount": "120.5", "description": "Invoice 7", "metadata": {"invoice": 7}},
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert '"amount":120.50' in response.text
    assert (data["description"], data["metadata"]) == ("Invoice 7", {"invoice": 7})
    ledger = [(t["transactionType"], t["amount"], t["metadata"]) for t in data["transactions"]]
    assert ledger[0][0] == "created"
    assert ledger[1][0] == "amount_changed"
    assert ledger[1][2]["from"] == "100.00" and ledger[1][2]["to"] == "120.50"
    empty = await call(external_api, "PUT", f"/api/payments/{request['id']}", vendor, {})
    assert empty.status_code == 400


async def test_internal_processor_settles_a_payment_and_records_each_step(
    api: ApiClient, customer: User
) -> None:
    payment = await create(api, customer, payment_body("10.00"))
    assert payment["status"] == "completed"
    steps = [(t["transactionType"], t["status"]) for t in payment["transactions"]]
    assert steps == [
        ("created", "pending"),
        ("status_changed", "processing"),
        ("status_changed", "completed"),
    ]
    assert payment["transactions"][1]["metadata"]["source"] == "internal_ledger"


async def test_paying_a_request_links_and_completes_both(
    api: ApiClient, vendor: User, customer: User, resources: Resources
) -> None:
    request = await create(api, vendor, request_body("75.00", customerId=str(customer.id)))
    assert request["status"] == "initiated"
    paid = await create(api, customer, payment_body("75.00", paysPaymentId=request["id"]))
    assert (paid["amount"], paid["paysPaymentId"], paid["status"]) == (
        75.0,
        request["id"],
        "completed",
    )
    after = (await call(api, "GET", f"/api/payments/{request['id']}", vendor)).json()["data"]
    assert after["status"] == "completed"
    assert [t["status"] for t in after["transactions"]] == ["initiated", "processing", "completed"]
    again = await call(api, "POST", "/api/payments", customer, payment_body(
        "75.00", paysPaymentId=request["id"]
    ))  # fmt: skip
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "REQUEST_NOT_PAYABLE"


async def test_a_request_is_paid_in_full_by_its_addressee_only(
    api: ApiClient, vendor: User, customer: User, make_user: Any
) -> None:
    from shared.rbac import Role

    request = await create(api, vendor, request_body("75.00", customerId=str(customer.id)))
    partial = await call(
        api, "POST", "/api/payments", customer, payment_body("70.00", paysPaymentId=request["id"])
    )
    assert partial.status_code == 409
    assert partial.json()["error"]["details"] == {"amount": "75.00", "currency": "USD"}
    stranger = await make_user(Role.CUSTOMER)
    foreign = await call(
        api, "POST", "/api/payments", stranger, payment_body("75.00", paysPaymentId=request["id"])
    )
    assert foreign.status_code == 404


async def test_an_open_request_is_addressed_to_its_payer(
    api: ApiClient, vendor: User, customer: User
) -> None:
    request = await create(api, vendor, request_body("5.00"))
    await create(api, customer, payment_body("5.00", paysPaymentId=request["id"]))
    seen = await call(api, "GET", f"/api/payments/{request['id']}", customer)
    assert seen.status_code == 200
    assert seen.json()["data"]["customer"] == {"id": str(customer.id)}


async def test_a_request_follows_its_payment_to_failure(
    external_api: ApiClient, vendor: User, customer: User, admin: User
) -> None:
    request = await create(external_api, vendor, request_body("9.99", customerId=str(customer.id)))
    paid = await create(external_api, customer, payment_body("9.99", paysPaymentId=request["id"]))
    assert paid["status"] == "pending"
    mid = await call(external_api, "GET", f"/api/payments/{request['id']}", vendor)
    assert mid.json()["data"]["status"] == "processing"
    await set_status(external_api, admin, paid["id"], S.processing)
    await set_status(external_api, admin, paid["id"], S.failed)
    end = await call(external_api, "GET", f"/api/payments/{request['id']}", vendor)
    assert end.json()["data"]["status"] == "failed"


async def test_addressing_a_request_by_email_and_to_customers_only(
    api: ApiClient, vendor: User, customer: User, admin: User
) -> None:
    by_email = await create(api, vendor, request_body(customerEmail=customer.email.upper()))
    assert by_email["customer"] == {"id": str(customer.id)}
    for body in (
        request_body(customerEmail="nobody@example.com"),
        request_body(customerId=str(admin.id)),
        request_body(customerId=str(vendor.id)),
        request_body(customerId=str(customer.id), customerEmail=admin.email),
    ):
        response = await call(api, "POST", "/api/payments", vendor, body)
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "CUSTOMER_NOT_FOUND"
    both = request_body(customerId=str(customer.id), customerEmail=customer.email)
    assert (await create(api, vendor, both))["customer"] == {"id": str(customer.id)}
