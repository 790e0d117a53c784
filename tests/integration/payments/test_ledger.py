"""The ledger is append-only and every change has its event in the same transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from shared.events import OutboxEvent
from shared.graphql.context import Resources
from subgraphs.payments.models import PaymentTransaction
from tests.factories import TestUser as User
from tests.integration.conftest import ApiClient
from tests.integration.payments.conftest import call, create, payment_body, request_body


async def test_transactions_cannot_be_updated_or_deleted(
    api: ApiClient, customer: User, resources: Resources
) -> None:
    await create(api, customer, payment_body())
    for statement in (
        update(PaymentTransaction).values(status="failed"),
        delete(PaymentTransaction),
    ):
        async with resources.session_factory() as session:
            with pytest.raises(DBAPIError, match="append-only"):
                await session.execute(statement)


async def test_events_are_recorded_with_each_change(
    api: ApiClient, vendor: User, customer: User, resources: Resources
) -> None:
    request = await create(api, vendor, request_body("30.00", customerId=str(customer.id)))
    await create(api, customer, payment_body("30.00", paysPaymentId=request["id"]))
    async with resources.session_factory() as session:
        events = (
            (await session.execute(select(OutboxEvent).order_by(OutboxEvent.created_at)))
            .scalars()
            .all()
        )
    kinds = [(e.topic, e.payload["data"].get("to_status")) for e in events]
    assert kinds == [
        ("payment.created", None),
        ("payment.created", None),
        ("payment.status_changed", "processing"),  # the request, being paid
        ("payment.status_changed", "processing"),  # the payment, by the ledger
        ("payment.status_changed", "completed"),
        ("payment.status_changed", "completed"),  # the request follows
    ]
    change = events[2].payload
    assert change["actor"] == str(customer.id)
    assert change["data"]["from_status"] == "initiated"
    assert (change["data"]["amount"], change["data"]["currency"]) == ("30.00", "USD")


async def test_a_refused_change_leaves_no_trace(
    api: ApiClient, vendor: User, resources: Resources
) -> None:
    request = await create(api, vendor, request_body())
    await call(api, "DELETE", f"/api/payments/{request['id']}", vendor)
    async with resources.session_factory() as session:
        before = await session.scalar(text("SELECT count(*) FROM events.outbox"))
    again = await call(api, "DELETE", f"/api/payments/{request['id']}", vendor)
    assert again.status_code == 409
    async with resources.session_factory() as session:
        assert await session.scalar(text("SELECT count(*) FROM events.outbox")) == before
        rows = await session.scalar(text("SELECT count(*) FROM payments.payment_transactions"))
    assert rows == 2
