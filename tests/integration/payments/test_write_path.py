"""What a creation costs the database: a request or a payment of no request is one statement
(key claim, payment, ledger rows, outbox events), a transaction by itself — no BEGIN and
COMMIT round trips."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select

from shared.config import Settings
from shared.events import OutboxEvent
from shared.graphql.context import Resources
from shared.resources import open_resources
from subgraphs.payments.app import create_app
from subgraphs.payments.models import IdempotencyKey, Payment, PaymentTransaction
from subgraphs.payments.settings import ProcessorKind
from tests.factories import TestUser as User
from tests.integration.conftest import ROUTER_HEADERS, ApiClient
from tests.integration.payments.conftest import (
    create,
    payment_body,
    payments_settings,
    request_body,
)


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[tuple[ApiClient, Resources]]:
    """The subgraph as it is served: its pool checks connections without a pre-ping (whose
    BEGIN, `;` and ROLLBACK would be counted too)."""
    async with open_resources(settings, pre_ping=False) as opened:
        factory = partial(create_app, payments_settings=payments_settings(ProcessorKind.INTERNAL))
        transport = httpx.ASGITransport(app=factory(settings, opened))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://subgraph", headers=ROUTER_HEADERS
        ) as http:
            yield ApiClient(http), opened


@asynccontextmanager
async def statements_sent(resources: Resources) -> AsyncIterator[list[str]]:
    """The text of every statement the pool's connections send meanwhile (asyncpg's query
    loggers: transaction control included)."""
    sent: list[str] = []
    engine = resources.session_factory.kw["bind"]
    drivers: list[Any] = []

    def log(record: Any) -> None:
        sent.append(record.query.strip())

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = dbapi_connection.driver_connection
        if driver not in drivers:
            drivers.append(driver)
            driver.add_query_logger(log)

    event.listen(engine.sync_engine, "checkout", on_checkout)
    try:
        yield sent
        await asyncio.sleep(0.05)  # asyncpg hands logged queries over with `call_soon`
    finally:
        event.remove(engine.sync_engine, "checkout", on_checkout)
        for driver in drivers:
            driver.remove_query_logger(log)


async def count(resources: Resources, model: Any) -> int:
    async with resources.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_payment_is_one_statement_and_no_transaction_control(
    served: tuple[ApiClient, Resources], customer: User, vendor: User, resources: Resources
) -> None:
    api, lean = served
    await create(api, customer, payment_body(), "warm-up")  # the run-time settings get cached

    async with statements_sent(lean) as sent:
        payment = await create(api, customer, payment_body("7.00"), "one-statement")
        request = await create(api, vendor, request_body("9.00"), "one-statement-too")

        document = "mutation($input: CreatePaymentInput!) { createPayment(input: $input) { id } }"
        graphql = await api.http.post(
            "/graphql",
            json={"query": document, "variables": {"input": payment_body("8.00")}},
            headers=customer.headers,
        )

    assert "errors" not in graphql.json(), graphql.text
    assert len(sent) == 3, sent
    assert all(text.startswith("WITH claim AS") for text in sent), sent
    assert payment["status"] == "completed" and request["status"] == "initiated"
    assert await count(resources, Payment) == 4
    assert await count(resources, IdempotencyKey) == 3
    assert await count(resources, PaymentTransaction) == 3 + 1 + 3 + 3  # created, processing, done
    assert await count(resources, OutboxEvent) == 3 + 1 + 3 + 3


async def test_many_concurrent_replays_of_one_key_get_the_one_payment(
    api: ApiClient, customer: User, resources: Resources
) -> None:
    """Each creation commits with its statement: the replays that waited on the key's index
    find it held and answer the stored payment."""
    headers = {**customer.headers, "Idempotency-Key": "stampede"}
    responses = await asyncio.gather(
        *(
            api.http.post("/api/payments", json=payment_body("3.00"), headers=headers)
            for _ in range(8)
        )
    )

    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    assert len({r.json()["data"]["id"] for r in responses}) == 1
    assert len({r.json()["data"]["createdAt"] for r in responses}) == 1
    assert await count(resources, Payment) == 1
    assert await count(resources, OutboxEvent) == 3
