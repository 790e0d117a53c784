"""Idempotent creation: a repeated key returns the first answer, a different body is refused,
two concurrent requests with one key create exactly one payment."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from shared.graphql.context import Resources
from shared.models import utcnow
from subgraphs.payments.models import IdempotencyKey, Payment
from tests.factories import TestUser as User
from tests.integration.conftest import ApiClient
from tests.integration.payments.conftest import payment_body

CREATE = """mutation($input: CreatePaymentInput!, $key: String) {
  createPayment(input: $input, idempotencyKey: $key) { id amount status }
}"""


async def post(api: ApiClient, user: User, body: dict[str, Any], key: str) -> Any:
    return await api.http.post(
        "/api/payments", json=body, headers={**user.headers, "Idempotency-Key": key}
    )


async def payment_count(resources: Resources) -> int:
    async with resources.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Payment)) or 0)


async def test_same_key_same_body_returns_the_first_response(
    api: ApiClient, customer: User, resources: Resources
) -> None:
    first = await post(api, customer, payment_body("12.34"), "key-1")
    second = await post(api, customer, payment_body("12.34"), "key-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["data"]["id"] == second.json()["data"]["id"]
    assert second.json()["data"]["status"] == "completed"
    assert await payment_count(resources) == 1


async def test_same_key_other_body_is_422(
    api: ApiClient, customer: User, resources: Resources
) -> None:
    await post(api, customer, payment_body("12.34"), "key-2")
    reused = await post(api, customer, payment_body("12.35"), "key-2")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await payment_count(resources) == 1


async def test_keys_belong_to_one_user(
    api: ApiClient, customer: User, make_user: Any, resources: Resources
) -> None:
    other = await make_user()
    first = await post(api, customer, payment_body(), "shared-key")
    second = await post(api, other, payment_body(), "shared-key")
    assert first.json()["data"]["id"] != second.json()["data"]["id"]
    assert await payment_count(resources) == 2


async def test_concurrent_requests_with_one_key_create_one_payment(
    api: ApiClient, customer: User, resources: Resources
) -> None:
    responses = await asyncio.gather(
        *(post(api, customer, payment_body("50.00"), "race") for _ in range(2))
    )
    assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
    assert len({r.json()["data"]["id"] for r in responses}) == 1
    assert await payment_count(resources) == 1


async def test_graphql_argument_is_the_same_key_as_the_header(
    api: ApiClient, customer: User, resources: Resources
) -> None:
    rest = await post(api, customer, payment_body("8.00"), "both")
    variables = {"input": {"type": "payment", "amount": "8.00", "currency": "USD"}, "key": "both"}
    body = await api.graphql(CREATE, variables, token=customer.token)
    assert body["data"]["createPayment"]["id"] == rest.json()["data"]["id"]
    assert await payment_count(resources) == 1


async def test_an_expired_key_can_be_used_again(
    api: ApiClient, customer: User, resources: Resources
) -> None:
    first = await post(api, customer, payment_body("1.00"), "old")
    async with resources.session_factory() as session:
        await session.execute(
            update(IdempotencyKey).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await session.commit()
    second = await post(api, customer, payment_body("2.00"), "old")
    assert second.status_code == 201
    assert second.json()["data"]["id"] != first.json()["data"]["id"]


async def test_a_failed_request_does_not_hold_its_key(
    api: ApiClient, customer: User, resources: Resources
) -> None:
    refused = await post(api, customer, payment_body("1.00", currency="XXX"), "retry")
    assert refused.status_code == 400
    accepted = await post(api, customer, payment_body("1.00"), "retry")
    assert accepted.status_code == 201


async def test_blank_or_long_keys_are_400(api: ApiClient, customer: User) -> None:
    for key in (" ", "k" * 256):
        response = await post(api, customer, payment_body(), key)
        assert response.status_code == 400, response.text
